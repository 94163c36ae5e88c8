/**
 * The reduce twins on the same inputs: the GPU kernel, the CPU worker pool and the main-thread
 * kernel, each checked against an independent reference (exact for integers, correctly rounded
 * sums for floats), and the GPU and CPU results checked against each other.
 */
import { describe, expect, it } from 'vitest';
import { DuskError, PlanError, type ReduceOp } from '../../src/index.js';
import { makeVector } from '../util/columns.js';
import { expectReduction } from '../util/expect-reduction.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { reduceCases } from '../util/reduce-cases.js';
import { reference } from '../util/reference.js';
import * as arrow from 'apache-arrow';

const seed = testSeed();
const cases = reduceCases(new Random(seed));
const OPS: ReduceOp[] = ['count', 'sum', 'min', 'max', 'mean', 'var', 'std'];
const t = useClient();

describe.each(['gpu', 'cpu', 'sync'] as const)('reduce on %s', (device) => {
  for (const c of cases) {
    it(`${c.dtype}: ${c.name} (${c.values.length} rows, seed ${seed})`, async () => {
      const vector = makeVector(c.dtype, c.values, c.layout);
      const ref = reference(c.dtype, c.values);
      const ops = ref.sum === 'OVERFLOW' ? OPS.filter((op) => op !== 'sum') : OPS;
      const result = await t.client.reduce(vector, ops, { column: 'x', device });
      expect(result.device).toBe(device);
      expect(result.fallback).toBeUndefined();
      expectReduction(result.values, ref, c.dtype, ops, `${device} ${c.dtype} ${c.name}`);
      if (device === 'gpu') t.countGpuCheck();
    });
  }
});

describe('twins agree', () => {
  for (const c of cases.filter((x) => x.name.startsWith('random'))) {
    it(`${c.dtype}: ${c.name}: GPU and CPU give the same integers and near-same floats (seed ${seed})`, async () => {
      const vector = makeVector(c.dtype, c.values, c.layout);
      const gpu = await t.client.reduce(vector, OPS, { column: 'x', device: 'gpu' });
      const cpu = await t.client.reduce(vector, OPS, { column: 'x', device: 'cpu' });
      t.countGpuCheck();
      for (const op of ['count', 'min', 'max'] as const) expect(gpu.values[op]).toBe(cpu.values[op]);
      if (typeof cpu.values.sum === 'bigint') expect(gpu.values.sum).toBe(cpu.values.sum);
      else expect(Math.abs((gpu.values.sum as number) - (cpu.values.sum as number))).toBeLessThanOrEqual(1e-12 * Math.abs(cpu.values.sum as number) + 1e-300);
    });
  }
});

describe('errors and fallbacks', () => {
  it('an int64 sum past int64 raises OVERFLOW on every device instead of wrapping', async () => {
    const vector = makeVector('int64', [2n ** 63n - 1n, 2n ** 63n - 1n, null]);
    for (const device of ['gpu', 'cpu', 'sync'] as const) {
      const error = await t.client.reduce(vector, ['sum'], { column: 'total', device }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuskError);
      expect((error as DuskError).code).toBe('OVERFLOW');
      expect((error as Error).message).toContain("'total'");
    }
    t.countGpuCheck();
  });

  it('a uint64 sum past int64 raises OVERFLOW', async () => {
    const vector = makeVector('uint64', [2n ** 64n - 1n, 1n]);
    const error = await t.client.reduce(vector, ['sum'], { column: 'u', device: 'gpu' }).catch((e: unknown) => e);
    expect((error as DuskError).code).toBe('OVERFLOW');
    t.countGpuCheck();
  });

  it('the sum of a string column is a typed error naming the column and its type', async () => {
    const vector = arrow.vectorFromArray(['a', 'b', null]);
    for (const device of ['gpu', 'cpu', 'sync'] as const) {
      const error = await t.client.reduce(vector, ['sum'], { column: 'name', device }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlanError);
      expect((error as PlanError).code).toBe('TYPE_MISMATCH');
      expect((error as Error).message).toMatch(/'name'.*Utf8/);
    }
  });

  it('an unknown reduction is a PlanError', async () => {
    const vector = makeVector('int32', [1, 2]);
    await expect(t.client.reduce(vector, ['median' as ReduceOp], { column: 'x' })).rejects.toThrow(PlanError);
  });

  it('float64 values beyond double-float range run on the CPU twin, say so, and stay exact', async () => {
    const values = [1e300, -1e300, 1.5, null, 2.5e-300];
    const vector = makeVector('float64', values);
    const result = await t.client.reduce(vector, OPS, { column: 'x', device: 'gpu' });
    expect(result.fallback).toMatch(/CPU/);
    expectReduction(result.values, reference('float64', values), 'float64', OPS, 'fallback');
    t.countGpuCheck();
  });

  it('float32 subnormals and huge float32 values fall back too', async () => {
    for (const values of [[1e-40, 1], [3e38, 3e38, -1]]) {
      const vector = makeVector('float32', values);
      const result = await t.client.reduce(vector, ['sum', 'min', 'max'], { column: 'x', device: 'gpu' });
      expect(result.fallback).toBeDefined();
      expectReduction(result.values, reference('float32', values.map(Math.fround)), 'float32', ['sum', 'min', 'max'], 'f32 fallback');
    }
    t.countGpuCheck();
  });

  it('population variance with ddof 0', async () => {
    const vector = makeVector('float64', [1, 2, 3, 4]);
    const result = await t.client.reduce(vector, ['var', 'std'], { column: 'x', device: 'gpu', ddof: 0 });
    expect(result.values.var).toBeCloseTo(1.25, 14);
    t.countGpuCheck();
  });
});

describe('shared memory', () => {
  it('columns in SharedArrayBuffers reduce on every device (no copy to the pool, bounced to the GPU)', async () => {
    const n = 100_001;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      shared[i] = (i % 1000) / 7 - 50;
      values.push(shared[i]!);
    }
    const vector = arrow.makeVector(shared);
    const ref = reference('float64', values);
    for (const device of ['gpu', 'cpu', 'sync'] as const) {
      const result = await t.client.reduce(vector, OPS, { column: 'x', device });
      expectReduction(result.values, ref, 'float64', OPS, `shared ${device}`);
    }
    t.countGpuCheck();
  });
});
