/**
 * Thin adapters that run one task on a device: the CPU worker pool (tables shipped in and
 * out) or the main thread ('sync', the same functions, for debugging). This is also where a
 * failed task is retried: an error that may go away (a worker thread that died, a lost GPU
 * device, an error that is not Dusk's own) runs the task again, up to `ctx.retries` times; one
 * that cannot (bad data, a wrong plan, an overflow) fails at once. The final failure is a
 * `TaskError` naming the operator, the partition, the device and the attempts, with the last
 * error as `cause`, and it cancels the rest of the computation: tasks not started never start,
 * queued ones are dropped and running worker tasks are abandoned (their threads replaced), so
 * their memory goes with them. This is the seam where the scheduler's placement policy plugs in.
 */
import type * as arrow from 'apache-arrow';
import { setMaxListeners } from 'node:events';
import type { CpuPool, PoolRunOptions } from '../cpu/cpu-pool.js';
import type { WorkerFault } from '../cpu/worker.js';
import {
  DeviceError, DuskError, errorFromData, IoError, KernelError, MemoryLimitError, TaskError, WorkerError,
} from '../errors.js';
import { transferables } from '../cpu/kernels/group-by.js';
import type { GpuContext } from '../gpu/gpu-context.js';
import type { MemoryManager } from '../sched/memory-manager.js';
import type { Placer } from '../sched/placer.js';
import { runMergeTask, type MergeOutput, type MergeTask } from './merge-task.js';
import { runPartitionTask, unshipPartial, type PartitionTask, type TaskOutput } from './partition-task.js';
import { shipTable, unshipTable, type ShippedTable } from './ship-table.js';
import { readBytes } from './stage-reads.js';

export type TaskDevice = 'cpu' | 'sync' | 'gpu';

export interface ExecStats {
  tasks: { gpu: number; cpu: number; sync: number };
  peakMemory: number;
  /** Partitions planned for the GPU that its kernels sent back to the CPU, with why (the latest 100). */
  gpuFallbacks: string[];
}

/** When the resident set was last sampled (performance.now() ms). */
let lastSample = -Infinity;
/** Tasks finishing closer together than this share one sample: reading the RSS costs ~15 µs. */
const SAMPLE_MS = 5;

/** Samples the process's resident set as a task finishes (at most once per SAMPLE_MS). */
export function notePeak(stats: ExecStats): void {
  const now = performance.now();
  if (now - lastSample < SAMPLE_MS && stats.peakMemory > 0) return;
  lastSample = now;
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
  /** Times a task whose failure may be transient runs again before its error is final. */
  retries: number;
  /** Places partitions that have a GPU kernel on the GPU or the CPU (absent: the GPU, as planned). */
  placer?: Placer;
  /** Holds what a computation keeps between its tasks (shuffle pieces), spilling above the limit; absent in kernel-level tests. */
  memory?: MemoryManager;
  /** Aborted, with the final error as reason, when a task of this computation fails for good. */
  cancel?: AbortController;
  /** Called as each partition, merge or reduction task finishes (progress, `client.on('task')`). */
  onTask?: (event: TaskEvent) => void;
}

/**
 * A task of a computation finished: what `client.on('task')` receives and the progress bar
 * draws. `done` of `total` counts the tasks of the same `kind` in the same step of the stage
 * (its partitions; one level or phase of its merges; its GPU column reductions).
 */
export interface TaskEvent {
  /** The stage's index in the computation, from 0 for the first stage run. */
  stage: number;
  /** The partition's index (for a merge: the merge's index in its level or phase). */
  partition: number;
  /** Where the task ran in the end (a GPU partition sent back to the CPU says `cpu`). */
  device: TaskDevice;
  operator: string;
  /** Milliseconds from the task's start to its end, reading its input and retries included. */
  ms: number;
  done: number;
  total: number;
  kind: 'partition' | 'merge' | 'reduce' | 'shuffle';
}

/**
 * A valid `retries` setting: a non-negative integer.
 *
 * @example
 * ctx.retries = checkRetries(options.retries, 'compute({ retries })');
 */
