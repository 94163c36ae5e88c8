/**
 * The inputs every reduce twin is checked on: fresh random columns of each dtype plus the hard
 * cases (empty, one row, all-null, lengths around the workgroup size, NaN, ±Infinity, -0,
 * 64-bit extremes, sliced and chunked vectors).
 */
import type { NumericDType } from '../../src/index.js';
import { ALL_DTYPES, type Layout, type Value } from './columns.js';
import type { Random } from './random.js';

export interface ReduceCase {
  name: string;
  dtype: NumericDType;
  values: Value[];
  layout?: Layout;
}

const RANGES: Readonly<Record<NumericDType, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
  int64: [0, 0],
  uint64: [0, 0],
  float32: [0, 0],
  float64: [0, 0],
};

/** One random value of `dtype`: the full range for narrow types, a wide spread for others. */
export function randomValue(rnd: Random, dtype: NumericDType): number | bigint {
  switch (dtype) {
    case 'int64':
      return BigInt.asIntN(64, rnd.bits64(true)) >> BigInt(rnd.int(20, 40));
    case 'uint64':
      return rnd.bits64(false) >> BigInt(rnd.int(20, 40));
    case 'float32':
      return Math.fround((rnd.next() - 0.5) * 10 ** rnd.int(-3, 6));
    case 'float64':
      return (rnd.next() - 0.5) * 10 ** rnd.int(-8, 12);
    default: {
      const [lo, hi] = RANGES[dtype];
      return rnd.int(lo, hi);
    }
  }
}

export function randomValues(rnd: Random, dtype: NumericDType, n: number, nullRate: number): Value[] {
  return Array.from({ length: n }, () => (rnd.next() < nullRate ? null : randomValue(rnd, dtype)));
}

export function reduceCases(rnd: Random): ReduceCase[] {
  const cases: ReduceCase[] = [];
  for (const dtype of ALL_DTYPES) {
    const float = dtype === 'float32' || dtype === 'float64';
    const extremes: Value[] =
      dtype === 'int64' ? [2n ** 63n - 1n, -(2n ** 63n), 5n, -4n, null]
      : dtype === 'uint64' ? [2n ** 64n - 1n, 0n, null, 1n]
      : dtype === 'float32' ? [Math.fround(3.0e25), -0, 0, Math.fround(1e-7), null]
      : dtype === 'float64' ? [1e25, -0, 0, 1e-7, null]
      : [RANGES[dtype][0], RANGES[dtype][1], null, 0];
    cases.push(
      { name: 'random with nulls', dtype, values: randomValues(rnd, dtype, rnd.int(1000, 20000), 0.2) },
      { name: 'random, no nulls', dtype, values: randomValues(rnd, dtype, rnd.int(1000, 20000), 0) },
      { name: 'empty', dtype, values: [] },
      { name: 'one row', dtype, values: randomValues(rnd, dtype, 1, 0) },
      { name: 'one null row', dtype, values: [null] },
      { name: 'all null', dtype, values: Array<Value>(300).fill(null) },
      { name: '255 rows', dtype, values: randomValues(rnd, dtype, 255, 0.1) },
      { name: '257 rows', dtype, values: randomValues(rnd, dtype, 257, 0.1) },
      { name: 'constant', dtype, values: Array<Value>(1001).fill(randomValues(rnd, dtype, 1, 0)[0]!) },
      { name: 'extremes', dtype, values: extremes },
      { name: 'sliced to an offset', dtype, values: randomValues(rnd, dtype, 3001, 0.3), layout: { offset: 37 } },
      {
        name: 'three chunks, one empty, sliced',
        dtype,
        values: randomValues(rnd, dtype, 2500, 0.25),
        layout: { chunks: [1000, 0, 1500], offset: 5 },
      },
    );
    if (float) {
      cases.push(
        { name: 'NaN propagates', dtype, values: [1, NaN, 2, null, -3] },
        { name: 'only NaN', dtype, values: [NaN, null, NaN] },
        { name: '+Infinity', dtype, values: [1, Infinity, null, 2] },
        { name: '-Infinity', dtype, values: [-Infinity, 1, 2] },
        { name: 'both infinities', dtype, values: [Infinity, -Infinity, 1] },
        { name: 'negative zero', dtype, values: [-0, -0, null] },
        { name: 'zeros of both signs', dtype, values: [0, -0, -0, 0] },
      );
    }
  }
  cases.push(
    { name: 'cancellation', dtype: 'float64', values: [1e15, 1, -1e15, 0.5, 3e-3, -0.25] },
    { name: 'beyond 2^53', dtype: 'int64', values: [2n ** 60n, 2n ** 60n + 1n, -(2n ** 61n), 3n, null] },
    { name: 'sum of extremes fits', dtype: 'int64', values: [2n ** 63n - 1n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n] },
    { name: 'large uint64 sum', dtype: 'uint64', values: [2n ** 62n, 2n ** 62n, 2n ** 61n] },
    { name: '1000003 rows', dtype: 'float64', values: randomValues(rnd, 'float64', 1_000_003, 0.1) },
    { name: '1000003 rows', dtype: 'int32', values: randomValues(rnd, 'int32', 1_000_003, 0.1) },
  );
  return cases;
}
