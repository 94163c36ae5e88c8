/**
 * Reductions against the reference: every operator over all elements and along each axis, with
 * keepdims, on chunkings that do not divide the shape (and enough blocks for a two-level
 * combine tree), with NaN, ±Infinity and ties (argmin/argmax take the first occurrence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, Client, compute, PlanError, type ArrayDType } from '../../src/index.js';
import { Random, testSeed } from '../util/random.js';
import { randomChunks, randomRef, toArray } from './data.js';
import { expectArray, ref, refReduce } from './reference.js';

const seed = testSeed();
const OPS = ['sum', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax'] as const;
const DTYPES: ArrayDType[] = ['float32', 'float64', 'int32'];

function tolerance(op: string): number {
  return op === 'min' || op === 'max' || op.startsWith('arg') ? 0 : 1e-9;
}

describe.each(['sync', 'cpu'] as const)(`reductions on the %s scheduler (seed ${seed})`, (scheduler) => {
  let client: Client;
  beforeAll(async () => { client = await Client.create({ scheduler, gpu: 'off', workers: 2 }); });
  afterAll(async () => { await client.close(); });

  it('every operator over everything and along each axis, with and without keepdims', async () => {
    const rng = new Random(seed);
    for (const dtype of DTYPES) {
      for (const specials of [false, true]) {
        const shape = [rng.int(1, 20), rng.int(1, 20)];
        const a = randomRef(rng, shape, dtype, specials);
        const x = toArray(a, randomChunks(rng, shape));
        const cases = OPS.flatMap((op) => [null, 0, 1].flatMap((axis) => [false, true].map((keepdims) => ({ op, axis, keepdims }))));
        const results = await compute(...cases.map(({ op, axis, keepdims }) => x[op](axis === null ? { keepdims } : { axis, keepdims })));
        cases.forEach(({ op, axis, keepdims }, k) => {
          expectArray(results[k]!, refReduce(op, a, axis === null ? null : [axis], keepdims), tolerance(op), `${dtype} ${op} axis ${axis} keepdims ${keepdims} specials ${specials}`);
        });
      }
    }
  });

  it('many blocks: a combine tree of more than one level, and 3-d with two axes', async () => {
    const rng = new Random(seed + 1);
    const a = randomRef(rng, [130, 7], 'float64', false);
    const x = toArray(a, [2, 3]);
    const c = randomRef(rng, [6, 5, 4], 'float32', false);
    const y = toArray(c, [4, 2, 3]);
    const [s, v, am, amx, s3, m3] = await compute(x.sum(), x.var({ ddof: 1 }), x.argmin(), x.argmax({ axis: 0 }), y.sum({ axis: [0, 2] }), y.max({ axis: [2, 0], keepdims: true }));
    expectArray(s, refReduce('sum', a, null), 1e-12);
    expectArray(v, refReduce('var', a, null, false, 1), 1e-12);
    expectArray(am, refReduce('argmin', a, null));
    expectArray(amx, refReduce('argmax', a, [0]));
    expectArray(s3, refReduce('sum', c, [0, 2]), 1e-12);
    expectArray(m3, refReduce('max', c, [0, 2], true));
  });

  it('ties go to the first occurrence across blocks, and NaN wins', async () => {
    const data = new Float64Array(24).fill(1);
    data[5] = 0; // row 0, in block (0, 1)
    data[8] = 0; // row 1, in block (0, 0)
    const x = array.fromTypedArray(data, [4, 6], { chunks: [2, 3] });
    const withNan = Float64Array.from(data);
    withNan[20] = NaN;
    withNan[13] = NaN;
    const y = array.fromTypedArray(withNan, [4, 6], { chunks: [2, 3] });
    const [a, b, c, d] = await compute(x.argmin(), y.argmin(), y.argmax(), y.min());
    expect(a.data[0]).toBe(5);
    expect(b.data[0]).toBe(13);
    expect(c.data[0]).toBe(13);
    expect(d.data[0]).toBeNaN();
  });

  it('empty reductions: sum 0, mean NaN; ddof beyond n', async () => {
    const e = array.zeros([0, 3], { chunks: 2 });
    const [s, m, s0] = await compute(e.sum(), e.mean({ axis: 0 }), e.sum({ axis: 1 }));
    expectArray(s, ref([0], [], 'float64'));
    expectArray(m, ref([NaN, NaN, NaN], [3], 'float64'));
    expectArray(s0, ref([], [0], 'float64'));
    expectArray(await array.ones([2]).var({ ddof: 2 }).compute(), ref([NaN], [], 'float64'));
  });
});

describe('reduction errors', () => {
  it('min of an empty axis, argmin over two axes, a bad axis', () => {
    expect(() => array.zeros([0, 3]).min()).toThrow(PlanError);
    expect(() => array.zeros([3, 3]).argmin({ axis: [0, 1] as unknown as number })).toThrow(/one axis/);
    expect(() => array.zeros([3, 3]).sum({ axis: 2 })).toThrow(/axis 2 is out of range/);
    expect(() => array.zeros([3, 3]).sum({ axis: [0, -2] })).toThrow(/repeats/);
  });
});
