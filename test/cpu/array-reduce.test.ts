/**
 * reducePartial's sums and squared distances (sum, mean, var, std) against a plain one-value-at-
 * a-time fold, on blocks of 0 to 4 dimensions reduced over every subset of their axes: runs of
 * rows that fold into the same cells in fours and leftovers (7 rows, 129 columns), a reduced
 * axis between kept ones, size-1 and empty dimensions, and NaN, ±Infinity and -0 among the
 * values. The partial's cells are checked within 1e-12 relative (the fold order differs).
 */
import { describe, expect, it } from 'vitest';
import { allocData, type Block, sizeOf, stridesOf } from '../../src/cpu/kernels/array-block.js';
import { reducePartial } from '../../src/cpu/kernels/array-reduce.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const SPECIALS = [NaN, Infinity, -Infinity, -0];

function randomBlock(rng: Random, shape: number[], specials: boolean): Block {
  const data = allocData('float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = specials && rng.next() < 0.02 ? SPECIALS[rng.int(0, 3)]! : rng.int(-500, 500) / 8;
  return { data, shape, dtype: 'float32' };
}

/** Cell sums and M2 by folding one value at a time, in float64. */
function naive(block: Block, axes: number[]): { a: number[]; b: number[]; count: number } {
  const cellShape = block.shape.map((s, d) => (axes.includes(d) ? 1 : s));
  const cellStrides = stridesOf(cellShape);
  const n = sizeOf(block.shape);
  const cells = sizeOf(cellShape);
  const count = cells === 0 ? 0 : n / cells;
  const cellOf = (i: number): number => {
    let c = 0;
    for (let d = block.shape.length - 1; d >= 0; d--) {
      const k = i % block.shape[d]!;
      i = Math.floor(i / block.shape[d]!);
      if (!axes.includes(d)) c += k * cellStrides[d]!;
    }
    return c;
  };
  const a = new Array<number>(cells).fill(0);
  for (let i = 0; i < n; i++) a[cellOf(i)] += block.data[i]!;
  const b = new Array<number>(cells).fill(0);
  for (let i = 0; i < n; i++) b[cellOf(i)] += (block.data[i]! - a[cellOf(i)]! / count) ** 2;
  return { a, b, count };
}

function close(got: number, want: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  return got === want || Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want));
}

function subsets(nd: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << nd; mask++) out.push([...Array(nd).keys()].filter((d) => (mask >> d) & 1));
  return out;
}

describe(`reducePartial sums (seed ${seed})`, () => {
  it('every axis subset of blocks of 0 to 4 dimensions', () => {
    const rng = new Random(seed);
    const shapes = [[], [1], [129], [7, 129], [9, 4], [5, 7, 3], [4, 1, 6, 130], [0, 3], [3, 0]];
    for (const shape of shapes) {
      for (const specials of [false, true]) {
        const block = randomBlock(rng, shape, specials);
        for (const axes of shape.length === 0 ? [[]] : subsets(shape.length)) {
          const want = naive(block, axes);
          for (const op of ['sum', 'var'] as const) {
            const p = reducePartial(op, block, axes, shape.map(() => 0), shape);
            const what = `${op} of [${shape.join(', ')}] over [${axes.join(', ')}]${specials ? ' with specials' : ''}`;
            expect(p.count, what).toBe(want.count);
            expect(p.a.length, what).toBe(want.a.length);
            want.a.forEach((v, c) => { if (!close(p.a[c]!, v)) expect(p.a[c], `${what}: sum of cell ${c}`).toBe(v); });
            if (op === 'var') want.b.forEach((v, c) => { if (!close(p.b![c]!, v)) expect(p.b![c], `${what}: M2 of cell ${c}`).toBe(v); });
          }
        }
      }
    }
  });
});
