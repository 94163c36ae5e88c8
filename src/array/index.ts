/**
 * The `array` namespace: chunked n-d arrays (dask.array for Node). Lazy `ChunkedArray`s are
 * built here and by their methods; `compute()` (or `compute(a, b, …)`) runs them.
 */
import { arange, fromTypedArray, full, ones, random, zeros } from './create.js';
import { concat, stack, where } from './chunked-array.js';

export { ChunkedArray, type ArrayOperand, type BlockFunction } from './chunked-array.js';
export type { ArrayResult, ArrayComputeOptions } from './compute-arrays.js';
export type { CreateOptions, RandomOptions } from './create.js';
export type { ChunksInput } from './chunks.js';
export type { ReduceOptions, VarianceOptions } from './reduce-node.js';
export { compute, type Computable, type Computed } from './compute.js';
export type { ArrayDType } from '../cpu/kernels/array-block.js';

/**
 * Makers and joiners of chunked arrays.
 *
 * @example
 * const x = array.random([1000, 1000], { chunks: 250, seed: 7 });
 * const y = array.concat([x, array.zeros([10, 1000])], 0);
 */
export const array = { fromTypedArray, random, zeros, ones, full, arange, concat, stack, where } as const;
