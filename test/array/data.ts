/** Random test arrays for the array suites: values with the hard cases mixed in, and random chunkings. */
import { array, type ArrayDType, type ChunkedArray } from '../../src/index.js';
import type { Random } from '../util/random.js';
import { ref, size, type Ref } from './reference.js';

const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, -0.5, 2.5, 1e-30, 3e38];
const INT_SPECIALS = [2147483647, -2147483648, 0, -1, 1, 2, -2, 7];

/** Values of `dtype`: mostly ordinary, some of the specials, some repeated. */
export function randomValues(rng: Random, n: number, dtype: ArrayDType, specials = true): number[] {
  return Array.from({ length: n }, () => {
    const u = rng.next();
    if (dtype === 'int32') {
      if (specials && u < 0.1) return INT_SPECIALS[rng.int(0, INT_SPECIALS.length - 1)]!;
      return u < 0.3 ? rng.int(-3, 3) : rng.int(-1000, 1000);
    }
    const v = specials && u < 0.1 ? FLOAT_SPECIALS[rng.int(0, FLOAT_SPECIALS.length - 1)]! : u < 0.3 ? rng.int(-4, 4) / 2 : (rng.next() - 0.5) * 200;
    return dtype === 'float32' ? Math.fround(v) : v;
  });
}

export function randomRef(rng: Random, shape: number[], dtype: ArrayDType, specials = true): Ref {
  return ref(randomValues(rng, size(shape), dtype, specials), shape, dtype);
}

/** A random chunking of `shape`: block sizes that usually do not divide it. */
export function randomChunks(rng: Random, shape: readonly number[]): number[] {
  return shape.map((n) => Math.max(1, rng.int(Math.max(1, Math.floor(n / 4)), Math.max(1, n - 1))));
}

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

export function toArray(r: Ref, chunks: number[] | number | 'auto' = 'auto'): ChunkedArray {
  return array.fromTypedArray(CTORS[r.dtype].from(r.data), r.shape, { chunks });
}
