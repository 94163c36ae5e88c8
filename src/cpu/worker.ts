/**
 * Entry point of each CPU worker thread: looks up the kernel family a task names and runs it.
 * Buffers arrive shared (SharedArrayBuffer) or transferred, never cloned value by value.
 */
import { kernels, type KernelFamily } from './kernels/index.js';

export interface WorkerTask {
  family: KernelFamily;
  task: unknown;
}

export default function runTask(message: WorkerTask): unknown {
  const kernel = kernels[message.family] as ((task: unknown) => unknown) | undefined;
  if (kernel === undefined) throw new Error(`no CPU kernel family '${String(message.family)}'`);
  return kernel(message.task);
}
