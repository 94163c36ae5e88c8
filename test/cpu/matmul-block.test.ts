/**
 * matmulBlock, the CPU matmul twin, against plain triple loops: float32 within a relative
 * Frobenius error of 1e-5 of a float64 reference, float64 within 1e-12, int32 exactly (wrapping
 * modulo 2^32, checked with bigints). Shapes cross the packed panels' edges (4-row and 4-column
 * strips, 64 rows, 256 inner steps, 512 columns), and a product split along the inner dimension
 * and accumulated gives the whole one. The GPU twin runs on the same cases in test/gpu/matmul.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectMatmulClose, matmulReference } from '../util/matmul-reference.js';
import { matmulBlock, type MatmulArray } from '../../src/cpu/kernels/matmul-block.js';
import { DuskError, PlanError } from '../../src/errors.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();

type Float = Float32Array | Float64Array;

function floats<T extends Float>(make: new (n: number) => T, rows: number, cols: number, random: Random): T {
  const out = new make(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = random.next() * 2 - 1;
  return out;
}

/** A·B (+ acc) of int32 matrices, exactly, then wrapped to int32 as numpy does. */
function intReference(a: Int32Array, b: Int32Array, m: number, k: number, n: number, acc?: Int32Array): Int32Array {
  const c = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = acc === undefined ? 0n : BigInt(acc[i * n + j]!);
      for (let p = 0; p < k; p++) s += BigInt(a[i * k + p]!) * BigInt(b[p * n + j]!);
      c[i * n + j] = Number(BigInt.asIntN(32, s));
    }
  }
  return c;
}

/** int32 values: small ones, and the extremes, so that products and sums wrap. */
function ints(rows: number, cols: number, random: Random): Int32Array {
  const extremes = [2147483647, -2147483648, -2147483647, 65536, -1, 0];
  return Int32Array.from({ length: rows * cols }, () => (random.next() < 0.2 ? extremes[random.int(0, extremes.length - 1)]! : random.int(-1000, 1000)));
}

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 300, 1], [300, 1, 300], [1, 37, 200], [200, 37, 1], [3, 5, 7],
  [17, 33, 65], [64, 16, 64], [65, 64, 63], [127, 129, 128], [129, 127, 131],
  // past every panel edge: 64 rows, 256 inner steps, 512 columns
  [70, 300, 530], [130, 513, 9],
];

