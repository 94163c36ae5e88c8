/**
 * sortValues, executed: the input partitions are held; a sample of their keys (evenly spaced
 * rows of each partition) gives P - 1 boundaries; each partition is split by key range (equal
 * keys land in one bucket) and each bucket sorts its pieces, which come in partition order, so
 * the sort is stable across the whole frame. Bucket b's rows all come before bucket b + 1's.
 */
import type * as arrow from 'apache-arrow';
import { sortBoundaries } from '../../cpu/kernels/range-partition.js';
import { takeRows } from '../../cpu/kernels/take-rows.js';
import type { Shuffle } from '../../plan/stage.js';
import { concatTables, emptyTable } from '../concat-tables.js';
import { selectColumns } from '../partition-task.js';
import { encodeSchema } from '../ship-table.js';
import type { ShuffleRun } from './run-shuffle.js';
import { bucketCount, type Piece } from './split-all.js';
import { gpuSortBucket } from './gpu-bucket.js';

type SortShuffle = Extract<Shuffle, { kind: 'sort' }>;

/** Sampled rows per partition and bucket: enough that buckets come out within a few percent of even. */
const SAMPLES_PER_BUCKET = 64;

/** Evenly spaced rows of `table`'s key columns. */
function sample(table: arrow.Table, columns: string[], count: number): arrow.Table {
  const n = table.numRows;
  const m = Math.min(n, count);
  const rows = new Int32Array(m);
  for (let i = 0; i < m; i++) rows[i] = Math.floor(((i + 0.5) * n) / m);
  return takeRows(selectColumns(table, columns), rows);
}

export async function runSort(shuffle: SortShuffle, run: ShuffleRun): Promise<arrow.Table[]> {
  const schema = shuffle.input.schema;
  const schemaBytes = encodeSchema(schema);
  const { by, nullsLast } = shuffle;
  const input = await run.materialize(shuffle.input, 2);
  const totalRows = input.rows.reduce((a, b) => a + b, 0);
  if (totalRows === 0) {
    for (const k of input.keys) {
      run.store.release(k);
      run.store.release(k);
    }
    return [emptyTable(schema)];
  }
  const parts = bucketCount(input.keys.length, input.bytes, run.ctx.workers);
  const keyColumns = by.map((k) => k.column);
  const keySchema = selectColumns(emptyTable(schema), keyColumns).schema;
  const samples: arrow.Table[] = [];
  for (const key of input.keys) samples.push(await run.store.with([key], async ([t]) => sample(t!, keyColumns, SAMPLES_PER_BUCKET * parts)));
  const boundaries = sortBoundaries(concatTables(samples, keySchema), by, nullsLast, parts);
  const pieces: Piece[][] = await run.tasks('split by range', input.keys.length, (i, task) => run.store.with([input.keys[i]!], async ([table]) => {
    const out = await task({ kind: 'range-split', table: table!, by, nullsLast, boundaries });
    if (out.kind !== 'tables') throw new Error(`range-split returned ${out.kind}`);
    return out.tables.map((t) => ({ key: run.store.hold(t, 1), rows: t.numRows }));
  }));
  const buckets = boundaries.numRows + 1;
  const outs = await run.tasks('sort buckets', buckets, async (b, task) => {
    const bucket = pieces.map((p) => p[b]!);
    if (bucket.every((p) => p.rows === 0)) {
      for (const p of bucket) run.store.release(p.key);
      return null;
    }
    return run.store.with(bucket.map((p) => p.key), async (tables) => {
      const cpu = async (): Promise<arrow.Table | null> => {
        const out = await task({ kind: 'sort', tables, schema: schemaBytes, by, nullsLast });
        return out.kind === 'table' ? out.table : null;
      };
      if (shuffle.device !== 'gpu') return cpu();
      return run.onGpu('sort buckets', b, (gpu) => gpuSortBucket(gpu, tables, schema, by[0]!, nullsLast), cpu);
    });
  });
  const tables = outs.filter((t): t is arrow.Table => t !== null);
  return tables.length > 0 ? tables : [emptyTable(schema)];
}
