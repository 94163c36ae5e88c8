/**
 * Moving elements around, against the reference: transpose, slice (steps, negative steps,
 * out-of-range bounds, empty results), concat and stack (operands cut differently, mixed
 * dtypes), rechunk, matmul (float32 within 1e-5 relative Frobenius error, int32 exact), and
 * mapBlocks (shipped as source; a function that captures a variable is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, Client, compute, PlanError, TaskError } from '../../src/index.js';
import { Random, testSeed } from '../util/random.js';
import { randomChunks, randomRef, toArray } from './data.js';
import { expectArray, ref, refConcat, refMatmul, refSlice, refTranspose, type Ref } from './reference.js';

const seed = testSeed();

function frobenius(got: ArrayLike<number>, want: Ref): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.data.length; i++) {
    num += (got[i]! - want.data[i]!) ** 2;
    den += want.data[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

describe.each(['sync', 'cpu'] as const)(`structure on the %s scheduler (seed ${seed})`, (scheduler) => {
  let client: Client;
  beforeAll(async () => { client = await Client.create({ scheduler, gpu: 'off', workers: 2 }); });
  afterAll(async () => { await client.close(); });

  it('transpose, 2-d and 3-d', async () => {
    const rng = new Random(seed);
    const a = randomRef(rng, [rng.int(1, 12), rng.int(1, 12)], 'float64');
    const b = randomRef(rng, [3, 4, 5], 'int32');
    const [t, t3] = await compute(toArray(a, randomChunks(rng, a.shape)).T, toArray(b, [2, 3, 2]).transpose([1, 2, 0]));
    expectArray(t, refTranspose(a));
    expectArray(t3, refTranspose(b, [1, 2, 0]));
  });

  it('slices with steps, negative steps, clamped bounds and empty results', async () => {
    const rng = new Random(seed + 1);
    const a = randomRef(rng, [17, 11], 'float32');
    const x = toArray(a, [5, 4]);
    const cases: (number | null)[][][] = [
      [[0, 100], [0, 5]], [[null, null, 3], [1, null, 2]], [[null, null, -1], [-3, null]], [[15, 2, -4], [10, -12, -3]],
      [[5, 5], [null]], [[-100, 100, 7]], [[3, 4], [7, 8]],
    ];
    const results = await compute(...cases.map((c) => x.slice(c)));
    cases.forEach((c, k) => expectArray(results[k]!, refSlice(a, c), 0, JSON.stringify(c)));
    expect(x.slice([[null, null, -2]]).chunks[0]!.reduce((s, v) => s + v, 0)).toBe(9);
  });

  it('concat and stack across differently cut, mixed-dtype operands', async () => {
    const rng = new Random(seed + 2);
    const a = randomRef(rng, [4, 6], 'float32');
    const b = randomRef(rng, [3, 6], 'int32');
    const c = randomRef(rng, [0, 6], 'float32');
    const d = randomRef(rng, [4, 6], 'float32');
    const [c0, c1, s0, s2] = await compute(
      array.concat([toArray(a, [3, 4]), toArray(c), toArray(b, [2, 5])], 0),
      array.concat([toArray(a, [3, 4]), toArray(d, [4, 1])], 1),
      array.stack([toArray(a, [3, 4]), toArray(d, [2, 2])], 0),
      array.stack([toArray(a, [3, 4]), toArray(d, [2, 2])], 2),
    );
    expectArray(c0, refConcat([a, c, b], 0));
    expectArray(c1, refConcat([a, d], 1));
    const lift = (r: Ref, shape: number[]): Ref => ({ ...r, shape });
    expectArray(s0, refConcat([lift(a, [1, 4, 6]), lift(d, [1, 4, 6])], 0));
    const st = refConcat([lift(a, [4, 6, 1]), lift(d, [4, 6, 1])], 2);
    expectArray(s2, st);
    expect(() => array.concat([toArray(a), toArray(ref([1], [1, 1], 'float64'))], 0)).toThrow(/\[4, 6\] and \[1, 1\]/);
  });

  it('rechunk keeps the values and gives the chunks asked for', async () => {
    const rng = new Random(seed + 3);
    const a = randomRef(rng, [23, 9], 'float64');
    const x = toArray(a, [4, 2]);
    const y = x.rechunk([[10, 13], 5]);
    expect(y.chunks).toEqual([[10, 13], [5, 4]]);
    expectArray(await y.compute(), a);
    expectArray(await x.rechunk(-1 as unknown as number).rechunk(3).compute(), a);
    expect(() => x.rechunk([[10, 10], 5])).toThrow(/add up to 20, not 23/);
    expect(() => x.rechunk([0, 3])).toThrow(PlanError);
  });

  it('matmul: float32 within 1e-5 relative Frobenius error, int32 exact, inner blocks realigned', async () => {
    const rng = new Random(seed + 4);
    const [m, k, n] = [rng.int(20, 70), rng.int(20, 70), rng.int(20, 70)];
    const a = randomRef(rng, [m, k], 'float32', false);
    const b = randomRef(rng, [k, n], 'float32', false);
    const ia = randomRef(rng, [9, 7], 'int32');
    const ib = randomRef(rng, [7, 5], 'int32');
    const [c, ci, ct] = await compute(
      toArray(a, [16, 13]).matmul(toArray(b, [9, 17])), toArray(ia, 4).matmul(toArray(ib, 3)), toArray(a, [16, 13]).T.matmul(toArray(a, 8)),
    );
    expect(frobenius(c.data, refMatmul(a, b))).toBeLessThanOrEqual(1e-5);
    expect(c.dtype).toBe('float32');
    expectArray(ci, refMatmul(ia, ib), 0, 'int32 matmul wraps');
    expect(frobenius(ct.data, refMatmul(refTranspose(a), a))).toBeLessThanOrEqual(1e-5);
    expect(() => toArray(a).matmul(toArray(a))).toThrow(new RegExp(`\\[${m}, ${k}\\] and \\[${m}, ${k}\\]`));
  });

  it('mapBlocks runs the shipped function on every block', async () => {
    const a = ref(Array.from({ length: 30 }, (_, i) => i), [5, 6], 'float64');
    const x = toArray(a, [2, 4]);
    const doubled = x.mapBlocks((b) => ({ data: b.data.map((v) => v * 2), shape: b.shape }));
    expectArray(await doubled.compute(), { ...a, data: a.data.map((v) => v * 2) });
    const asInt = x.mapBlocks((b) => ({ data: Int32Array.from(b.data), shape: b.shape, dtype: 'int32' }), { dtype: 'int32' });
    expectArray(await asInt.compute(), { ...a, dtype: 'int32' });
    const factor = 3;
    expect(() => x.mapBlocks((b) => ({ data: b.data.map((v) => v * factor), shape: b.shape }))).toThrow(/'factor'/);
    const wrong = x.mapBlocks((b) => ({ data: b.data.slice(1), shape: [b.data.length - 1] }));
    const error = await wrong.compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).message).toMatch(/^mapBlocks \(array block \d\).*keep the block's shape/);
  });
});
