import type { Vector } from 'apache-arrow';
import { columnSlices, type ColumnSlice } from '../column-slice.js';
import { shippable, type CpuPool } from '../cpu/cpu-pool.js';
import { reduce as reduceCpu, type ReduceWants } from '../cpu/kernels/reduce.js';
import { numericDType } from '../dtype.js';
import { DeviceError, PlanError } from '../errors.js';
import type { GpuContext } from '../gpu/gpu-context.js';
import { reduce as reduceGpu } from '../gpu/kernels/reduce.js';
import {
  emptyPartial,
  finalizePartial,
  mergePartials,
  REDUCE_OPS,
  type ReduceOp,
  type ReducePartial,
  type ReduceValue,
} from './reduce-partial.js';

/** Where a reduction runs: the GPU twin, the CPU worker pool, or the main thread. */
export type ReduceDevice = 'gpu' | 'cpu' | 'sync';

export interface ReduceColumnOptions {
  /** Column name, for messages. */
  column: string;
  device: ReduceDevice;
  gpu: GpuContext | null;
  pool: CpuPool | null;
  /** Delta degrees of freedom for var and std (default 1, the sample versions). */
  ddof?: number;
}

export interface ReduceResult {
  values: Partial<Record<ReduceOp, ReduceValue>>;
  /** Where the work ran. */
  device: ReduceDevice;
  /** Set when part of the column could not run on the device asked for, and why. */
  fallback?: string;
}

/** Rows below which a slice is not split further across workers. */
const MIN_ROWS_PER_TASK = 1 << 16;

function checkOps(ops: readonly ReduceOp[], column: string): void {
  for (const op of ops) {
    if (!REDUCE_OPS.includes(op)) {
      throw new PlanError('UNKNOWN_REDUCTION', `unknown reduction '${String(op)}' for column '${column}'; use one of ${REDUCE_OPS.join(', ')}`);
    }
  }
}

/** A sub-slice of rows [start, end), still a view. */
function subSlice(slice: ColumnSlice, start: number, end: number): ColumnSlice {
  const values = slice.values.subarray(start, end) as ColumnSlice['values'];
  if (slice.validity === null) return { ...slice, values, length: end - start };
  const first = slice.bitOffset + start;
  const byteStart = first >> 3;
  const byteEnd = (slice.bitOffset + end + 7) >> 3;
  return {
    dtype: slice.dtype,
    values,
    validity: slice.validity.subarray(byteStart, byteEnd),
    bitOffset: first & 7,
    length: end - start,
  };
}

async function onPool(pool: CpuPool, slice: ColumnSlice, wants: ReduceWants): Promise<ReducePartial> {
  const step = Math.max(MIN_ROWS_PER_TASK, Math.ceil(slice.length / pool.workers));
  const tasks: Promise<ReducePartial>[] = [];
  for (let start = 0; start < slice.length; start += step) {
    const part = subSlice(slice, start, Math.min(slice.length, start + step));
    const transfer: ArrayBuffer[] = [];
    const shipped: ColumnSlice = {
      ...part,
      values: shippable(part.values, transfer),
      validity: part.validity === null ? null : shippable(part.validity, transfer),
    };
    tasks.push(pool.run('reduce', { slice: shipped, wants }, transfer));
  }
  const partials = await Promise.all(tasks);
  return partials.reduce(mergePartials, emptyPartial(slice.dtype, wants.m2));
}

/**
 * Reduces one numeric Arrow vector (any number of chunks) with `ops`, on the device asked for.
 * A slice the GPU cannot carry faithfully (float values outside double-float range) runs on the
 * CPU twin instead, and the result says so in `fallback`.
 */
export async function reduceColumn(vector: Vector, ops: readonly ReduceOp[], options: ReduceColumnOptions): Promise<ReduceResult> {
  const { column, device } = options;
  checkOps(ops, column);
  const slices = columnSlices(vector, column, `reduce (${ops.join(', ')})`);
  const m2 = ops.includes('var') || ops.includes('std');
  const wants: ReduceWants = {
    sum: m2 || ops.includes('sum') || ops.includes('mean'),
    minMax: ops.includes('min') || ops.includes('max'),
    m2,
  };
  let total = emptyPartial(numericDType(vector.type)!, wants.m2);
  const fallbacks: string[] = [];
  for (const slice of slices) {
    let partial: ReducePartial;
    if (device === 'gpu') {
      if (options.gpu === null) throw new DeviceError('NO_GPU', `reduce of column '${column}' asked for the GPU, but there is none`);
      const result = await reduceGpu(options.gpu, slice, wants);
      if ('partial' in result) partial = result.partial;
      else {
        fallbacks.push(result.unsupported);
        partial = options.pool !== null ? await onPool(options.pool, slice, wants) : reduceCpu(slice, wants);
      }
    } else if (device === 'cpu') {
      if (options.pool === null) throw new DeviceError('NO_POOL', `reduce of column '${column}' asked for the CPU pool, but it is closed`);
      partial = await onPool(options.pool, slice, wants);
    } else {
      partial = reduceCpu(slice, wants);
    }
    total = mergePartials(total, partial);
  }
  const values: Partial<Record<ReduceOp, ReduceValue>> = {};
  for (const op of ops) values[op] = finalizePartial(total, op, { column, ddof: options.ddof ?? 1 });
  const result: ReduceResult = { values, device };
  if (fallbacks.length > 0) result.fallback = `ran on the CPU: ${fallbacks.join('; ')}`;
  return result;
}
