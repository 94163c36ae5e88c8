/**
 * The graph: deterministic keys, elementwise chains fused into one task per block (into the
 * reduction's tasks when a reduction reads them), a subexpression shared by several outputs of
 * one compute() run once (counted through client.stats()), DataFrames computed alongside, and a
 * failing task reported as a TaskError naming the operator and block with the cause kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, Client, compute, fromArrays, TaskError } from '../../src/index.js';

function tasksRun(client: Client): number {
  const { gpu, cpu, sync } = client.stats().tasks;
  return gpu + cpu + sync;
}

describe('array graphs', () => {
  let client: Client;
  beforeAll(async () => { client = await Client.create({ scheduler: 'cpu', gpu: 'off', workers: 2 }); });
  afterAll(async () => { await client.close(); });

  async function count<T>(run: () => Promise<T>): Promise<{ tasks: number; value: T }> {
    const before = tasksRun(client);
    const value = await run();
    return { tasks: tasksRun(client) - before, value };
  }

  it('keys are deterministic and tell NaN, Infinity and -0 apart', () => {
    const x = array.random([10, 10], { seed: 3, chunks: 5 });
    expect(x.add(1).mul(x).key).toBe(array.random([10, 10], { seed: 3, chunks: 5 }).add(1).mul(x).key);
    const keys = [NaN, Infinity, -Infinity, 0, -0].map((v) => x.add(v).key);
    expect(new Set(keys).size).toBe(5);
    expect(x.sum().key).not.toBe(x.sum({ axis: 0 }).key);
  });

  it('an elementwise chain is one task per block, inside the reduction when one reads it', async () => {
    const x = array.random([40, 40], { seed: 1, chunks: 20 });
    const chain = await count(() => x.add(1).mul(2).sqrt().sub(x).compute());
    expect(chain.tasks).toBe(4 + 4);
    const reduced = await count(() => x.add(1).mul(x).sum().compute());
    expect(reduced.tasks).toBe(4 + 4 + 1);
  });

  it('a subexpression shared by the outputs of one compute() runs once', async () => {
    const x = array.random([40, 40], { seed: 2, chunks: 20 });
    const product = x.matmul(x);
    const alone = (await count(() => product.sum().compute())).tasks + (await count(() => product.max().compute())).tasks;
    const shared = await count(() => compute(product.sum(), product.max()));
    expect(alone).toBe(2 * (4 + 4 + 4 + 1));
    expect(shared.tasks).toBe(4 + 4 + 2 * (4 + 1));
    const [sum, max] = shared.value;
    const [sum2, max2] = await compute(product.sum(), product.max());
    expect(sum.data[0]).toBe(sum2.data[0]);
    expect(max.data[0]).toBe(max2.data[0]);
    const twice = await count(() => compute(product, product));
    expect(twice.tasks).toBe(4 + 4);
    expect(Array.from(twice.value[0].data)).toEqual(Array.from(twice.value[1].data));
  });

  it('compute() takes DataFrames too, in order', async () => {
    const df = fromArrays({ v: Float64Array.from([1, 2, 3]) }, { npartitions: 1 });
    const [table, total] = await compute(df, array.arange(4).sum());
    expect(table.numRows).toBe(3);
    expect(total.data[0]).toBe(6);
  });

  it('a failing task rejects with a TaskError naming the operator and block, the cause kept', async () => {
    const x = array.arange(10, undefined, 1, { chunks: 4 });
    const failing = x.mapBlocks((b) => {
      if (b.data[0] === 4) throw new RangeError('boom in block');
      return b;
    });
    const error = await failing.sum().compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).operator).toBe('mapBlocks (array block 1)');
    expect((error as TaskError).partition).toBe(1);
    expect(String((error as TaskError).cause)).toMatch(/boom in block/);
    expect((await x.sum().compute()).data[0]).toBe(45);
  });
});
