/**
 * Entry point of each CPU worker thread: looks up the kernel family a task names and runs it.
 * Buffers arrive shared (SharedArrayBuffer) or transferred, never cloned value by value; a
 * kernel that returns `{ output, transfer }` (a `Moved` result) has those buffers transferred
 * back instead of copied. A task may carry a `WorkerFault` that only the executor's test hook
 * sets (`injectFaults`): the message envelope is built by Dusk, never from user data.
 */
import { Piscina } from 'piscina';
import { errorFromData, errorToData, type ErrorData } from '../errors.js';
import { kernels, type KernelFamily } from './kernels/index.js';

/**
 * A failure a test asks this worker to stage: `crash` runs the kernel and then ends the thread
 * before replying (a worker killed mid-task), `throw` fails the kernel with `error`, and `hang`
 * never answers (a task the caller has to abandon).
 */
export type WorkerFault = { kind: 'crash' } | { kind: 'throw'; error: ErrorData } | { kind: 'hang' };

export interface WorkerTask {
  family: KernelFamily;
  task: unknown;
  fault?: WorkerFault;
}

/**
 * Several small tasks in one message (the pool batches them): run one after another, answered
 * together, each answer or failure in its task's place. Batches never carry a fault.
 */
export interface WorkerBatch {
  batch: { family: KernelFamily; task: unknown }[];
}

/** A kernel result whose buffers are moved to the caller. */
export interface Moved<T> {
  output: T;
  transfer: ArrayBuffer[];
}

function isMoved(value: unknown): value is Moved<unknown> {
  return typeof value === 'object' && value !== null && 'output' in value && 'transfer' in value && Array.isArray((value as Moved<unknown>).transfer);
}

/** A failed kernel's error, returned as data so its class and code survive the thread hop. */
export interface WorkerFailure {
  duskWorkerError: ErrorData;
}

/** Runs one kernel; a failure comes back as data. */
async function runKernel(family: KernelFamily, task: unknown, fault: WorkerFault | undefined): Promise<unknown> {
  const kernel = kernels[family] as ((task: unknown) => unknown) | undefined;
  if (kernel === undefined) throw new Error(`no CPU kernel family '${String(family)}'`);
  if (fault?.kind === 'hang') await new Promise<never>(() => {});
  try {
    if (fault?.kind === 'throw') throw errorFromData(fault.error);
    return await kernel(task);
  } catch (error) {
    return { duskWorkerError: errorToData(error) } satisfies WorkerFailure;
  }
}

/** `output`, with `buffers` (the non-shared, non-empty ones, each once) moved rather than copied. */
function moved(output: unknown, buffers: ArrayBuffer[]): unknown {
  const transfer = [...new Set(buffers)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
  if (transfer.length === 0) return output;
  const movable = {
    get [Piscina.transferableSymbol]() { return transfer; },
    get [Piscina.valueSymbol]() { return output; },
  };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}

export default async function runTask(message: WorkerTask | WorkerBatch): Promise<unknown> {
  if ('batch' in message) {
    const outputs: unknown[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const { family, task } of message.batch) {
      const result = await runKernel(family, task, undefined);
      if (isMoved(result)) {
        outputs.push(result.output);
        transfer.push(...result.transfer);
      } else {
        outputs.push(result);
      }
    }
    return moved(outputs, transfer);
  }
  const result = await runKernel(message.family, message.task, message.fault);
  // In a worker thread, process.exit() ends this thread only: piscina sees it die with the task
  // in flight, as it would after a fatal error in native code.
  if (message.fault?.kind === 'crash') process.exit(70);
  return isMoved(result) ? moved(result.output, result.transfer) : result;
}
