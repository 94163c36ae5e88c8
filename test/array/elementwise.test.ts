/**
 * Elementwise operations against the reference: every operator and dtype pair, broadcasting of
 * scalars, rows, columns and n-d shapes, chunkings that do not line up, the hard values (NaN,
 * ±Infinity, -0, int32 extremes: int32 arithmetic wraps, as numpy's), on the main thread and on
 * the worker pool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, Client, compute, PlanError, type ArrayDType, type ChunkedArray } from '../../src/index.js';
import { Random, testSeed } from '../util/random.js';
import { randomChunks, randomRef, toArray } from './data.js';
import { expectArray, ref, refBinary, refUnary, refWhere, type Ref } from './reference.js';

const seed = testSeed();
const DTYPES: ArrayDType[] = ['float32', 'float64', 'int32'];
const BINARY = ['add', 'sub', 'mul', 'div', 'mod', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const UNARY = ['neg', 'abs', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round'] as const;

describe.each(['sync', 'cpu'] as const)(`elementwise on the %s scheduler (seed ${seed})`, (scheduler) => {
  let client: Client;
  beforeAll(async () => { client = await Client.create({ scheduler, gpu: 'off', workers: 2 }); });
  afterAll(async () => { await client.close(); });

  it('every binary operator on every dtype pair, chunks that differ between the operands', async () => {
    const rng = new Random(seed);
    const shape = [rng.int(5, 13), rng.int(5, 13)];
    for (const ta of DTYPES) {
      for (const tb of DTYPES) {
        const a = randomRef(rng, shape, ta);
        const b = randomRef(rng, shape, tb);
        const xa = toArray(a, randomChunks(rng, shape));
        const xb = toArray(b, randomChunks(rng, shape));
        const results = await compute(...BINARY.map((op) => xa[op](xb)));
        BINARY.forEach((op, k) => expectArray(results[k]!, refBinary(op, a, b), 0, `${ta} ${op} ${tb}`));
      }
    }
  });

  it('every unary operator, on the hard values', async () => {
    const rng = new Random(seed + 1);
    for (const t of DTYPES) {
      const a = randomRef(rng, [129], t);
      const x = toArray(a, 50);
      const results = await compute(...UNARY.map((op) => x[op]()));
      UNARY.forEach((op, k) => expectArray(results[k]!, refUnary(op, a), 0, `${op} ${t}`));
    }
  });

  it('scalars are weak: they take the array type, but a fraction makes int32 float64', async () => {
    const rng = new Random(seed + 2);
    for (const t of DTYPES) {
      const a = randomRef(rng, [7, 3], t);
      const x = toArray(a, [2, 2]);
      const cases: [string, number][] = [['add', 3], ['mul', -0.5], ['sub', 1e10], ['div', 0], ['mod', -3], ['gt', 0.5], ['pow', 2]];
      const results = await compute(...cases.map(([op, s]) => (x as unknown as Record<string, (v: number) => ChunkedArray>)[op]!(s)));
      cases.forEach(([op, s], k) => expectArray(results[k]!, refBinary(op, a, s), 0, `${t} ${op} ${s}`));
    }
  });

  it('broadcasts rows, columns, 0-d results and n-d shapes', async () => {
    const rng = new Random(seed + 3);
    const m = rng.int(3, 9);
    const n = rng.int(3, 9);
    const big = randomRef(rng, [m, n], 'float64');
    const row = randomRef(rng, [1, n], 'float32');
    const col = randomRef(rng, [m, 1], 'int32');
    const flat = randomRef(rng, [n], 'float64');
    const cube = randomRef(rng, [2, 1, n], 'float64');
    const x = toArray(big, [2, 3]);
    const [r1, r2, r3, r4, r5, r6] = await compute(
      x.add(toArray(row, [1, 2])), x.mul(toArray(col, [4, 1])), toArray(row).sub(toArray(col, 2)), x.div(toArray(flat, 4)),
      x.add(toArray(cube, [1, 1, 2])), x.sub(x.max()),
    );
    expectArray(r1, refBinary('add', big, row), 0, 'row');
    expectArray(r2, refBinary('mul', big, col), 0, 'column');
    expectArray(r3, refBinary('sub', row, col), 0, 'row - column');
    expectArray(r4, refBinary('div', big, flat), 0, '1-d');
    expectArray(r5, refBinary('add', big, cube), 0, '3-d');
    let max = -Infinity;
    for (const v of big.data) max = Number.isNaN(v) || Number.isNaN(max) ? NaN : Math.max(max, v);
    expectArray(r6, refBinary('sub', big, ref([max], [], 'float64')), 0, 'minus a 0-d max');
  });

  it('fuses a long chain (where, clip, astype) and keeps numpy rounding per step in float32', async () => {
    const rng = new Random(seed + 4);
    const a = randomRef(rng, [128, 3], 'float32');
    const b = randomRef(rng, [128, 3], 'int32');
    const x = toArray(a, [50, 2]);
    const y = toArray(b, [64, 3]);
    const chain = x.mul(1.1).add(y).where(x.gt(0), x.neg()).clip(-50, 50).sqrt().astype('float32').round();
    let want = refBinary('mul', a, 1.1);
    want = refBinary('add', want, b);
    want = refWhere(refBinary('gt', a, 0), want, refUnary('neg', a));
    want = refBinary('minimum', refBinary('maximum', want, -50), 50);
    want = refUnary('sqrt', want);
    want = refUnary('round', { ...want, data: want.data.map(Math.fround), dtype: 'float32' });
    expectArray(await chain.compute(), want, 0, 'chain');
    const asInt = await x.astype('int32').compute();
    expectArray(asInt, { ...a, data: a.data.map((v) => v | 0), dtype: 'int32' }, 0, 'astype int32');
    expectArray(await array.where(y, 1, 2.5).compute(), refWhere(b, 1, 2.5), 0, 'where scalars');
  });

  it('empty and one-element arrays', async () => {
    const empty = ref([], [0, 4], 'float64');
    const one = ref([-2], [1, 1], 'int32');
    const [e, o] = await compute(toArray(empty).add(toArray(ref([1, 2, 3, 4], [4], 'float64'))), toArray(one).abs().mul(3));
    expectArray(e, ref([], [0, 4], 'float64'));
    expectArray(o, ref([6], [1, 1], 'int32'));
  });
});

describe('elementwise errors', () => {
  it('a shape mismatch names both shapes', () => {
    const a = array.zeros([3, 4]);
    const b = array.zeros([4, 3]);
    expect(() => a.add(b)).toThrow(PlanError);
    expect(() => a.add(b)).toThrow(/\[3, 4\] and \[4, 3\]/);
  });

  it('a bad operand is a PlanError', () => {
    expect(() => array.zeros([3]).add('x' as unknown as number)).toThrow(PlanError);
  });
});

/** Keeps the unused-import check honest for helpers only some suites need. */
export type { Ref };
