/**
 * The split step shared by the hash shuffles: each held partition is cut into `parts` pieces by
 * key hash in a worker, and every piece is held in the store for the one bucket task that reads
 * it. Also how many buckets a shuffle uses.
 */
import { selectColumns } from '../partition-task.js';
import type { ShuffleRun } from './run-shuffle.js';

/** A held piece: its key in the store and its rows. */
export interface Piece {
  key: string;
  rows: number;
}

/** Bytes a bucket aims at: enough buckets that each one's task stays well inside a worker's memory. */
const BUCKET_BYTES = 64e6;
const MAX_BUCKETS = 512;

/**
 * Buckets for a shuffle of `partitions` partitions and `bytes` bytes over `workers` workers: at
 * least as many as the partitions, more when they are large, and a multiple of the workers, so
 * that the last round of bucket tasks keeps every worker busy.
 *
 * @example
 * bucketCount(8, 2e9, 2) // 32
 * bucketCount(5, 1e6, 2) // 6
 */
export function bucketCount(partitions: number, bytes: number, workers: number): number {
  const wanted = Math.max(1, partitions, Math.ceil(bytes / BUCKET_BYTES));
  if (wanted === 1) return 1;
  return Math.min(MAX_BUCKETS, Math.ceil(wanted / workers) * workers);
}

export interface SplitOptions {
  keys: string[];
  parts: number;
  /** The key columns of the join's other side, as an IPC schema (their types pick the key encoding); null: this side's own. */
  against: Uint8Array | null;
  /** Append `__part`/`__row` ids (dropDuplicates). */
  ids: boolean;
  /** Only these columns travel (dropDuplicates sends the keys); default all. */
  columns?: string[];
}

/** Splits each held partition (read once) into pieces; returns `pieces[partition][bucket]`. */
export function splitAll(run: ShuffleRun, step: string, keys: readonly string[], options: SplitOptions): Promise<Piece[][]> {
  return run.tasks(step, keys.length, (i, task) => run.store.with([keys[i]!], async ([table]) => {
    const sent = options.columns === undefined ? table! : selectColumns(table!, options.columns);
    const out = await task({ kind: 'hash-split', table: sent, keys: options.keys, parts: options.parts, against: options.against, ids: options.ids ? i : null });
    if (out.kind !== 'tables') throw new Error(`hash-split returned ${out.kind}`);
    return out.tables.map((t) => ({ key: run.store.hold(t, 1), rows: t.numRows }));
  }));
}
