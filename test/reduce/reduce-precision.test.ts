/**
 * Precision cases a review found (each failed before the fix that names it), on every device,
 * against exact references: var/std of large integers a few apart, columns split into chunks
 * and worker tasks, float sums under cancellation and across partials, a running float sum
 * that overflows, and data a few ulps wide.
 */
import { describe, expect, it } from 'vitest';
import type { NumericDType, ReduceOp } from '../../src/index.js';
import { makeVector, type Layout, type Value } from '../util/columns.js';
import { expectReduction } from '../util/expect-reduction.js';
import { useClient } from '../util/gpu.js';
import { reference } from '../util/reference.js';

const t = useClient();
const OPS: ReduceOp[] = ['count', 'sum', 'min', 'max', 'mean', 'var', 'std'];

interface Case {
  name: string;
  dtype: NumericDType;
  values: Value[];
  layout?: Layout;
  ops?: ReduceOp[];
}

const lane: number[] = new Array(512).fill(0);
lane[0] = 1;
lane[1] = -1;
for (let k = 1; k < 64; k++) lane[8 * k] = 2 ** -53;

const cases: Case[] = [
  { name: 'int64 2^62 and 2^62+1 (GPU spread was rounded to 0)', dtype: 'int64', values: [2n ** 62n, 2n ** 62n + 1n], ops: ['count', 'mean', 'var', 'std'] },
  { name: 'uint64 at the top of its range', dtype: 'uint64', values: [2n ** 64n - 3n, 2n ** 64n - 2n, 2n ** 64n - 1n], ops: ['count', 'min', 'max', 'var', 'std'] },
  { name: 'int64 in two chunks (merged variance used rounded means)', dtype: 'int64', values: [2n ** 62n, 2n ** 62n + 1n], layout: { chunks: [1, 1] }, ops: ['count', 'mean', 'var', 'std'] },
  { name: 'float64 near 1e6 in two chunks', dtype: 'float64', values: [1e6 + 0.1, 1e6 + 0.7, 1e6 + 0.3, 1e6 + 0.9, 1e6 + 0.2], layout: { chunks: [3, 2] } },
  {
    name: '200,000 int64 near 2^62 (split across worker tasks)',
    dtype: 'int64',
    values: Array.from({ length: 200_000 }, (_, i) => 2n ** 62n + BigInt((i * 7919) % 1001)),
    ops: ['count', 'min', 'max', 'mean', 'var', 'std'],
  },
  { name: 'a float64 whose last bits matter (GPU dropped the third piece)', dtype: 'float64', values: [1 + 2 ** -24 + 2 ** -48, -1] },
  {
    name: '2^53, a hundred 1s, -2^53 in 102 chunks (partials merged in plain doubles)',
    dtype: 'float64',
    values: [2 ** 53, ...new Array<number>(100).fill(1), -(2 ** 53)],
    layout: { chunks: new Array<number>(102).fill(1) },
  },
  { name: '1, -1 and 63 × 2^-53 in one lane (plain lanes lost them)', dtype: 'float64', values: lane },
  { name: 'a running sum that overflows and comes back (was NaN)', dtype: 'float64', values: [1.7e308, 1.7e308, -1.7e308] },
  { name: 'a sum that overflows', dtype: 'float64', values: [1.7e308, 1.7e308] },
  { name: 'two values an ulp apart (var is 2^-105)', dtype: 'float64', values: [1, 1 + 2 ** -52] },
  { name: 'timestamps in seconds, a microsecond apart', dtype: 'float64', values: Array.from({ length: 1000 }, (_, k) => 1.7e9 + k * 2 ** -20) },
  { name: 'values 3 + k·2^-50', dtype: 'float64', values: Array.from({ length: 1000 }, (_, k) => 3 + k * 2 ** -50) },
];

describe.each(['gpu', 'cpu', 'sync'] as const)('precision on %s', (device) => {
  for (const c of cases) {
    it(c.name, async () => {
      const ops = c.ops ?? OPS;
      const result = await t.client.reduce(makeVector(c.dtype, c.values, c.layout), ops, { column: 'x', device });
      expectReduction(result.values, reference(c.dtype, c.values), c.dtype, ops, `${device} ${c.name}`);
      if (device === 'gpu') t.countGpuCheck();
    });
  }
});

it('exact answers where the reference is plain arithmetic', async () => {
  for (const device of ['gpu', 'cpu', 'sync'] as const) {
    const v = (await t.client.reduce(makeVector('float64', [1, 1 + 2 ** -52]), ['var'], { column: 'x', device })).values;
    expect(v.var, device).toBe(2 ** -105);
    const s = (await t.client.reduce(makeVector('float64', [1.7e308, 1.7e308, -1.7e308]), ['sum'], { column: 'x', device })).values;
    expect(s.sum, device).toBe(1.7e308);
    const i = (await t.client.reduce(makeVector('int64', [2n ** 62n, 2n ** 62n + 1n], { chunks: [1, 1] }), ['var'], { column: 'x', device })).values;
    expect(i.var, device).toBe(0.5);
  }
  t.countGpuCheck();
});
