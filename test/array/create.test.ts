/**
 * Making arrays: random is uniform on [0, 1) and the same for a seed whatever the chunking;
 * zeros, ones, full, arange; 'auto' chunks; and the errors for bad shapes, dtypes and chunks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, Client, compute, PlanError } from '../../src/index.js';
import { testSeed } from '../util/random.js';
import { expectArray, ref } from './reference.js';

const seed = testSeed();

describe(`creation (seed ${seed})`, () => {
  let client: Client;
  beforeAll(async () => { client = await Client.create({ scheduler: 'cpu', gpu: 'off', workers: 2 }); });
  afterAll(async () => { await client.close(); });

  it('random gives the same values for a seed whatever the chunking', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const shape = [37, 23];
      const [a, b, c, d] = await compute(
        array.random(shape, { seed, dtype, chunks: [5, 7] }), array.random(shape, { seed, dtype }),
        array.random(shape, { seed, dtype, chunks: [[1, 36], [23]] }), array.random(shape, { seed: seed + 1, dtype, chunks: 10 }),
      );
      expect(a.dtype).toBe(dtype);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(Array.from(c.data)).toEqual(Array.from(a.data));
      expect(Array.from(d.data)).not.toEqual(Array.from(a.data));
      expect(a.data.every((v) => v >= 0 && v < 1)).toBe(true);
      expect(new Set(a.data).size).toBeGreaterThan(800);
    }
    const big = await array.random([200000], { seed, chunks: 30001 }).mean().compute();
    expect(Math.abs(big.data[0]! - 0.5)).toBeLessThan(0.01);
    expect(() => array.random([3], { dtype: 'int32' })).toThrow(PlanError);
  });

  it('zeros, ones, full and arange', async () => {
    const [z, o, f, a1, a2, a3, e] = await compute(
      array.zeros([2, 3], { chunks: 2 }), array.ones([3], { dtype: 'int32' }), array.full([2, 2], -0.5, { dtype: 'float32', chunks: 1 }),
      array.arange(5), array.arange(1, 2, 0.25, { chunks: 3 }), array.arange(10, 0, -3), array.arange(3, 3),
    );
    expectArray(z, ref([0, 0, 0, 0, 0, 0], [2, 3], 'float64'));
    expectArray(o, ref([1, 1, 1], [3], 'int32'));
    expectArray(f, ref([-0.5, -0.5, -0.5, -0.5], [2, 2], 'float32'));
    expectArray(a1, ref([0, 1, 2, 3, 4], [5], 'int32'));
    expectArray(a2, ref([1, 1.25, 1.5, 1.75], [4], 'float64'));
    expectArray(a3, ref([10, 7, 4, 1], [4], 'int32'));
    expectArray(e, ref([], [0], 'int32'));
  });

  it("chunks: per dimension, explicit, -1, and 'auto' near 32 MB a block", () => {
    expect(array.zeros([5, 4], { chunks: [2, -1] }).chunks).toEqual([[2, 2, 1], [4]]);
    expect(array.zeros([5, 0], { chunks: 2 }).chunks).toEqual([[2, 2, 1], [0]]);
    expect(array.zeros([]).chunks).toEqual([]);
    const auto = array.zeros([10000, 10000], { dtype: 'float32' });
    const blockBytes = auto.chunks[0]![0]! * auto.chunks[1]![0]! * 4;
    expect(blockBytes).toBeLessThanOrEqual(32e6);
    expect(blockBytes).toBeGreaterThan(16e6);
    expect(auto.chunks[0]!.reduce((a, b) => a + b, 0)).toBe(10000);
  });

  it('bad shapes, data and chunks are PlanErrors that say what is wrong', () => {
    expect(() => array.fromTypedArray(new Float64Array(6), [4, 2])).toThrow(/shape \[4, 2\] holds 8 values, but the data has 6/);
    expect(() => array.fromTypedArray(new Uint8Array(4) as unknown as Int32Array)).toThrow(/Uint8Array/);
    expect(() => array.zeros([3, -1])).toThrow(PlanError);
    expect(() => array.zeros([4, 4], { chunks: 0 })).toThrow(/positive integer/);
    expect(() => array.zeros([4, 4], { chunks: [2] })).toThrow(/one entry per dimension/);
    expect(() => array.zeros([4, 4], { chunks: [1.5, 2] })).toThrow(/BAD_CHUNKS|positive integer/);
    expect(() => array.zeros([4], { chunks: [[2, 0, 2]] })).toThrow(/empty blocks/);
    expect(() => array.zeros([4], { dtype: 'int8' as 'int32' })).toThrow(/dtype/);
    expect(() => array.arange(0, 1, 0)).toThrow(PlanError);
  });

  it('fromTypedArray keeps the values, shared memory used in place', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(4 * 6)).map((_, i) => i - 3);
    const x = array.fromTypedArray(shared, [2, 3], { chunks: [1, 2] });
    expectArray(await x.compute(), ref([-3, -2, -1, 0, 1, 2], [2, 3], 'int32'));
  });
});
