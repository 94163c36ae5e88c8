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

/** The rows whose bit is set (bit r & 31 of word r >> 5), ascending. */
function setBits(bits: Uint32Array): Int32Array {
  let n = 0;
  for (let k = 0; k < bits.length; k++) {
    // Population count of one word.
    let v = bits[k]! - ((bits[k]! >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  const rows = new Int32Array(n);
  let o = 0;
  for (let k = 0; k < bits.length; k++) {
    for (let v = bits[k]!; v !== 0; v &= v - 1) rows[o++] = (k << 5) | (31 - Math.clz32(v & -v));
  }
  return rows;
}

export async function runDistinct(shuffle: DistinctShuffle, run: ShuffleRun): Promise<arrow.Table[]> {
  const schema = shuffle.input.schema;
  const input = await run.materialize(shuffle.input, 2);
  const keyFields = shuffle.subset.map((c) => schema.fields.find((f) => f.name === c)!);
  const keyBytes = input.bytes * (keyFields.length / Math.max(1, schema.fields.length));
  const parts = bucketCount(input.keys.length, keyBytes, run.ctx.workers);
  const pieces = await splitAll(run, 'split keys', input.keys, { keys: shuffle.subset, parts, against: null, ids: true, columns: shuffle.subset });
  const pieceSchema = encodeSchema(new arrow.Schema([...keyFields, new arrow.Field('__part', new arrow.Int32(), false), new arrow.Field('__row', new arrow.Int32(), false)]));
  // Which rows of each partition stay: a bit per row, so that the kept rows come out in order
  // without sorting what the buckets send back, and the bits stay in cache while they are set.
  const kept = input.rows.map((n) => new Uint32Array((n + 31) >>> 5));
  await run.tasks('distinct buckets', parts, async (b, task) => {
    const bucket = pieces.map((p) => p[b]!);
    if (bucket.every((p) => p.rows === 0)) {
      for (const p of bucket) run.store.release(p.key);
      return;
    }
    await run.store.with(bucket.map((p) => p.key), async (tables) => {
      const out = await task({ kind: 'distinct', tables, schema: pieceSchema, subset: shuffle.subset, keep: shuffle.keep });
      if (out.kind !== 'ids') throw new Error(`distinct returned ${out.kind}`);
      const { parts: from, rows } = out;
      for (let i = 0; i < from.length; i++) kept[from[i]!]![rows[i]! >>> 5]! |= 1 << (rows[i]! & 31);
    });
  });
  const outs = await run.tasks('keep rows', input.keys.length, (i, task) => run.store.with([input.keys[i]!], async ([table]) => {
    const rows = setBits(kept[i]!);
    if (rows.length === table!.numRows) return table!;
    if (rows.length === 0) return null;
    const out = await task({ kind: 'take', table: table!, rows });
    return out.kind === 'table' ? out.table : null;
  }));
  const tables = outs.filter((t): t is arrow.Table => t !== null);
  return tables.length > 0 ? tables : [emptyTable(schema)];
}