export function checkRetries(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new DuskError('BAD_OPTION', `${where}: retries must be a non-negative integer, not ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The cancellation of one computation: every task of it listens on the signal, so its
 * listener count follows the tasks in flight rather than Node's default cap of 10.
 *
 * @example
 * const ctx: ExecContext = { ...base, retries: 1, cancel: cancellation() };
 */
export function cancellation(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Network and file-system errors that a second try can get past. */
const TRANSIENT_OS = /\b(EMFILE|ENFILE|EAGAIN|EBUSY|EIO|EINTR|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EPIPE)\b/;

function osTransient(error: Error): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_OS.test(code)) return true;
    if (TRANSIENT_OS.test(e.message)) return true;
  }
  return false;
}

/**
 * Whether running a task again may succeed. Transient: a worker thread that died or failed
 * (`WorkerError`, except a pool that is closing or misconfigured), a lost or out-of-memory GPU
 * device, memory pressure, an I/O error from the OS such as EMFILE, and errors that are not
 * Dusk's own. Deterministic, so never retried: every other Dusk error (`SchemaError`,
 * `PlanError`, bad data such as `CSV_TYPE` or a corrupt file, `OVERFLOW`): the same input gives
 * the same error, and retrying would only delay it.
 *
 * @example
 * isRetryable(new WorkerError('WORKER_CRASHED', '...')); // true
 * isRetryable(new IoError('CSV_TYPE', '...'));           // false
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TaskError) return isRetryable(error.cause);
  if (error instanceof WorkerError) return !['POOL_CLOSED', 'TASK_CANCELLED', 'BAD_WORKERS', 'WORKER_NOT_BUILT'].includes(error.code);
  if (error instanceof KernelError || error instanceof DeviceError) return error.code === 'DEVICE_LOST' || error.code === 'GPU_OUT_OF_MEMORY';
  if (error instanceof MemoryLimitError) return true;
  if (error instanceof IoError) return osTransient(error);
  return !(error instanceof DuskError);
}

/** One attempt at a task, as the fault injector sees it. */
export interface TaskAttempt {
  family: 'partition' | 'merge' | 'shuffle' | 'gpu';
  operator: string;
  partition: number;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
}

/** Test hook: the failure, if any, that an attempt should stage. */
export type FaultInjector = (attempt: TaskAttempt) => WorkerFault | null;

let injector: FaultInjector | null = null;

/**
 * Test hook (not exported from the package): makes chosen attempts fail as `injector` says: a
 * worker that dies mid-task, a kernel that throws a given error, a task that never answers.
 * Faults travel in the message envelope that the executor builds, so no data can stage one.
 * On the main thread ('sync', GPU tasks) a crash is its error and a hang waits for cancellation.
 *
 * @example
 * injectFaults(({ partition, attempt }) => (partition === 2 && attempt === 1 ? { kind: 'crash' } : null));
 * try { await df.compute(); } finally { injectFaults(null); }
 */
export function injectFaults(next: FaultInjector | null): void {
  injector = next;
}

/** Stages a fault on the main thread, where there is no worker to kill. */
export async function stageOnMainThread(fault: WorkerFault | null, ctx: ExecContext): Promise<void> {
  if (fault === null) return;
  switch (fault.kind) {
    case 'throw':
      throw errorFromData(fault.error);
    case 'crash':
      throw new WorkerError('WORKER_CRASHED', 'the task died mid-task (a staged crash on the main thread)');
    case 'hang': {
      const signal = ctx.cancel?.signal;
      await new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
  }
}

/** Once another task failed for good, its error is the one every task of the computation reports. */
function throwIfCancelled(ctx: ExecContext): void {
  const signal = ctx.cancel?.signal;
  if (signal !== undefined && signal.aborted) throw signal.reason;
}

interface Attempt {
  /** No retry follows this attempt: inputs may be given up (moved to a worker). */
  final: boolean;
  fault: WorkerFault | null;
}

function taskError(cause: unknown, operator: string, partition: number, device: TaskDevice, attempts: number): TaskError {
  if (cause instanceof TaskError) {
    if (cause.attempts === attempts) return cause;
    return new TaskError({ operator: cause.operator, partition: cause.partition, device: cause.device, cause: cause.cause, attempts });
  }
  return new TaskError({ operator, partition, device, cause, attempts });
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or has run
 * `1 + ctx.retries` times; a final failure cancels the computation. Once the computation is
 * cancelled, no attempt starts and a failing one rethrows the error that cancelled it.
 */
export async function withRetries<T>(
  ctx: ExecContext, family: TaskAttempt['family'], operator: string, partition: number, device: TaskDevice,
  attempt: (a: Attempt) => Promise<T>,
): Promise<T> {
  const last = 1 + ctx.retries;
  for (let n = 1; ; n++) {
    throwIfCancelled(ctx);
    const fault = injector?.({ family, operator, partition, attempt: n }) ?? null;
    try {
      return await attempt({ final: n >= last, fault });
    } catch (error) {
      throwIfCancelled(ctx);
      if (n < last && isRetryable(error)) continue;
      const failure = taskError(error, operator, partition, device, n);
      ctx.cancel?.abort(failure);
      throw failure;
    }
  }
}

/** How a task is posted: under the computation's signal, with its staged fault and its size (small tasks are batched). */
export function poolOptions(ctx: ExecContext, fault: WorkerFault | null, bytes?: number): PoolRunOptions {
  const options: PoolRunOptions = {};
  if (ctx.cancel !== undefined) options.signal = ctx.cancel.signal;
  if (fault !== null) options.fault = fault;
  if (bytes !== undefined) options.bytes = bytes;
  return options;
}

export function isShipped(t: arrow.Table | ShippedTable): t is ShippedTable {
  return t.schema instanceof Uint8Array;
}

export function unshipTableLike(t: arrow.Table | ShippedTable): arrow.Table {
  return isShipped(t) ? unshipTable(t) : t;
}

/** Runs one partition task, retrying transient failures; the output's tables are on this thread. */
export function runPartition(task: PartitionTask, ctx: ExecContext, operator: string, partition: number): Promise<TaskOutput> {
  return withRetries(ctx, 'partition', operator, partition, ctx.device, async ({ fault }) => {
    if (ctx.device === 'sync') {
      ctx.stats.tasks.sync++;
      await stageOnMainThread(fault, ctx);
      const { output } = await runPartitionTask(task, false);
      notePeak(ctx.stats);
      return output;
    }
    // A table read is shipped as a copy on every attempt, so the caller's table survives a
    // worker that dies with it; files and shared memory are read in place.
    const transfer: ArrayBuffer[] = [];
    let posted = task;
    if (task.read.kind === 'table' && !isShipped(task.read.table)) {
      const shipped = shipTable(task.read.table, 'copy');
      transfer.push(...shipped.transfer);
      posted = { ...task, read: { kind: 'table', table: shipped.shipped } };
    }
    ctx.stats.tasks.cpu++;
    // Only a table read says its size: a file read is I/O and decoding, never batched.
    const bytes = task.read.kind === 'table' ? readBytes(task.read) : undefined;
    const output = await ctx.pool.run('partition', posted, transfer, poolOptions(ctx, fault, bytes));
    notePeak(ctx.stats);
    switch (output.kind) {
      case 'table':
        return { kind: 'table', table: unshipTableLike(output.table) };
      case 'partial':
        return { kind: 'partial', partials: output.partials.map(unshipPartial) };
      default:
        return output;
    }
  });
}

/**
 * Runs one merge task, retrying transient failures. In a worker, the partials passed in are
 * given up (moved) on the last attempt only: before it they are copied, because a worker that
 * dies takes moved buffers with it and the retry needs them again.
 */
export function runMerge(task: MergeTask, ctx: ExecContext, operator: string, partition: number): Promise<MergeOutput> {
  return withRetries(ctx, 'merge', operator, partition, ctx.device, async ({ fault, final }) => {
    if (ctx.device === 'sync') {
      ctx.stats.tasks.sync++;
      await stageOnMainThread(fault, ctx);
      return runMergeTask(task, false).output;
    }
    const transfer: ArrayBuffer[] = [];
    const parts = task.parts.map((p) => {
      const keys = shipTable(unshipTableLike(p.keys), final ? 'move' : 'copy');
      transfer.push(...keys.transfer);
      return { ...p, keys: keys.shipped };
    });
    // State buffers left out of the transfer list are copied by postMessage (bulk, per buffer).
    if (final) for (const p of task.parts) transfer.push(...transferables(p as unknown as Parameters<typeof transferables>[0]));
    ctx.stats.tasks.cpu++;
    const unique = [...new Set(transfer)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
    const bytes = task.parts.reduce((n, p) => n + p.groups * (task.keys.length + p.states.length) * 16, 0);
    const output = await ctx.pool.run('merge', { ...task, parts }, unique, poolOptions(ctx, fault, bytes));
    return output.kind === 'table'
      ? { kind: 'table', table: unshipTableLike(output.table) }
      : { kind: 'partials', partials: output.partials.map(unshipPartial) };
  });
}

/** The GPU buffer pool's refusal (gpuMemoryLimit, or a buffer over the device's maximum) behind `error`, if that is what it is. */
function gpuPoolFull(error: unknown): MemoryLimitError | null {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof MemoryLimitError && (e.code === 'GPU_MEMORY_LIMIT' || e.code === 'GPU_BUFFER_TOO_LARGE')) return e;
  }
  return null;
}

function lostDevice(error: unknown, gpu: GpuContext | null): boolean {
  if (gpu !== null && gpu.lost !== null) return true;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof DuskError && e.code === 'DEVICE_LOST') return true;
  }
  return false;
}

/**
 * Runs one partition's GPU task, deciding what a failure means: on a lost device (before or
 * during the task) the partition runs `onCpu` instead (the CPU twin, which retries on its
 * own) and the fallback is noted in `ctx.stats.gpuFallbacks`. The GPU pool at `gpuMemoryLimit`
 * tries the GPU again up to `ctx.retries` times (other partitions' buffers may come back), then
 * sends the partition to the host (the CPU twin), as does a buffer over the device's maximum;
 * another transient failure is retried; anything else is final.
 *
 * @example
 * const table = await runGpuPartition(ctx, operator, i,
 *   () => gpuTable(plan, reads[i], ctx), () => cpuTable(reads[i], ctx));
 */
export async function runGpuPartition<T>(
  ctx: ExecContext, operator: string, partition: number, onGpu: () => Promise<T>, onCpu: () => Promise<T>,
): Promise<T> {
  const fallback = (why: string): Promise<T> => {
    ctx.stats.gpuFallbacks.push(`${operator}, partition ${partition}: ${why}`);
    if (ctx.stats.gpuFallbacks.length > 100) ctx.stats.gpuFallbacks.shift();
    return onCpu();
  };
  if (ctx.gpu === null) return fallback('no GPU device');
  if (ctx.gpu.lost !== null) return fallback(`the GPU device was lost (${ctx.gpu.lost})`);
  let lost: unknown = null;
  let full: MemoryLimitError | null = null;
  const result = await withRetries(ctx, 'gpu', operator, partition, 'gpu', async ({ fault, final }): Promise<{ value: T } | null> => {
    try {
      await stageOnMainThread(fault, ctx);
      return { value: await onGpu() };
    } catch (error) {
      const pool = gpuPoolFull(error);
      if (pool !== null && (final || pool.code === 'GPU_BUFFER_TOO_LARGE')) {
        full = pool;
        return null;
      }
      // Caught here rather than retried: the device will not come back for this computation.
      if (!lostDevice(error, ctx.gpu)) throw error;
      lost = error;
      return null;
    }
  });
  if (result !== null) return result.value;
  if (full !== null) return fallback(`the GPU memory pool cannot hold it (${(full as MemoryLimitError).message})`);
  const reason = ctx.gpu.lost ?? (lost instanceof Error ? lost.message : String(lost));
  return fallback(`the GPU device was lost (${reason})`);
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
