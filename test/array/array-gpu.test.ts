/**
 * The array kernels on the GPU (`scheduler: 'gpu'`), on the same kinds of inputs as the CPU
 * suites and held to the same reference (which the CPU twin matches exactly): elementwise chains
 * with broadcasting, reductions (a chain feeding one stays on the device), float32 matmul. The
 * binding cap of 16 KiB makes every block above 4096 elements run in several windows (slabs for
 * reductions). float32 transcendental functions are held to 1e-4 relative (WGSL's precision),
 * arithmetic to 1e-6; int32 results and indices must be exact. What the GPU does not take
 * (float64, int32 sums) runs on the CPU with the same results.
 */
import { describe, expect, it } from 'vitest';
import { array, compute, type ArrayDType, type ChunkedArray } from '../../src/index.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { toArray } from './data.js';
import { expectArray, ref, refBinary, refMatmul, refReduce, refUnary, refWhere, type Ref } from './reference.js';

const seed = testSeed();
const t = useClient({ scheduler: 'gpu', maxBindingSize: 16384 });

/** Values the device computes faithfully: moderate magnitudes, with NaN, ±Infinity, -0 and ties. */
function values(rng: Random, shape: number[], dtype: ArrayDType): Ref {
  const n = shape.reduce((a, b) => a * b, 1);
  const specials = dtype === 'int32' ? [2147483647, -2147483648, 0, -1, 3] : [NaN, Infinity, -Infinity, -0, 0, 0.5, -2];
  const data = Array.from({ length: n }, () => {
    if (rng.next() < 0.08) return specials[rng.int(0, specials.length - 1)]!;
    return dtype === 'int32' ? rng.int(-1000, 1000) : Math.fround((rng.next() - 0.5) * 40);
  });
  return ref(data, shape, dtype);
}

async function onGpu<T>(run: () => Promise<T>): Promise<T> {
  const before = t.client.stats().tasks.gpu;
  const out = await run();
  expect(t.client.stats().tasks.gpu, 'tasks ran on the GPU').toBeGreaterThan(before);
  t.countGpuCheck();
  return out;
}

