/**
 * A float64 column of 17 million rows (136 MB) is larger than one 128 MiB binding: it is
 * reduced in two windows, on the GPU and on the CPU pool. The values are multiples of 1/4
 * below 2^21, so the reference sum and the exact variance follow from integer arithmetic.
 */
import * as arrow from 'apache-arrow';
import { expect, it } from 'vitest';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const t = useClient();

it(`a column larger than one binding window (seed ${seed})`, async () => {
  const n = 17_000_000;
  const rnd = new Random(seed);
  const values = new Float64Array(n);
  let sum = 0n;
  let squares = 0n;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = rnd.int(-(2 ** 22), 2 ** 22);
    values[i] = k / 4;
    sum += BigInt(k);
    squares += BigInt(k * k);
    if (k / 4 < min) min = k / 4;
    if (k / 4 > max) max = k / 4;
  }
  const nb = BigInt(n);
  const wantSum = Number(sum) / 4;
  const wantVar = Number(nb * squares - sum * sum) / Number(nb * (nb - 1n)) / 16;
  expect(values.byteLength).toBeGreaterThan(t.client.gpu!.maxBindingSize);
  const vector = arrow.makeVector(values);
  for (const device of ['gpu', 'cpu'] as const) {
    const { values: got, fallback } = await t.client.reduce(vector, ['count', 'sum', 'min', 'max', 'var'], { column: 'big', device });
    expect(fallback).toBeUndefined();
    expect(got.count).toBe(n);
    expect(got.sum).toBe(wantSum);
    expect(got.min).toBe(min);
    expect(got.max).toBe(max);
    expect(Math.abs((got.var as number) - wantVar)).toBeLessThanOrEqual(1e-12 * wantVar);
  }
  t.countGpuCheck();
});
