import type { ColumnSlice } from '../../column-slice.js';
import type { Centre, ReducePartial, SquaresPartial } from '../../reduce/reduce-partial.js';
import { reduce, squares, type ReduceWants } from './reduce.js';

/** Every CPU kernel family, by the name tasks use to find it (the GPU families' twins). */
export const kernels = {
  reduce: (task: { slice: ColumnSlice; wants: ReduceWants }): ReducePartial => reduce(task.slice, task.wants),
  squares: (task: { slice: ColumnSlice; centre: Centre }): SquaresPartial => squares(task.slice, task.centre),
} as const;

export type KernelFamily = keyof typeof kernels;
export type KernelTask<F extends KernelFamily> = Parameters<(typeof kernels)[F]>[0];
export type KernelResult<F extends KernelFamily> = ReturnType<(typeof kernels)[F]>;
