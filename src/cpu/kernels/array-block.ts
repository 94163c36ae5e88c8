/**
 * One block of a chunked array as the array kernels pass it around: a row-major typed array with
 * its shape and dtype. Blocks the kernels make live in SharedArrayBuffers, so posting one to or
 * from a worker thread shares its memory instead of cloning it value by value. A task may name
 * the memory its block goes into (`BlockTarget`): a pooled buffer the caller lends it, or its
 * slice of the computed array, so a worker writes into pages that are already mapped.
 */
import { KernelError, PlanError } from '../../errors.js';

/** Element types of chunked arrays. Comparisons give int32 0/1 (there is no bool dtype). */
export type ArrayDType = 'float32' | 'float64' | 'int32';

export type ArrayData = Float32Array | Float64Array | Int32Array;

/** A block (or a computed array): row-major `data` of `shape`; `shape: []` holds one value. */
export interface Block {
  data: ArrayData;
  shape: number[];
  dtype: ArrayDType;
}

export const ARRAY_DTYPES: readonly ArrayDType[] = ['float32', 'float64', 'int32'];

export const ARRAY_DTYPE_BYTES: Readonly<Record<ArrayDType, number>> = { float32: 4, float64: 8, int32: 4 };

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/** The product of a shape's sizes (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * A zeroed typed array of `dtype` over shared memory (a plain buffer when `shared` is false).
 *
 * @example
 * const data = allocData('float32', 6); // Float32Array(6) over a SharedArrayBuffer
 */
export function allocData(dtype: ArrayDType, length: number, shared = true): ArrayData {
  const bytes = Math.max(length, 0) * ARRAY_DTYPE_BYTES[dtype];
  const buffer: ArrayBufferLike = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return new CTORS[dtype](buffer as ArrayBuffer, 0, length);
}

/**
 * A typed array of `dtype` over the first `length` elements of `buffer`.
 *
 * @example
 * const data = viewData('float64', new SharedArrayBuffer(64), 8);
 */
export function viewData(dtype: ArrayDType, buffer: ArrayBufferLike, length: number): ArrayData {
  return new CTORS[dtype](buffer as ArrayBuffer, 0, length);
}

/**
 * A new zeroed block of `shape` in shared memory.
 *
 * @example
 * const b = allocBlock('int32', [2, 3]); // b.data.length === 6
 */
export function allocBlock(dtype: ArrayDType, shape: readonly number[]): Block {
  return { data: allocData(dtype, sizeOf(shape)), shape: [...shape], dtype };
}

/**
 * Where a task's block goes, both optional. `out` holds exactly the block's values and may hold
 * anything beforehand: the kernel writes every element. `place` is a box of the computed array
 * the block is also copied into (row-major `strides` of the array, `base` its first element), so
 * the main thread does not copy it afterwards.
 */
export interface BlockTarget {
  out?: ArrayData;
  place?: Placement;
}

/** A box of a larger row-major array: element (k0, k1, …) of the box lands at `base + Σ k·strides`. */
export interface Placement {
  data: ArrayData;
  base: number;
  strides: number[];
  /** The box's shape: the block's values in row-major order (a stacked block has a 1 more). */
  shape: number[];
}

/**
 * A block of `shape` over `out` when given (checked: same dtype, exactly the block's length),
 * else over new zeroed shared memory. Kernels that take a `BlockTarget` make their result here.
 *
 * @example
 * const block = outBlock('float32', [2, 3], task.out); // task.out: Float32Array(6) or undefined
 */
export function outBlock(dtype: ArrayDType, shape: readonly number[], out: ArrayData | undefined): Block {
  if (out === undefined) return allocBlock(dtype, shape);
  const n = sizeOf(shape);
  if (!(out instanceof CTORS[dtype]) || out.length !== n) {
    throw new KernelError('ARRAY_OUT', `array block: the output memory is a ${out.constructor.name} of ${out.length} values, not ${dtype} × ${n} for shape [${shape.join(', ')}]`);
  }
  return { data: out, shape: [...shape], dtype };
}

/**
 * Whether a block of `shape` is one contiguous run of an array of `arrayShape` (wherever it
 * starts): past its leading size-1 dimensions, only its first dimension may be partial.
 *
 * @example
 * isContiguous([2, 10], [8, 10]); // true: two whole rows
 * isContiguous([2, 5], [8, 10]);  // false
 */
export function isContiguous(shape: readonly number[], arrayShape: readonly number[]): boolean {
  let d = 0;
  while (d < shape.length && shape[d] === 1) d++;
  for (let e = d + 1; e < shape.length; e++) if (shape[e] !== arrayShape[e]) return false;
  return true;
}

/** The dtype of a typed array, or a PlanError naming `what` for any other kind. */
export function dtypeOfData(data: unknown, what: string): ArrayDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  const kind = typeof data === 'object' && data !== null ? data.constructor.name : typeof data;
  throw new PlanError('ARRAY_DTYPE', `${what}: expected a Float32Array, Float64Array or Int32Array, got ${kind}`);
}

/** Row-major strides (in elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/**
 * Calls `row(r, flat)` for each row (run along the last dimension) of a block of `shape` that
 * starts at `offset` in an array of `arrayShape`: `r` is the row's number in the block and
 * `flat` the array's row-major index of the row's first element.
 *
 * @example
 * forEachRow([2, 3], [4, 0], [10, 3], (r, flat) => {}); // (0, 12), (1, 15)
 */
export function forEachRow(shape: readonly number[], offset: readonly number[], arrayShape: readonly number[], row: (r: number, flat: number) => void): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) {
    row(0, 0);
    return;
  }
  const strides = stridesOf(arrayShape);
  const rows = sizeOf(shape) / shape[nd - 1]!;
  const idx = new Array<number>(nd - 1).fill(0);
  let flat = 0;
  for (let d = 0; d < nd; d++) flat += offset[d]! * strides[d]!;
  for (let r = 0; r < rows; r++) {
    row(r, flat);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) {
        flat += strides[d]!;
        break;
      }
      flat -= strides[d]! * (shape[d]! - 1);
      idx[d] = 0;
    }
  }
}
