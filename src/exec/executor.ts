/**
 * Thin adapters that run one task on a device: the CPU worker pool (tables shipped in and
 * out) or the main thread ('sync', the same functions, for debugging). Failures come back as a
 * `TaskError` naming the operator, the partition and the device, with the original as `cause`.
 * This is the seam where the scheduler's placement policy plugs in.
 */
import type * as arrow from 'apache-arrow';
import type { CpuPool } from '../cpu/cpu-pool.js';
import { TaskError } from '../errors.js';
import { transferables } from '../cpu/kernels/group-by.js';
import type { GpuContext } from '../gpu/gpu-context.js';
import { runMergeTask, type MergeOutput, type MergeTask } from './merge-task.js';
import { runPartitionTask, unshipPartial, type PartitionTask, type TaskOutput } from './partition-task.js';
import { shipTable, unshipTable, type ShippedTable } from './ship-table.js';

export type TaskDevice = 'cpu' | 'sync' | 'gpu';

export interface ExecStats {
  tasks: { gpu: number; cpu: number; sync: number };
  peakMemory: number;
  /** Partitions planned for the GPU that its kernels sent back to the CPU, with why (the latest 100). */
  gpuFallbacks: string[];
}

/** Samples the process's resident set as a task finishes. */
export function notePeak(stats: ExecStats): void {
  const rss = process.memoryUsage.rss();
  if (rss > stats.peakMemory) stats.peakMemory = rss;
}

export interface ExecContext {
  /** Where partition and merge tasks run. */
  device: 'cpu' | 'sync';
  pool: CpuPool;
  gpu: GpuContext | null;
  workers: number;
  stats: ExecStats;
  /** Called as tasks finish, for progress reporting. */
  onTask?: (event: { stage: number; done: number; total: number }) => void;
}

function isShipped(t: arrow.Table | ShippedTable): t is ShippedTable {
  return t.schema instanceof Uint8Array;
}

function unshipTableLike(t: arrow.Table | ShippedTable): arrow.Table {
  return isShipped(t) ? unshipTable(t) : t;
}

function wrap(cause: unknown, operator: string, partition: number, device: TaskDevice): TaskError {
  if (cause instanceof TaskError) return cause;
  return new TaskError({ operator, partition, device, cause });
}

/** Runs one partition task; the output's tables are on this thread. */
export async function runPartition(task: PartitionTask, ctx: ExecContext, operator: string, partition: number): Promise<TaskOutput> {
  try {
    if (ctx.device === 'sync') {
      ctx.stats.tasks.sync++;
      const { output } = await runPartitionTask(task, false);
      notePeak(ctx.stats);
      return output;
    }
    const transfer: ArrayBuffer[] = [];
    let posted = task;
    if (task.read.kind === 'table' && !isShipped(task.read.table)) {
      const shipped = shipTable(task.read.table, 'copy');
      transfer.push(...shipped.transfer);
      posted = { ...task, read: { kind: 'table', table: shipped.shipped } };
    }
    ctx.stats.tasks.cpu++;
    const output = await ctx.pool.run('partition', posted, transfer);
    notePeak(ctx.stats);
    switch (output.kind) {
      case 'table':
        return { kind: 'table', table: unshipTableLike(output.table) };
      case 'partial':
        return { kind: 'partial', partials: output.partials.map(unshipPartial) };
      default:
        return output;
    }
  } catch (cause) {
    throw wrap(cause, operator, partition, ctx.device);
  }
}

/** Runs one merge task; partials passed in are given up (moved) when it runs in a worker. */
export async function runMerge(task: MergeTask, ctx: ExecContext, operator: string, partition: number): Promise<MergeOutput> {
  try {
    if (ctx.device === 'sync') {
      ctx.stats.tasks.sync++;
      return runMergeTask(task, false).output;
    }
    const transfer: ArrayBuffer[] = [];
    const parts = task.parts.map((p) => {
      const keys = shipTable(unshipTableLike(p.keys), 'move');
      transfer.push(...keys.transfer);
      return { ...p, keys: keys.shipped };
    });
    for (const p of task.parts) transfer.push(...transferables(p as unknown as Parameters<typeof transferables>[0]));
    ctx.stats.tasks.cpu++;
    const unique = [...new Set(transfer)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
    const output = await ctx.pool.run('merge', { ...task, parts }, unique);
    return output.kind === 'table'
      ? { kind: 'table', table: unshipTableLike(output.table) }
      : { kind: 'partials', partials: output.partials.map(unshipPartial) };
  } catch (cause) {
    throw wrap(cause, operator, partition, ctx.device);
  }
}

/**
 * Runs `count` jobs with at most `limit` in flight, in index order of starting; stops starting
 * new ones after a failure and rethrows the first error once the running ones settle.
 */
export async function runAll<T>(count: number, limit: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < count) {
      const i = next++;
      try {
        results[i] = await job(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
