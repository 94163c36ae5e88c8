/**
 * dropDuplicates, executed, keeping row order and partitions: the input partitions are held;
 * their key columns, tagged with (partition, row), are split by key hash; each bucket finds the
 * rows it keeps (its pieces come in partition order, so "first" and "last" are the global
 * first and last); the kept (partition, row) pairs go back to their partitions, which keep
 * those rows in their order.
 */
import * as arrow from 'apache-arrow';
import type { Shuffle } from '../../plan/stage.js';
import { emptyTable } from '../concat-tables.js';
import { encodeSchema } from '../ship-table.js';
import type { ShuffleRun } from './run-shuffle.js';
import { bucketCount, splitAll } from './split-all.js';

type DistinctShuffle = Extract<Shuffle, { kind: 'distinct' }>;

export async function runDistinct(shuffle: DistinctShuffle, run: ShuffleRun): Promise<arrow.Table[]> {
  const schema = shuffle.input.schema;
  const input = await run.materialize(shuffle.input, 2);
  const keyFields = shuffle.subset.map((c) => schema.fields.find((f) => f.name === c)!);
  const keyBytes = input.bytes * (keyFields.length / Math.max(1, schema.fields.length));
  const parts = bucketCount(input.keys.length, keyBytes, run.ctx.workers);
  const pieces = await splitAll(run, 'split keys', input.keys, { keys: shuffle.subset, parts, against: null, ids: true, columns: shuffle.subset });
  const pieceSchema = encodeSchema(new arrow.Schema([...keyFields, new arrow.Field('__part', new arrow.Int32(), false), new arrow.Field('__row', new arrow.Int32(), false)]));
  const kept: number[][] = input.keys.map(() => []);
  await run.tasks('distinct buckets', parts, async (b, task) => {
    const bucket = pieces.map((p) => p[b]!);
    if (bucket.every((p) => p.rows === 0)) {
      for (const p of bucket) run.store.release(p.key);
      return;
    }
    await run.store.with(bucket.map((p) => p.key), async (tables) => {
      const out = await task({ kind: 'distinct', tables, schema: pieceSchema, subset: shuffle.subset, keep: shuffle.keep });
      if (out.kind !== 'ids') throw new Error(`distinct returned ${out.kind}`);
      for (let i = 0; i < out.parts.length; i++) kept[out.parts[i]!]!.push(out.rows[i]!);
    });
  });
  const outs = await run.tasks('keep rows', input.keys.length, (i, task) => run.store.with([input.keys[i]!], async ([table]) => {
    const rows = Int32Array.from(kept[i]!).sort();
    if (rows.length === table!.numRows) return table!;
    if (rows.length === 0) return null;
    const out = await task({ kind: 'take', table: table!, rows });
    return out.kind === 'table' ? out.table : null;
  }));
  const tables = outs.filter((t): t is arrow.Table => t !== null);
  return tables.length > 0 ? tables : [emptyTable(schema)];
}
