/**
 * Entry point of each CPU worker thread: looks up the kernel family a task names and runs it.
 * Buffers arrive shared (SharedArrayBuffer) or transferred, never cloned value by value; a
 * kernel that returns `{ output, transfer }` (a `Moved` result) has those buffers transferred
 * back instead of copied.
 */
import { Piscina } from 'piscina';
import { errorToData, type ErrorData } from '../errors.js';
import { kernels, type KernelFamily } from './kernels/index.js';

export interface WorkerTask {
  family: KernelFamily;
  task: unknown;
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
  let result: unknown;
  try {
    result = await kernel(message.task);
  } catch (error) {
    return { duskWorkerError: errorToData(error) } satisfies WorkerFailure;
  }
  if (!isMoved(result)) return result;
  const transfer = [...new Set(result.transfer)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
  if (transfer.length === 0) return result.output;
  const movable = {
    get [Piscina.transferableSymbol]() { return transfer; },
    get [Piscina.valueSymbol]() { return result.output; },
  };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
