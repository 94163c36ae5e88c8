import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { DuskError, errorFromData, WorkerError } from '../errors.js';
import type { KernelFamily, KernelResult, KernelTask } from './kernels/index.js';
import type { WorkerFailure, WorkerTask } from './worker.js';

/**
 * The compiled worker entry. From dist/ it sits beside this file; when this file runs from the
 * TypeScript sources (the tests), the worker still has to be JavaScript, so it is the compiled
 * twin in dist/ (`npm test` builds first).
 */
function workerFile(): string {
  const here = new URL('./worker.js', import.meta.url);
  if (import.meta.url.endsWith('.js')) return fileURLToPath(here);
  const compiled = fileURLToPath(new URL('../../dist/src/cpu/worker.js', import.meta.url));
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
  readonly workers: number;

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
  }

  async run<F extends KernelFamily>(family: F, task: KernelTask<F>, transfer: ArrayBuffer[] = []): Promise<KernelResult<F>> {
    const message: WorkerTask = { family, task };
    let result: unknown;
    try {
      result = await this.piscina.run(message, { transferList: transfer });
    } catch (cause) {
      throw new WorkerError('WORKER_FAILED', `CPU kernel '${family}' failed: ${(cause as Error).message}`, { cause });
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

  get stats(): { completed: number; queued: number; threads: number } {
    return { completed: this.piscina.completed, queued: this.piscina.queueSize, threads: this.piscina.threads.length };
  }

  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