describe(`array kernels on the GPU (seed ${seed})`, () => {
  it('binary operators with rows, columns and scalars, blocks of several windows', async () => {
    const rng = new Random(seed);
    for (const dtype of ['float32', 'int32'] as const) {
      const big = values(rng, [100, 70], dtype);
      const row = values(rng, [1, 70], dtype);
      const col = values(rng, [100, 1], dtype);
      const x = toArray(big, [70, 70]);
      const ops = dtype === 'int32' ? ['add', 'sub', 'mul', 'mod', 'maximum', 'minimum', 'eq', 'lt', 'ge'] : ['add', 'sub', 'mul', 'div', 'mod', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
      const others: [string, Ref | number, ChunkedArray | number][] = [['row', row, toArray(row, [1, 33])], ['column', col, toArray(col, [70, 1])], ['scalar', 3, 3], ['array', big, x.add(0)]];
      for (const [name, r, other] of others) {
        const results = await onGpu(() => compute(...ops.map((op) => (x as unknown as Record<string, (o: ChunkedArray | number) => ChunkedArray>)[op]!(other))));
        ops.forEach((op, k) => expectArray(results[k]!, refBinary(op, big, typeof r === 'number' ? r : name === 'array' ? refBinary('add', big, 0) : r), op === 'pow' ? 1e-4 : 1e-6, `${dtype} ${op} ${name}`));
      }
    }
  });

  it('unary operators and a chain with where, clip and a cast', async () => {
    const rng = new Random(seed + 1);
    const a = values(rng, [127], 'float32');
    const i = values(rng, [129], 'int32');
    const x = toArray(a, 128);
    const ops = ['neg', 'abs', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round'] as const;
    const results = await onGpu(() => compute(...ops.map((op) => x[op]())));
    ops.forEach((op, k) => expectArray(results[k]!, refUnary(op, a), ['exp', 'log', 'sin', 'cos', 'tanh'].includes(op) ? 1e-4 : 0, `unary ${op}`));
    const y = toArray(i, 50);
    const [ni, ai, chain] = await onGpu(() => compute(y.neg(), y.abs(), x.mul(2).add(1).where(x.gt(0), x.neg()).clip(-10, 10).round()));
    expectArray(ni, refUnary('neg', i));
    expectArray(ai, refUnary('abs', i));
    let want = refBinary('add', refBinary('mul', a, 2), 1);
    want = refWhere(refBinary('gt', a, 0), want, refUnary('neg', a));
    want = refUnary('round', refBinary('minimum', refBinary('maximum', want, -10), 10));
    expectArray(chain, want, 1e-6, 'chain');
    const ints = values(rng, [127], 'int32');
    const column = ref([0.5, -0], [2, 1], 'float32');
    const mixed = await onGpu(() => toArray(ints, 40).astype('float32').mul(x).add(toArray(column)).compute());
    const cast: Ref = { ...ints, data: ints.data.map(Math.fround), dtype: 'float32' };
    expectArray(mixed, refBinary('add', refBinary('mul', cast, a), column), 1e-6, 'int32 cast, times a row, plus a column');
  });

  it('reductions: every operator, every axis, keepdims, slabs, and a chain reduced on the device', async () => {
    const rng = new Random(seed + 2);
    for (const [dtype, ops] of [['float32', ['sum', 'mean', 'var', 'std', 'min', 'max', 'argmin', 'argmax']], ['int32', ['min', 'max', 'argmin', 'argmax']]] as const) {
      // Blocks of 6000 and 4500 elements are reduced in slabs of whole rows (4096 fit a binding).
      for (const [shape, chunks] of [[[200, 50], [200, 30]], [[1, 129], [1, 64]], [[128, 1], [100, 1]], [[5000], [4500]]]) {
        const a = values(rng, shape!, dtype);
        const x = toArray(a, chunks);
        const axes = shape!.length === 1 ? [null, 0] : [null, 0, 1];
        const cases = ops.flatMap((op) => axes.map((axis) => ({ op, axis, keepdims: axis === 1 })));
        const results = await onGpu(() => compute(...cases.map(({ op, axis, keepdims }) => x[op](axis === null ? { keepdims } : { axis, keepdims }))));
        cases.forEach(({ op, axis, keepdims }, k) => {
          const tol = op.includes('min') || op.includes('max') ? 0 : 1e-5;
          expectArray(results[k]!, refReduce(op, a, axis === null ? null : [axis], keepdims), tol, `${dtype} ${op} axis ${axis} of [${shape!.join(', ')}]`);
        });
      }
    }
    const a = values(rng, [200, 50], 'float32');
    const x = toArray(a, [150, 50]);
    const s = await onGpu(() => x.mul(x).sum({ axis: 1 }).compute());
    expectArray(s, refReduce('sum', refBinary('mul', a, a), [1]), 1e-5, 'sum of squares');
  });

  it('matmul in float32 within 1e-5 relative Frobenius error', async () => {
    const rng = new Random(seed + 3);
    const a = ref(Array.from({ length: 70 * 90 }, () => Math.fround(rng.next() - 0.5)), [70, 90], 'float32');
    const b = ref(Array.from({ length: 90 * 40 }, () => Math.fround(rng.next() - 0.5)), [90, 40], 'float32');
    const c = await onGpu(() => toArray(a, [64, 30]).matmul(toArray(b, [45, 40])).compute());
    const want = refMatmul(a, b);
    let num = 0;
    let den = 0;
    want.data.forEach((v, k) => { num += (c.data[k]! - v) ** 2; den += v * v; });
    expect(Math.sqrt(num / den)).toBeLessThanOrEqual(1e-5);
  });

  it('float64 chains and int32 sums run on the CPU, with the same results', async () => {
    const rng = new Random(seed + 4);
    const a = values(rng, [40, 3], 'float64');
    const i = values(rng, [40, 3], 'int32');
    const before = t.client.stats().tasks;
    const [f, s] = await compute(toArray(a, 7).mul(2).exp(), toArray(i, 7).sum({ axis: 0 }));
    const after = t.client.stats().tasks;
    expect(after.cpu).toBeGreaterThan(before.cpu);
    expectArray(f, refUnary('exp', refBinary('mul', a, 2)));
    expectArray(s, refReduce('sum', i, [0]), 1e-12);
    expect(array.zeros([2]).dtype).toBe('float64');
  });
});
