/**
 * The CPU worker pool: piscina threads that run the kernel families by name. Failures come back
 * typed: a kernel's own Dusk error keeps its class and code; a thread that died with the task
 * in flight (piscina replaces it) is a `WorkerError` `WORKER_CRASHED`; a task abandoned through
 * its signal is `TASK_CANCELLED`; a task refused because the pool is closing is `POOL_CLOSED`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { DuskError, errorFromData, WorkerError } from '../errors.js';
import type { KernelFamily, KernelResult, KernelTask } from './kernels/index.js';
import type { WorkerFailure, WorkerFault, WorkerTask } from './worker.js';

/** How one `run` may be cancelled or (tests only) made to fail. */
export interface PoolRunOptions {
  /** Abandons the task: still queued, it is dropped; running, its thread is ended and replaced. */
  signal?: AbortSignal;
  /** A failure the worker stages (set only by the executor's test hook, `injectFaults`). */
  fault?: WorkerFault;
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
    const message: WorkerTask = options.fault === undefined ? { family, task } : { family, task, fault: options.fault };
    let result: unknown;
    try {
      result = await this.piscina.run(message, options.signal === undefined ? { transferList: transfer } : { transferList: transfer, signal: options.signal });
    } catch (cause) {
      throw this.runError(family, cause, options.signal);
    }
    // The kernel itself threw: a Dusk error is rethrown here with its class and code; anything
    // else (a bug) becomes a WorkerError that keeps it as its cause.
    if (typeof result === 'object' && result !== null && 'duskWorkerError' in result) {
      const error = errorFromData((result as WorkerFailure).duskWorkerError);
      if (error instanceof DuskError) throw error;
      throw new WorkerError('KERNEL_FAILED', `CPU kernel '${family}' failed: ${error.message}`, { cause: error });
    }
    return result as KernelResult<F>;
  }

  get stats(): { completed: number; queued: number; threads: number; idleDeaths: number } {
    return { completed: this.piscina.completed, queued: this.piscina.queueSize, threads: this.piscina.threads.length, idleDeaths: this.idleDeaths };
  }

  async destroy(): Promise<void> {
    this.closing = true;
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
