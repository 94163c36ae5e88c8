/**
 * Blocks made from nothing: `random` (counter-based: the value of element i depends only on the
 * seed and i, the array's flat row-major index, so every chunking gives the same values),
 * `full` (zeros, ones) and `arange` (start + i × step, as numpy computes it).
 */
import { type ArrayDType, type Block, type BlockTarget, forEachRow, outBlock } from './array-block.js';

export type Generator =
  | { type: 'random'; seed: number }
  | { type: 'full'; value: number }
  | { type: 'arange'; start: number; step: number };

export interface GenerateTask extends BlockTarget {
  kind: 'generate';
  gen: Generator;
  shape: number[];
  /** The block's first element in the array, per dimension. */
  offset: number[];
  arrayShape: number[];
  dtype: ArrayDType;
}

/** A 32-bit finalizer (lowbias32): every input bit moves every output bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The random value of flat index `i` for `seed`, uniform on [0, 1): 53 bits for float64, 24
 * for float32 (so rounding to float32 can never reach 1).
 *
 * @example
 * randomAt(1, 12345, 'float64'); // the same number in every chunking
 */
export function randomAt(seed: number, i: number, dtype: ArrayDType): number {
  const lo = i >>> 0;
  const hi = Math.floor(i / 4294967296) >>> 0;
  const key = mix32((seed >>> 0) ^ mix32(hi ^ 0x85ebca6b) ^ 0x9e3779b9);
  const h1 = mix32(lo ^ key);
  if (dtype === 'float32') return (h1 >>> 8) / 16777216;
  const h2 = mix32(h1 ^ Math.imul(lo, 0x27d4eb2f) ^ 0x68e31da4);
  return ((h1 >>> 5) * 67108864 + (h2 >>> 6)) / 9007199254740992;
}

/**
 * One generated block.
 *
 * @example
 * runGenerate({ kind: 'generate', gen: { type: 'full', value: 1 }, shape: [2, 2], offset: [0, 0], arrayShape: [4, 2], dtype: 'int32' });
 */
export function runGenerate(task: GenerateTask): Block {
  const out = outBlock(task.dtype, task.shape, task.out);
  const { gen, dtype } = task;
  const data = out.data;
  const last = task.shape.length === 0 ? 1 : task.shape[task.shape.length - 1]!;
  if (gen.type === 'full') {
    data.fill(gen.value);
    return out;
  }
  forEachRow(task.shape, task.offset, task.arrayShape, (r, flat) => {
    const o = r * last;
    if (gen.type === 'random') for (let j = 0; j < last; j++) data[o + j] = randomAt(gen.seed, flat + j, dtype);
    else for (let j = 0; j < last; j++) data[o + j] = gen.start + (flat + j) * gen.step;
  });
  return out;
}
