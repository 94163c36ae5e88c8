import { afterAll, describe, expect, it } from 'vitest';
import { WorkerError } from '../../src/index.js';
import { CpuPool, shippable } from '../../src/cpu/cpu-pool.js';

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
