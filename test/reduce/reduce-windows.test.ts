/**
 * Columns larger than one storage binding are reduced in windows. A 4 KiB binding cap makes
 * every column here span many windows (512 rows of 8 bytes, 1024 of 4), so window edges fall
 * at every alignment of the validity bitmap; the results must not change.
 */
import { describe, expect, it } from 'vitest';
import type { ReduceOp } from '../../src/index.js';
import { ALL_DTYPES, makeVector } from '../util/columns.js';
import { expectReduction } from '../util/expect-reduction.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { randomValues } from '../util/reduce-cases.js';
import { reference } from '../util/reference.js';

const seed = testSeed();
const rnd = new Random(seed);
const OPS: ReduceOp[] = ['count', 'sum', 'min', 'max', 'mean', 'var', 'std'];
const t = useClient({ maxBindingSize: 4096 });

describe('reduce over many binding windows', () => {
  it('the device reports the binding cap', () => {
    expect(t.client.gpu?.maxBindingSize).toBe(4096);
  });

  for (const dtype of ALL_DTYPES) {
    for (const offset of [0, 13]) {
      const n = rnd.int(3000, 9000);
      const values = randomValues(rnd, dtype, n, 0.3);
      it(`${dtype}, ${n} rows, offset ${offset} (seed ${seed})`, async () => {
        const vector = makeVector(dtype, values, { offset });
        const result = await t.client.reduce(vector, OPS, { column: 'x', device: 'gpu' });
        expect(result.fallback).toBeUndefined();
        expectReduction(result.values, reference(dtype, values), dtype, OPS, `${dtype} windows`);
        t.countGpuCheck();
      });
    }
  }

  it('buffers go back to the pool after each reduction', async () => {
    const gpu = t.client.gpu!;
    const before = gpu.pool.snapshot();
    const vector = makeVector('float64', randomValues(rnd, 'float64', 5000, 0.1));
    await t.client.reduce(vector, OPS, { column: 'x', device: 'gpu' });
    const after = gpu.pool.snapshot();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    await t.client.reduce(vector, OPS, { column: 'x', device: 'gpu' });
    const again = gpu.pool.snapshot();
    expect(again.bytesAllocated).toBe(after.bytesAllocated);
    expect(again.reused).toBeGreaterThan(after.reused);
    t.countGpuCheck();
  });
});