// Float products run on the native kernels when the addon is built, else in JavaScript: both
// paths run these cases (DUSK_NATIVE=off is read on every call).
for (const path of ['native when built', 'javascript'] as const) {
describe(`matmulBlock, float32 and float64 (${path})`, () => {
  const saved = process.env.DUSK_NATIVE;
  beforeAll(() => {
    if (path === 'javascript') process.env.DUSK_NATIVE = 'off';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DUSK_NATIVE;
    else process.env.DUSK_NATIVE = saved;
  });
  for (const [m, k, n] of shapes) {
    it(`${m}×${k}×${n} (seed ${seed})`, () => {
      const random = new Random(seed + m * 7 + k * 131 + n * 1031);
      const a = floats(Float32Array, m, k, random);
      const b = floats(Float32Array, k, n, random);
      expectMatmulClose(matmulBlock(a, b, m, k, n), matmulReference(a, b, m, k, n), 1e-5, 'float32');
      const a64 = floats(Float64Array, m, k, random);
      const b64 = floats(Float64Array, k, n, random);
      expectMatmulClose(matmulBlock(a64, b64, m, k, n), matmulReference(a64, b64, m, k, n), 1e-12, 'float64');
    });
  }

  for (const [m, k, n] of [[0, 5, 7], [5, 0, 7], [5, 7, 0], [0, 0, 0]] as const) {
    it(`a zero-length dimension: ${m}×${k}×${n}`, () => {
      const random = new Random(seed);
      const out = matmulBlock(floats(Float32Array, m, k, random), floats(Float32Array, k, n, random), m, k, n);
      expect(out).toEqual(new Float32Array(m * n));
      const acc = floats(Float64Array, m, n, random);
      const kept = acc.slice();
      expect(matmulBlock(new Float64Array(m * k), new Float64Array(k * n), m, k, n, acc)).toBe(acc);
      expect(acc).toEqual(kept);
    });
  }

  for (const [m, k, n] of [[17, 33, 65], [70, 300, 530], [1, 1, 1]] as const) {
    it(`accumulate: C = A·B + C in place, ${m}×${k}×${n} (seed ${seed})`, () => {
      const random = new Random(seed + 3 + m);
      const a = floats(Float32Array, m, k, random);
      const b = floats(Float32Array, k, n, random);
      const acc = floats(Float32Array, m, n, random);
      const want = matmulReference(a, b, m, k, n, acc);
      expect(matmulBlock(a, b, m, k, n, acc)).toBe(acc);
      expectMatmulClose(acc, want, 1e-5, 'float32 accumulate');
    });
  }

  it(`a product split along the inner dimension and accumulated is the whole one (seed ${seed})`, () => {
    const random = new Random(seed + 4);
    const [m, k, n, split] = [45, 300, 70, 100];
    const a = floats(Float64Array, m, k, random);
    const b = floats(Float64Array, k, n, random);
    const left = new Float64Array(m * split);
    const right = new Float64Array(m * (k - split));
    for (let i = 0; i < m; i++) {
      left.set(a.subarray(i * k, i * k + split), i * split);
      right.set(a.subarray(i * k + split, (i + 1) * k), i * (k - split));
    }
    const c = matmulBlock(left, b.subarray(0, split * n), m, split, n);
    matmulBlock(right, b.subarray(split * n), m, k - split, n, c);
    expectMatmulClose(c, matmulReference(a, b, m, k, n), 1e-12, 'split at 100');
  });

  it(`NaN and ±Infinity reach exactly their row and column (seed ${seed})`, () => {
    const random = new Random(seed + 5);
    const [m, k, n] = [40, 70, 33];
    const a = floats(Float32Array, m, k, random);
    const b = floats(Float32Array, k, n, random);
    a[3 * k + 5] = Number.NaN;
    a[20 * k + 9] = Number.POSITIVE_INFINITY;
    b[4 * n + 30] = Number.NEGATIVE_INFINITY;
    b[69 * n] = -0;
    const want = matmulReference(a, b, m, k, n);
    expect(want.filter((v) => Number.isNaN(v)).length).toBeGreaterThanOrEqual(n);
    expect(want.filter((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY).length).toBeGreaterThan(m);
    expectMatmulClose(matmulBlock(a, b, m, k, n), want, 1e-5, 'specials');
  });
});
}

describe('matmulBlock, int32', () => {
  for (const [m, k, n] of [[1, 1, 1], [17, 33, 65], [70, 300, 530], [129, 3, 5], [0, 4, 4]] as const) {
    it(`${m}×${k}×${n} wraps like numpy (seed ${seed})`, () => {
      const random = new Random(seed + 6 + k);
      const a = ints(m, k, random);
      const b = ints(k, n, random);
      expect(matmulBlock(a, b, m, k, n)).toEqual(intReference(a, b, m, k, n));
      const acc = ints(m, n, random);
      const want = intReference(a, b, m, k, n, acc);
      expect(matmulBlock(a, b, m, k, n, acc)).toEqual(want);
    });
  }

  it('the extremes wrap: (2^31 - 1)² + (-2^31)² = 1 modulo 2^32', () => {
    const a = new Int32Array([2147483647, -2147483648]);
    const b = new Int32Array([2147483647, -2147483648]);
    expect([...matmulBlock(a, b, 1, 2, 1)]).toEqual([1]);
  });
});

describe('matmulBlock input checks', () => {
  it('names a mismatched length, a mixed type and a bad dimension', () => {
    expect(() => matmulBlock(new Float32Array(5), new Float32Array(4), 2, 2, 2)).toThrow(/A has 5 elements, not 2 × 2/);
    expect(() => matmulBlock(new Float32Array(4), new Float32Array(4), 2, 2, 2, new Float32Array(3))).toThrow(DuskError);
    const mixed = (): MatmulArray => matmulBlock(new Float32Array(4), new Float64Array(4) as unknown as Float32Array, 2, 2, 2);
    expect(mixed).toThrow(PlanError);
    expect(mixed).toThrow(/B is float64 but A is float32/);
    expect(() => matmulBlock(new Float64Array(0), new Float64Array(0), -1, 0, 0)).toThrow(/m must be a non-negative integer/);
  });
});
