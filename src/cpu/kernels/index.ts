import type { ColumnSlice } from '../../column-slice.js';
import { runPartitionTask, type PartitionTask } from '../../exec/partition-task.js';
import { runMergeTask, type MergeTask } from '../../exec/merge-task.js';
import { runShuffleTask, type ShuffleTask } from '../../exec/shuffle-task.js';
import type { Centre, ReducePartial, SquaresPartial } from '../../reduce/reduce-partial.js';
import { reduce, squares, type ReduceWants } from './reduce.js';
import { runArrayTask, type ArrayTask } from './array-task.js';

/** Every CPU kernel family, by the name tasks use to find it (the GPU families' twins). */
export const kernels = {
  reduce: (task: { slice: ColumnSlice; wants: ReduceWants }): ReducePartial => reduce(task.slice, task.wants),
  squares: (task: { slice: ColumnSlice; centre: Centre }): SquaresPartial => squares(task.slice, task.centre),
  partition: (task: PartitionTask) => runPartitionTask(task, true),
  merge: (task: MergeTask) => runMergeTask(task, true),
  shuffle: (task: ShuffleTask) => runShuffleTask(task, true),
  array: (task: ArrayTask) => runArrayTask(task),
} as const;

export type KernelFamily = keyof typeof kernels;
export type KernelTask<F extends KernelFamily> = Parameters<(typeof kernels)[F]>[0];
/** What the caller receives: a moved result arrives as its output. */
export type KernelResult<F extends KernelFamily> = Awaited<ReturnType<(typeof kernels)[F]>> extends { output: infer O; transfer: ArrayBuffer[] }
  ? O
  : Awaited<ReturnType<(typeof kernels)[F]>>;
