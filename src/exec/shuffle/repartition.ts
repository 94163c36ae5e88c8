/**
 * repartition, executed: the input partitions are computed, then cut into the target number of
 * partitions of about equal rows (or of about `partitionSize` bytes) as zero-copy slices, in
 * order. No rows move between threads.
 */
import type * as arrow from 'apache-arrow';
import type { Shuffle } from '../../plan/stage.js';
import { concatTables, emptyTable } from '../concat-tables.js';
import { runStages } from '../run-stage.js';
import { tableBytes } from '../../sched/table-bytes.js';
import type { ShuffleRun } from './run-shuffle.js';

type RepartitionShuffle = Extract<Shuffle, { kind: 'repartition' }>;

/**
 * Rows [start, end) of the concatenation of `tables`, as slices.
 *
 * @example
 * rowRange([a, b], 5, 12) // the end of a and the start of b
 */
function rowRange(tables: readonly arrow.Table[], starts: readonly number[], start: number, end: number, schema: arrow.Schema): arrow.Table {
  const pieces: arrow.Table[] = [];
  tables.forEach((t, i) => {
    const from = Math.max(start, starts[i]!);
    const to = Math.min(end, starts[i]! + t.numRows);
    if (to > from) pieces.push(t.slice(from - starts[i]!, to - starts[i]!));
  });
  return concatTables(pieces, schema);
}

export async function runRepartition(shuffle: RepartitionShuffle, run: ShuffleRun): Promise<arrow.Table[]> {
  const schema = shuffle.input.schema;
  const tables = await runStages(shuffle.input, run.ctx, run.stageIndex - 1);
  const starts: number[] = [];
  let rows = 0;
  let bytes = 0;
  for (const t of tables) {
    starts.push(rows);
    rows += t.numRows;
    bytes += tableBytes(t);
  }
  const target = shuffle.target;
  const n = 'npartitions' in target ? target.npartitions : Math.max(1, Math.ceil(bytes / target.partitionSize));
  if (rows === 0) return [emptyTable(schema)];
  return Array.from({ length: n }, (_, j) => rowRange(tables, starts, Math.floor((rows * j) / n), Math.floor((rows * (j + 1)) / n), schema));
}
