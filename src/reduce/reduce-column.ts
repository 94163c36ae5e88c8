import type { Vector } from 'apache-arrow';
import { columnSlices, type ColumnSlice } from '../column-slice.js';
import { shippable, type CpuPool } from '../cpu/cpu-pool.js';
import { reduce as reduceCpu, squares as squaresCpu, type ReduceWants } from '../cpu/kernels/reduce.js';
import { numericDType } from '../dtype.js';
import { DeviceError, PlanError } from '../errors.js';
import type { GpuContext } from '../gpu/gpu-context.js';
import { reduce as reduceGpu, squares as squaresGpu } from '../gpu/kernels/reduce.js';
import { uploadColumn, type GpuColumn } from '../gpu/upload.js';
import {
  centreOf,
  emptyPartial,
  finalizePartial,
  m2FromSquares,
  mergePartials,
  mergeSquares,
  NO_SQUARES,
  REDUCE_OPS,
  type ReduceOp,
  type ReducePartial,
  type ReduceValue,
  type SquaresPartial,
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

/** Splits a slice into per-worker pieces and runs `run` on each, shipped to a worker. */
function poolTasks<T>(pool: CpuPool, slice: ColumnSlice, run: (part: ColumnSlice, transfer: ArrayBuffer[]) => Promise<T>): Promise<T[]> {
  const step = Math.max(MIN_ROWS_PER_TASK, Math.ceil(slice.length / pool.workers));
  const tasks: Promise<T>[] = [];
  for (let start = 0; start < slice.length; start += step) {
    const part = subSlice(slice, start, Math.min(slice.length, start + step));
    const transfer: ArrayBuffer[] = [];
    const shipped: ColumnSlice = {
      ...part,
      values: shippable(part.values, transfer),
      validity: part.validity === null ? null : shippable(part.validity, transfer),
    };
    tasks.push(run(shipped, transfer));
  }
  return Promise.all(tasks);
}

/** Where one slice's passes run, and its resident GPU column when it is kept for pass 2. */
interface SliceRun {
  slice: ColumnSlice;
  device: ReduceDevice;
  column: GpuColumn | null;
}

/**
 * Reduces one numeric Arrow vector (any number of chunks) with `ops`, on the device asked for.
 * Pass 1 (count, sum, min, max) runs over every slice; var and std then take a second pass
 * around one centre for the whole column, so the per-slice sums simply add. A slice the GPU
 * cannot carry faithfully (floats outside double-float range) runs on the CPU twin instead,
 * and the result says so in `fallback`.
 */
export async function reduceColumn(vector: Vector, ops: readonly ReduceOp[], options: ReduceColumnOptions): Promise<ReduceResult> {
  const { column, device, gpu, pool } = options;
  checkOps(ops, column);
  const slices = columnSlices(vector, column, `reduce (${ops.join(', ')})`);
  const wantsM2 = ops.includes('var') || ops.includes('std');
  const wants: ReduceWants = {
    sum: wantsM2 || ops.includes('sum') || ops.includes('mean'),
    minMax: wantsM2 || ops.includes('min') || ops.includes('max'),
  };
  if (device === 'gpu' && gpu === null) throw new DeviceError('NO_GPU', `reduce of column '${column}' asked for the GPU, but there is none`);
  if (device === 'cpu' && pool === null) throw new DeviceError('NO_POOL', `reduce of column '${column}' asked for the CPU pool, but it is closed`);
  const cpuDevice: ReduceDevice = pool !== null ? 'cpu' : 'sync';
  let total = emptyPartial(numericDType(vector.type)!);
  const fallbacks: string[] = [];
  const runs: SliceRun[] = [];
  try {
    for (const slice of slices) {
      const run: SliceRun = { slice, device, column: null };
      runs.push(run);
      let partial: ReducePartial | null = null;
      if (device === 'gpu') {
        run.column = uploadColumn(gpu!, slice, `reduce '${column}'`);
        const result = await reduceGpu(gpu!, run.column);
        if ('partial' in result) partial = result.partial;
        else {
          fallbacks.push(result.unsupported);
          run.device = cpuDevice;
        }
        // Keep the column on the device for pass 2 only when it is the column's one slice.
        if (!('partial' in result) || !wantsM2 || slices.length > 1) release(run);
      }
      total = mergePartials(total, partial ?? (await firstPassOnCpu(run, wants, pool)));
    }
    if (wantsM2) total.m2 = await secondPass(runs, total, options);
  } finally {
    for (const run of runs) release(run);
  }
  const values: Partial<Record<ReduceOp, ReduceValue>> = {};
  for (const op of ops) values[op] = finalizePartial(total, op, { column, ddof: options.ddof ?? 1 });
  const result: ReduceResult = { values, device };
  if (fallbacks.length > 0) result.fallback = `ran on the CPU: ${fallbacks.join('; ')}`;
  return result;
}

/** Pass 1 of a slice on the CPU pool (split across workers) or on the main thread. */
async function firstPassOnCpu(run: SliceRun, wants: ReduceWants, pool: CpuPool | null): Promise<ReducePartial> {
  if (run.device === 'sync') return reduceCpu(run.slice, wants);
  const parts = await poolTasks(pool!, run.slice, (slice, transfer) => pool!.run('reduce', { slice, wants }, transfer));
  return parts.reduce(mergePartials, emptyPartial(run.slice.dtype));
}

function release(run: SliceRun): void {
  run.column?.release();
  run.column = null;
}

/** M2 of the whole column: Σd, Σd² around one centre on each slice's device, corrected. */
async function secondPass(runs: SliceRun[], total: ReducePartial, options: ReduceColumnOptions): Promise<number> {
  const found = centreOf(total);
  if ('m2' in found) return found.m2;
  const { centre } = found;
  let sums = NO_SQUARES;
  for (const run of runs) {
    let part: SquaresPartial;
    if (run.device === 'gpu') {
      run.column ??= uploadColumn(options.gpu!, run.slice, `reduce '${options.column}'`);
      part = await squaresGpu(options.gpu!, run.column, total, centre);
      release(run);
    } else if (run.device === 'cpu') {
      const pool = options.pool!;
      const parts = await poolTasks(pool, run.slice, (slice, transfer) => pool.run('squares', { slice, centre }, transfer));
      part = parts.reduce(mergeSquares, NO_SQUARES);
    } else {
      part = squaresCpu(run.slice, centre);
    }
    sums = mergeSquares(sums, part);
  }
  return m2FromSquares(sums, total.count);
}
