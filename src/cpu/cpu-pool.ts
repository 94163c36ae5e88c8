/**
 * The CPU worker pool: piscina threads that run the kernel families by name. Failures come back
 * typed: a kernel's own Dusk error keeps its class and code; a thread that died with the task
 * in flight (piscina replaces it) is a `WorkerError` `WORKER_CRASHED`; a task abandoned through
 * its signal is `TASK_CANCELLED`; a task refused because the pool is closing is `POOL_CLOSED`.
 *
 * Small tasks are batched: a task whose caller says it reads at most `BATCH_BYTES` waits for
 * the end of the current turn of the event loop, and the small tasks gathered by then are posted
 * as one message per free worker (a worker runs a batch's tasks one after another and answers
 * once). A message round trip costs tens of microseconds here, more than a tiny task itself;
 * big tasks are posted one by one, as before, so that they spread over the workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { DuskError, errorFromData, WorkerError } from '../errors.js';
import type { KernelFamily, KernelResult, KernelTask } from './kernels/index.js';
import type { WorkerBatch, WorkerFailure, WorkerFault, WorkerTask } from './worker.js';

/** How one `run` may be cancelled or (tests only) made to fail. */
export interface PoolRunOptions {
  /** Abandons the task: still queued, it is dropped; running, its thread is ended and replaced. */
  signal?: AbortSignal;
  /** A failure the worker stages (set only by the executor's test hook, `injectFaults`). */
  fault?: WorkerFault;
  /**
   * About how many bytes the task reads. A task of at most `BATCH_BYTES` (and no fault) may
   * share one message with other small tasks; left out, the task is posted on its own.
   */
  bytes?: number;
}

/** Tasks reading at most this many bytes may be batched into one message. */
export const BATCH_BYTES = 256 * 1024;
/** The most tasks one batch message carries. */
const BATCH_TASKS = 64;

