/**
 * What a stage reads: a scan's partitions (Parquet pieces after row-group skipping, CSV blocks,
 * in-memory tables moved to shared memory once, persisted partitions held by a memory manager),
 * and how a task gets its table — a held partition pinned and fetched (read back from disk if it
 * was spilled) only for the task's duration.
 */
import * as arrow from 'apache-arrow';
import { PlanError, TaskError } from '../errors.js';
import { planCsvPieces } from '../io/csv/csv-dataset.js';
import { readsInFlight, scanBlocksize } from '../sched/blocksize.js';
import { tableBytes } from '../sched/table-bytes.js';
import { planParquetPieces } from '../io/parquet/parquet-dataset.js';
import { exprColumns } from '../plan/expr-columns.js';
import { isHeldPartition, sourceSchema, type HeldPartition, type ScanNode } from '../plan/logical-plan.js';
import type { ExecContext } from './executor.js';
import type { ReadSpec } from './partition-task.js';
import { shareTable } from './ship-table.js';

const sharedTables = new WeakMap<arrow.Table, arrow.Table>();

/** In-memory partitions move to shared memory once, so workers read them without copies. */
function shared(table: arrow.Table): arrow.Table {
  let s = sharedTables.get(table);
  if (s === undefined) {
    s = shareTable(table);
    sharedTables.set(table, s);
  }
  return s;
}

/** The columns a scan reads: its outputs plus those its predicate needs, in source order. */
export function readColumns(scan: ScanNode): string[] {
  const needed = new Set(scan.columns);
  if (scan.predicate !== null) exprColumns(scan.predicate, needed);
  return sourceSchema(scan.source).fields.map((f) => f.name).filter((c) => needed.has(c));
}

/** The schema of what a scan reads (`readColumns`). */
export function readSchema(scan: ScanNode): arrow.Schema {
  const columns = new Set(readColumns(scan));
  return new arrow.Schema(sourceSchema(scan.source).fields.filter((f) => columns.has(f.name)));
}

/**
 * What one task of a stage reads: a ReadSpec, or a partition that persist() keeps in a memory
 * manager, turned into a table read only while its task runs (`withRead`).
 */
export type StageRead = ReadSpec | HeldPartition;

export interface ScanPlan {
  reads: StageRead[];
  /** Scan tasks to keep in flight: fewer than the workers take when blocks are large for the memory limit. */
  inFlight: number;
  /** Row groups skipped by statistics, out of how many (Parquet). */
  rowGroups?: { total: number; skipped: number };
}

/** The partitions a scan reads. */
export async function planScan(scan: ScanNode, ctx: Pick<ExecContext, 'device' | 'workers' | 'memory'>): Promise<ScanPlan> {
  const columns = readColumns(scan);
  const source = scan.source;
  const budget = ctx.memory === undefined ? null : { memoryLimit: ctx.memory.stats().limit, workers: ctx.workers };
  switch (source.kind) {
    case 'parquet': {
      const blocksize = scanBlocksize(source.blocksize, budget);
      const { pieces, rowGroups, skippedRowGroups } = planParquetPieces(source.dataset, { columns, predicate: scan.predicate, blocksize });
      return { reads: pieces.map((piece) => ({ kind: 'parquet', piece, columns })), inFlight: readsInFlight(budget, blocksize), rowGroups: { total: rowGroups, skipped: skippedRowGroups } };
    }
    case 'csv': {
      const blocksize = scanBlocksize(source.blocksize, budget);
      const pieces = await planCsvPieces({ ...source.dataset, blocksize });
      const dataset = { columns: source.dataset.columns, options: source.dataset.options };
      return { reads: pieces.map((piece) => ({ kind: 'csv', dataset, piece, columns })), inFlight: readsInFlight(budget, blocksize) };
    }
    case 'memory':
      if (source.tables.length === 0 || source.tables.some((p) => isHeldPartition(p) && !p.memory.has(p.key))) throw unpersisted(source.label);
      // Held partitions are already in shared memory (persist() shares them, spills read back shared).
      return { reads: source.tables.map((p) => (isHeldPartition(p) ? p : { kind: 'table', table: ctx.device === 'cpu' ? shared(p) : p })), inFlight: 2 * ctx.workers };
  }
}

export function unpersisted(label: string): PlanError {
  return new PlanError('UNPERSISTED', `${label}: this frame's partitions were freed by unpersist() or by closing the client that persisted them; persist() the source frame again`);
}

/**
 * Runs `run` on the table `read` names. A held partition is pinned and fetched (read back from
 * its spill file if it was spilled) for the task's duration only, then unpinned, so that the
 * memory manager may spill it again between tasks. A failure to fetch it is the task's failure
 * (a TaskError that cancels the computation), like a failed read of a file.
 */
export async function withRead<T>(read: StageRead, ctx: ExecContext, operator: string, partition: number, run: (read: ReadSpec) => Promise<T>): Promise<T> {
  if (read.kind !== 'held') return run(read);
  const { memory, key } = read;
  let table: arrow.Table;
  try {
    if (!memory.has(key)) throw unpersisted(operator);
    memory.pin(key);
  } catch (cause) {
    throw fetchFailed(cause, ctx, operator, partition);
  }
  try {
    try {
      table = await memory.get(key);
    } catch (cause) {
      throw fetchFailed(cause, ctx, operator, partition);
    }
    return await run({ kind: 'table', table });
  } finally {
    // Gone meanwhile (unpersist() or the client closed): nothing is left to unpin.
    if (memory.has(key)) memory.unpin(key);
  }
}

function fetchFailed(cause: unknown, ctx: ExecContext, operator: string, partition: number): TaskError {
  const signal = ctx.cancel?.signal;
  if (signal?.aborted === true && signal.reason instanceof TaskError) return signal.reason;
  const error = cause instanceof TaskError ? cause : new TaskError({ operator, partition, device: ctx.device, cause });
  ctx.cancel?.abort(error);
  return error;
}


/**
 * Estimated bytes of input of a read, for the cost model: a Parquet piece's rows × columns × 8,
 * a CSV block's bytes, a table's buffers.
 *
 * @example
 * const bytes = readBytes({ kind: 'parquet', piece, columns: ['k', 'v'] }); // piece.rows * 16
 */
export function readBytes(read: ReadSpec): number {
  switch (read.kind) {
    case 'parquet':
      return read.piece.rows * Math.max(1, read.columns.length) * 8;
    case 'csv':
      return Math.max(0, read.piece.end - read.piece.start);
    case 'table':
      return read.table instanceof arrow.Table
        ? tableBytes(read.table)
        : read.table.batches.reduce((n, b) => n + b.length * Math.max(1, b.columns.length) * 8, 0);
  }
}
