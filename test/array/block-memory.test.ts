/**
 * Block memory in whole computations (RunMemory over the client's BlockPool), on the main thread
 * and on the workers: a second compute of the same graph makes no new buffer (counted), blocks
 * whose readers are done are lent again within one compute, nothing stays lent afterwards (a
 * failed compute included), an array returned to the user is never overwritten by later
 * computations, and output blocks land right whether their task writes them in place (one run
 * of the result), into their box (matmul's 2-d blocks), or the main thread copies them (a block
 * that appears twice among the outputs, a view of the user's data).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockPoolFor, type BlockPool } from '../../src/array/block-pool.js';
import { array, Client, compute, TaskError } from '../../src/index.js';
import { Random, testSeed } from '../util/random.js';
import { randomRef, toArray } from './data.js';
import { expectArray, refBinary, refConcat, refMatmul, refReduce, refTranspose, type Ref } from './reference.js';

const seed = testSeed();

describe.each(['sync', 'cpu'] as const)(`block memory on the %s scheduler (seed ${seed})`, (scheduler) => {
  let client: Client;
  let pool: BlockPool;
  beforeAll(async () => {
    client = await Client.create({ scheduler, gpu: 'off', workers: 2 });
    pool = blockPoolFor(client.execContext().pool);
  });
  afterAll(async () => { await client.close(); });

  /** Buffers the pool made and lent again while `run` ran, and what it returns. */
  async function counted<T>(run: () => Promise<T>): Promise<{ allocated: number; reused: number; value: T }> {
    const before = pool.stats;
    const value = await run();
    expect(pool.stats.lentBytes).toBe(0);
    return { allocated: pool.stats.allocated - before.allocated, reused: pool.stats.reused - before.reused, value };
  }

  it('a second compute of a graph makes no new buffer, and gives the same values', async () => {
    const rng = new Random(seed);
    // 300 = 2 × 128 + 44: the 128 × 128 blocks are pooled (128 KiB of int32… and of float64), the edges too small.
    const a = randomRef(rng, [300, 300], 'int32');
    const b = randomRef(rng, [300, 129], 'int32');
    const product = toArray(a, 128).matmul(toArray(b, [128, 129]));
    const want = refMatmul(a, b);
    const first = await counted(() => product.compute());
    expectArray(first.value, want);
    expect(first.allocated).toBeGreaterThan(0);
    const second = await counted(() => product.compute());
    expectArray(second.value, want);
    expect(second.allocated).toBe(0);
    expect(second.reused).toBe(first.allocated + first.reused);
  });

  it('within one compute, a block whose readers are done is lent again', async () => {
    const rng = new Random(seed + 1);
    const x = randomRef(rng, [256, 256], 'float64');
    // The source cut into 4 blocks of 128 KiB (gathered: they are not runs of it), then four
    // transposes of them: 20 pooled blocks, of which at most two levels are alive at once.
    let y = toArray(x, [256, 64]);
    for (let i = 0; i < 4; i++) y = y.T;
    const run = await counted(() => y.compute());
    expectArray(run.value, x);
    expect(run.allocated + run.reused).toBe(20);
    expect(run.allocated).toBeLessThanOrEqual(scheduler === 'sync' ? 8 : 12);
  });

  it('an array returned to the user is never overwritten by later computations', async () => {
    const rng = new Random(seed + 2);
    const a = randomRef(rng, [257, 257], 'float64');
    const x = toArray(a, 128);
    const held = await x.T.add(1).compute();
    const snapshot = Float64Array.from(held.data);
    for (let i = 0; i < 3; i++) {
      const other = await compute(x.mul(-1).T, toArray(a, [128, 257]).matmul(toArray(a, [257, 128])), x.T.T);
      expectArray(other[2], a);
    }
    expect(Array.from(held.data)).toEqual(Array.from(snapshot));
    expectArray(held, refBinary('add', refTranspose(a), 1));
  });

  it('output blocks land right: in place, in their box, or copied when they appear twice', async () => {
    const rng = new Random(seed + 3);
    const a = randomRef(rng, [129, 130], 'float64');
    const x = toArray(a, [64, 130]);
    const boxed = toArray(a, [64, 64]).add(0);
    const y = x.mul(2);
    const [same1, same2, twice, both, sum, t, view, empty, scalar] = await compute(
      y, y, array.concat([boxed, boxed], 0), array.stack([y, y], 1), y.sum({ axis: 0 }), y.T, x,
      toArray(randomRef(rng, [0, 5], 'float64'), 2).add(1), y.max(),
    );
    const doubled = refBinary('mul', a, 2);
    expectArray(same1, doubled);
    expectArray(same2, doubled);
    expect(same1.data).not.toBe(same2.data);
    const plus0 = refBinary('add', a, 0);
    expectArray(twice, refConcat([plus0, plus0], 0));
    const stacked: Ref = { data: new Float64Array(129 * 2 * 130), shape: [129, 2, 130], dtype: 'float64' };
    for (let i = 0; i < 129; i++) for (let s = 0; s < 2; s++) stacked.data.set(doubled.data.subarray(i * 130, (i + 1) * 130), (i * 2 + s) * 130);
    expectArray(both, stacked);
    expectArray(sum, refReduce('sum', doubled, [0]), 1e-12);
    expectArray(t, refTranspose(doubled));
    expectArray(view, a);
    expect(empty.shape).toEqual([0, 5]);
    expectArray(scalar, refReduce('max', doubled, null));
  });

  it('a chain feeding a reduction is lent its block, again on the next compute', async () => {
    const rng = new Random(seed + 4);
    const a = randomRef(rng, [200, 128], 'float64', false);
    const reduced = toArray(a, [100, 128]).mul(3).add(1).mean({ axis: 0 });
    const want = refReduce('mean', refBinary('add', refBinary('mul', a, 3), 1), [0]);
    const first = await counted(() => reduced.compute());
    expectArray(first.value, want, 1e-12);
    expect(first.allocated + first.reused).toBe(2);
    const second = await counted(() => reduced.compute());
    expectArray(second.value, want, 1e-12);
    expect(second.allocated).toBe(0);
  });

  it('a failed compute leaves nothing lent, and the next one is right', async () => {
    const x = array.arange(4 * 65536, undefined, 1, { chunks: 65536 });
    const failing = x.mapBlocks((b) => {
      if (b.data[0] === 2 * 65536) throw new RangeError('boom');
      return b;
    }).add(1).T;
    const error = await failing.sum().compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(pool.stats.lentBytes).toBe(0);
    const n = 4 * 65536;
    expect((await x.add(1).sum().compute()).data[0]).toBe((n * (n + 1)) / 2);
  });
});