/** A small task waiting for the next batch. */
interface Waiting {
  family: KernelFamily;
  task: unknown;
  transfer: ArrayBuffer[];
  signal: AbortSignal | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The compiled worker entry (worker-entry.cts: CommonJS that imports worker.ts). From dist/ it
 * sits beside this file; when this file runs from the TypeScript sources (the tests), the worker
 * still has to be JavaScript, so it is the compiled twin in dist/ (`npm test` builds first).
 */
function workerFile(): string {
  const here = new URL('./worker-entry.cjs', import.meta.url);
  if (import.meta.url.endsWith('.js')) return fileURLToPath(here);
  const compiled = fileURLToPath(new URL('../../dist/src/cpu/worker-entry.cjs', import.meta.url));
  if (!existsSync(compiled)) {
    throw new WorkerError('WORKER_NOT_BUILT', `the CPU worker is not built: run 'npm run build' (looked for ${compiled})`);
  }
  return compiled;
}

/** A view ready to post to a worker: shared memory as is, otherwise a copy that is transferred. */
export function shippable<T extends ArrayBufferView>(view: T, transfer: ArrayBuffer[]): T {
  if (view.buffer instanceof SharedArrayBuffer) return view;
  const ctor = view.constructor as new (buffer: ArrayBuffer) => T;
  const copy = new ctor(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
}

/** A piscina pool of CPU worker threads that run the kernel families by name. */
export class CpuPool {
  private readonly piscina: Piscina;
  private closing = false;
  readonly workers: number;
  /** Threads that died outside of any task (piscina replaced them; nothing was waiting on them). */
  private idleDeaths = 0;
  /** Messages posted to piscina and not answered yet (a batch counts once). */
  private inFlight = 0;
  /** Small tasks waiting for the next flush, in the order they came. */
  private waiting: Waiting[] = [];
  private flushScheduled = false;
  /** Tasks answered, batched or not. */
  private completed = 0;
  /** Messages that carried more than one task, and the tasks they carried. */
  private batches = { messages: 0, tasks: 0 };

  constructor(workers: number = availableParallelism()) {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new WorkerError('BAD_WORKERS', `workers must be a positive integer, not ${workers}`);
    }
    this.workers = workers;
    this.piscina = new Piscina({
      filename: workerFile(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 30_000,
    });
    // Piscina emits 'error' when a thread dies with no task on it; unheard, that event would
    // take the whole process down. The thread is replaced already, so counting it is enough.
    this.piscina.on('error', () => { this.idleDeaths++; });
  }

  /**
   * Runs one task of a kernel family on a worker thread.
   *
   * @example
   * const partial = await pool.run('reduce', { slice, wants }, [], { signal: controller.signal });
   */
  async run<F extends KernelFamily>(
    family: F, task: KernelTask<F>, transfer: ArrayBuffer[] = [], options: PoolRunOptions = {},
  ): Promise<KernelResult<F>> {
    if (options.fault === undefined && options.bytes !== undefined && options.bytes <= BATCH_BYTES && !this.closing) {
      return new Promise<unknown>((resolve, reject) => {
        this.waiting.push({ family, task, transfer, signal: options.signal, resolve, reject });
        this.scheduleFlush();
      }) as Promise<KernelResult<F>>;
    }
    const message: WorkerTask = options.fault === undefined ? { family, task } : { family, task, fault: options.fault };
    let result: unknown;
    this.inFlight++;
    try {
      result = await this.piscina.run(message, options.signal === undefined ? { transferList: transfer } : { transferList: transfer, signal: options.signal });
    } catch (cause) {
      throw this.runError(family, cause, options.signal);
    } finally {
      this.settled();
    }
    this.completed++;
    return this.outcome(family, result) as KernelResult<F>;
  }

  /** A kernel's answer, or its error rethrown on this thread. */
  private outcome(family: KernelFamily, result: unknown): unknown {
    // The kernel itself threw: a Dusk error is rethrown here with its class and code; anything
    // else (a bug) becomes a WorkerError that keeps it as its cause.
    if (typeof result === 'object' && result !== null && 'duskWorkerError' in result) {
      const error = errorFromData((result as WorkerFailure).duskWorkerError);
      if (error instanceof DuskError) throw error;
      throw new WorkerError('KERNEL_FAILED', `CPU kernel '${family}' failed: ${error.message}`, { cause: error });
    }
    return result;
  }

  /** A message was answered: the small tasks waiting may go now. */
  private settled(): void {
    this.inFlight--;
    if (this.waiting.length > 0) this.scheduleFlush();
  }

  /** Flushes once the current turn of the event loop has queued what it will. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Posts the waiting small tasks, spread evenly over the workers that have no message, at most
   * BATCH_TASKS per message; one batch holds tasks under one abort signal only (the signal
   * abandons the whole message). With every worker busy, they wait for the next answer.
   */
  private flush(): void {
    if (this.closing) {
      for (const w of this.waiting.splice(0)) w.reject(new WorkerError('POOL_CLOSED', `CPU kernel '${w.family}' did not run: the worker pool is closing`));
      return;
    }
    // Tasks whose computation was abandoned meanwhile are dropped unposted.
    const live: Waiting[] = [];
    for (const w of this.waiting) {
      if (w.signal?.aborted === true) w.reject(this.runError(w.family, w.signal.reason, w.signal));
      else live.push(w);
    }
    this.waiting = live;
    let free = this.workers - this.inFlight;
    while (this.waiting.length > 0 && free > 0) {
      const size = Math.min(BATCH_TASKS, Math.ceil(this.waiting.length / free));
      const signal = this.waiting[0]!.signal;
      let n = 1;
      while (n < size && n < this.waiting.length && this.waiting[n]!.signal === signal) n++;
      this.post(this.waiting.splice(0, n), signal);
      free--;
    }
  }

  /** Posts one message with the tasks of `batch` and settles each from the answer. */
  private post(batch: Waiting[], signal: AbortSignal | undefined): void {
    const transfer = [...new Set(batch.flatMap((w) => w.transfer))];
    const message: WorkerTask | WorkerBatch = batch.length === 1
      ? { family: batch[0]!.family, task: batch[0]!.task }
      : { batch: batch.map((w) => ({ family: w.family, task: w.task })) };
    if (batch.length > 1) {
      this.batches.messages++;
      this.batches.tasks += batch.length;
    }
    this.inFlight++;
    this.piscina.run(message, signal === undefined ? { transferList: transfer } : { transferList: transfer, signal }).then(
      (result: unknown) => {
        this.settled();
        const results = batch.length === 1 ? [result] : (result as unknown[]);
        batch.forEach((w, i) => {
          this.completed++;
          try {
            w.resolve(this.outcome(w.family, results[i]));
          } catch (error) {
            w.reject(error);
          }
        });
      },
      (cause: unknown) => {
        this.settled();
        for (const w of batch) w.reject(this.runError(w.family, cause, signal));
      },
    );
  }

  /**
   * Tasks answered; tasks queued (in piscina and waiting for a batch); threads; threads that died
   * idle; and the messages that carried several tasks, with the tasks they carried.
   */
  get stats(): { completed: number; queued: number; threads: number; idleDeaths: number; batches: { messages: number; tasks: number } } {
    return {
      completed: this.completed, queued: this.piscina.queueSize + this.waiting.length, threads: this.piscina.threads.length,
      idleDeaths: this.idleDeaths, batches: { ...this.batches },
    };
  }

  async destroy(): Promise<void> {
    this.closing = true;
    this.flush();
    await this.piscina.destroy();
  }

  /** What a rejected piscina task means, as a typed error that keeps piscina's as `cause`. */
  private runError(family: KernelFamily, cause: unknown, signal: AbortSignal | undefined): WorkerError {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (signal?.aborted === true) {
      return new WorkerError('TASK_CANCELLED', `CPU kernel '${family}' was abandoned: ${String(signal.reason)}`, { cause });
    }
    if (this.closing) return new WorkerError('POOL_CLOSED', `CPU kernel '${family}' did not run: the worker pool is closing`, { cause });
    if (/^worker exited with code/.test(message)) {
      return new WorkerError('WORKER_CRASHED', `CPU kernel '${family}': its worker thread died mid-task (${message}); piscina replaces the thread`, { cause });
    }
    return new WorkerError('WORKER_FAILED', `CPU kernel '${family}' failed: ${message}`, { cause });
  }
}
