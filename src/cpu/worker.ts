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

export default async function runTask(message: WorkerTask): Promise<unknown> {
  const kernel = kernels[message.family] as ((task: unknown) => unknown) | undefined;
  if (kernel === undefined) throw new Error(`no CPU kernel family '${String(message.family)}'`);
  const fault = message.fault;
  if (fault?.kind === 'hang') await new Promise<never>(() => {});
  let result: unknown;
  try {
    if (fault?.kind === 'throw') throw errorFromData(fault.error);
    result = await kernel(message.task);
  } catch (error) {
    return { duskWorkerError: errorToData(error) } satisfies WorkerFailure;
  }
  // In a worker thread, process.exit() ends this thread only: piscina sees it die with the task
  // in flight, as it would after a fatal error in native code.
  if (fault?.kind === 'crash') process.exit(70);
  if (!isMoved(result)) return result;
  const transfer = [...new Set(result.transfer)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
  if (transfer.length === 0) return result.output;
  const movable = {
    get [Piscina.transferableSymbol]() { return transfer; },
    get [Piscina.valueSymbol]() { return result.output; },
  };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
