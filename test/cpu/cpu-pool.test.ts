import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerError } from '../../src/index.js';
import { BATCH_BYTES, CpuPool, shippable } from '../../src/cpu/cpu-pool.js';
import { shipTable, unshipTable, type ShippedTable } from '../../src/exec/ship-table.js';
import type { PartitionTask } from '../../src/exec/partition-task.js';

const pool = new CpuPool(2);
afterAll(() => pool.destroy());

describe('CpuPool', () => {
  it('runs a kernel family by name in a worker thread', async () => {
    const values = new Float64Array([1, 2, 3, 4]);
    const partial = await pool.run('reduce', {
      slice: { dtype: 'float64', values, validity: null, bitOffset: 0, length: 4 },
      wants: { sum: true, minMax: true },
    });
    expect(partial).toMatchObject({ count: 4, sum: 10, min: 1, max: 4 });
    const sq = await pool.run('squares', {
      slice: { dtype: 'float64', values, validity: null, bitOffset: 0, length: 4 },
      centre: { kind: 'float', c: 2.5 },
    });
    expect(sq).toMatchObject({ s1: 0, s2: 5 });
  });

  it('a kernel that throws in the worker is a WorkerError keeping the cause', async () => {
    const error = await pool
      .run('reduce', { slice: { dtype: 'float64', values: null as never, validity: null, bitOffset: 0, length: 3 }, wants: { sum: true, minMax: true } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).cause).toBeDefined();
  });

  it('rejects a worker count that is not a positive integer', () => {
    expect(() => new CpuPool(0)).toThrow(WorkerError);
  });
});

/** A 'reduce' task over `values` (float64, no nulls). */
function sumTask(values: number[]) {
  return { slice: { dtype: 'float64' as const, values: Float64Array.from(values), validity: null, bitOffset: 0, length: values.length }, wants: { sum: true, minMax: true } };
}

describe('CpuPool batching of small tasks', () => {
  it('posts small tasks queued in one turn as batches, each task answered with its own result', async () => {
    const before = pool.stats;
    const sums = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.run('reduce', sumTask([i, 1, 2]), [], { bytes: 24 })));
    expect(sums.map((s) => s.sum)).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    const after = pool.stats;
    expect(after.completed - before.completed).toBe(40);
    // 40 tasks over 2 free workers: two messages of 20.
    expect(after.batches.messages - before.batches.messages).toBe(2);
    expect(after.batches.tasks - before.batches.tasks).toBe(40);
    expect(after.queued).toBe(0);
  });

  it('never batches a task over BATCH_BYTES or one that does not say its size', async () => {
    const before = pool.stats.batches;
    const runs = [
      ...Array.from({ length: 6 }, () => pool.run('reduce', sumTask([1, 2]), [], { bytes: BATCH_BYTES + 1 })),
      ...Array.from({ length: 6 }, () => pool.run('reduce', sumTask([1, 2]))),
    ];
    expect((await Promise.all(runs)).every((s) => s.sum === 3)).toBe(true);
    expect(pool.stats.batches).toEqual(before);
  });

  it('a kernel that throws fails only its own task of a batch', async () => {
    const runs = Array.from({ length: 9 }, (_, i) => pool.run('reduce', i === 4 ? { ...sumTask([1]), slice: { ...sumTask([1]).slice, values: null as never } } : sumTask([i]), [], { bytes: 8 }));
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toEqual(settled.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
    expect((settled[4] as PromiseRejectedResult).reason).toBeInstanceOf(WorkerError);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.sum : null))).toEqual([0, 1, 2, 3, null, 5, 6, 7, 8]);
  });

  it('moves the buffers of results a batch returns (tables from partition tasks)', async () => {
    const tables = Array.from({ length: 8 }, (_, i) => new arrow.Table({ v: arrow.makeVector(Int32Array.from({ length: 5 + i }, (_, j) => i * 100 + j)) }));
    const before = pool.stats.batches.messages;
    const outs = await Promise.all(tables.map((table) => {
      const shipped = shipTable(table, 'copy');
      const task: PartitionTask = { read: { kind: 'table', table: shipped.shipped }, predicate: null, columns: ['v'], ops: [], end: { kind: 'table' } };
      return pool.run('partition', task, shipped.transfer, { bytes: 64 });
    }));
    expect(pool.stats.batches.messages).toBeGreaterThan(before);
    outs.forEach((out, i) => {
      if (out.kind !== 'table') throw new Error(`expected a table, got ${out.kind}`);
      expect([...unshipTable(out.table as ShippedTable).getChild('v')!]).toEqual([...tables[i]!.getChild('v')!]);
    });
  });

  it('drops waiting tasks whose signal was aborted, as TASK_CANCELLED, without running them', async () => {
    const controller = new AbortController();
    const before = pool.stats.completed;
    const runs = Array.from({ length: 5 }, () => pool.run('reduce', sumTask([1]), [], { bytes: 8, signal: controller.signal }));
    controller.abort(new Error('stop'));
    const errors = await Promise.all(runs.map((r) => r.then(() => null, (e: unknown) => e)));
    for (const e of errors) expect((e as WorkerError).code).toBe('TASK_CANCELLED');
    expect(pool.stats.completed).toBe(before);
  });

  it('tasks still waiting when the pool is destroyed fail with POOL_CLOSED', async () => {
    const own = new CpuPool(1);
    const runs = Array.from({ length: 3 }, () => own.run('reduce', sumTask([1]), [], { bytes: 8 }).then(() => null, (e: unknown) => e));
    await own.destroy();
    for (const e of await Promise.all(runs)) expect((e as WorkerError).code).toBe('POOL_CLOSED');
  });
});

describe('shippable', () => {
  it('shares SharedArrayBuffer views without copying', () => {
    const view = new Float64Array(new SharedArrayBuffer(64)).subarray(2, 6);
    const transfer: ArrayBuffer[] = [];
    expect(shippable(view, transfer)).toBe(view);
    expect(transfer).toEqual([]);
  });

  it('copies just the viewed bytes of a plain buffer, to be transferred, leaving the original intact', () => {
    const whole = new Int32Array([1, 2, 3, 4, 5, 6]);
    const view = whole.subarray(2, 5);
    const transfer: ArrayBuffer[] = [];
    const shipped = shippable(view, transfer);
    expect([...shipped]).toEqual([3, 4, 5]);
    expect(shipped.buffer.byteLength).toBe(12);
    expect(transfer).toEqual([shipped.buffer]);
    expect(whole.buffer.byteLength).toBe(24);
  });
});
