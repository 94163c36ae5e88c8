/**
 * The executor's retry decisions without a pool: which errors are retryable, what a GPU task
 * does when its device is lost (a fake GpuContext whose `lost` is set, so the shared test
 * device is never destroyed), and runAll starting nothing new after a failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src/cpu/cpu-pool.js';
import {
  DeviceError, DuskError, IoError, KernelError, MemoryLimitError, PlanError, SchemaError, TaskError, WorkerError,
} from '../../src/errors.js';
import {
  cancellation, checkRetries, injectFaults, isRetryable, runAll, runGpuPartition, type ExecContext,
} from '../../src/exec/executor.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';

afterEach(() => injectFaults(null));

function context(lost: string | null, retries = 1): ExecContext & { fake: { lost: string | null } } {
  const fake = { lost };
  return {
    device: 'cpu',
    pool: {} as CpuPool,
    gpu: fake as unknown as GpuContext,
    workers: 2,
    stats: { tasks: { gpu: 0, cpu: 0, sync: 0 }, peakMemory: 0, gpuFallbacks: [] },
    retries,
    cancel: cancellation(),
    fake,
  };
}

describe('isRetryable', () => {
  const osError = Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
  const cases: [string, unknown, boolean][] = [
    ['a worker that died', new WorkerError('WORKER_CRASHED', 'died'), true],
    ['a kernel bug in a worker', new WorkerError('KERNEL_FAILED', 'x', { cause: new TypeError('y') }), true],
    ['a closing pool', new WorkerError('POOL_CLOSED', 'closing'), false],
    ['an abandoned task', new WorkerError('TASK_CANCELLED', 'abandoned'), false],
    ['a lost GPU device', new KernelError('DEVICE_LOST', 'lost'), true],
    ['a lost device (DeviceError)', new DeviceError('DEVICE_LOST', 'lost'), true],
    ['GPU out of memory', new KernelError('GPU_OUT_OF_MEMORY', 'oom'), true],
    ['a shader that does not validate', new KernelError('GPU_VALIDATION', 'bad'), false],
    ['memory pressure', new MemoryLimitError('OVER_LIMIT', 'full'), true],
    ['too many open files', new IoError('READ_FAILED', 'a.parquet: cannot open (EMFILE)', { cause: osError }), true],
    ['a CSV value of the wrong type', new IoError('CSV_TYPE', 'bad value'), false],
    ['a corrupt Parquet file', new IoError('PARQUET_READ', 'bad page'), false],
    ['an unknown column', new SchemaError('NO_COLUMN', 'zz'), false],
    ['a wrong plan', new PlanError('TYPE', 'string sum'), false],
    ['an int64 overflow', new DuskError('OVERFLOW', 'too big'), false],
    ['an error that is not Dusk\'s', new RangeError('Array buffer allocation failed'), true],
    ['a TaskError, by its cause', new TaskError({ operator: 'op', partition: 0, device: 'cpu', cause: new DuskError('OVERFLOW', 'x') }), false],
  ];
  for (const [what, error, want] of cases) {
    it(`${what}: ${want ? 'retried' : 'not retried'}`, () => expect(isRetryable(error)).toBe(want));
  }

  it('checkRetries takes non-negative integers only', () => {
    expect(checkRetries(0, 'x')).toBe(0);
    expect(checkRetries(3, 'x')).toBe(3);
    for (const bad of [-1, 1.5, Number.NaN, '2', null]) expect(() => checkRetries(bad, 'Client.create')).toThrow(/Client.create: retries/);
  });
});

describe('runGpuPartition', () => {
  it('a device already lost sends the partition to the CPU without trying the GPU', async () => {
    const ctx = context('destroyed: simulated');
    let gpuRuns = 0;
    const out = await runGpuPartition(ctx, 'readMemory→groupBy', 3, async () => { gpuRuns++; return 'gpu'; }, async () => 'cpu');
    expect(out).toBe('cpu');
    expect(gpuRuns).toBe(0);
    expect(ctx.stats.gpuFallbacks).toEqual(['readMemory→groupBy, partition 3: the GPU device was lost (destroyed: simulated)']);
  });

  it('a device lost during the task: the partition runs on the CPU, once', async () => {
    const ctx = context(null, 3);
    let gpuRuns = 0;
    let cpuRuns = 0;
    const out = await runGpuPartition(ctx, 'op', 1, async () => {
      gpuRuns++;
      ctx.fake.lost = 'unknown: device reset';
      throw new TaskError({ operator: 'op', partition: 1, device: 'gpu', cause: new KernelError('DEVICE_LOST', 'op p1: the GPU device was lost') });
    }, async () => { cpuRuns++; return 'cpu'; });
    expect([out, gpuRuns, cpuRuns]).toEqual(['cpu', 1, 1]);
    expect(ctx.stats.gpuFallbacks[0]).toMatch(/partition 1: the GPU device was lost \(unknown: device reset\)/);
    // Later partitions of the computation go straight to the CPU.
    expect(await runGpuPartition(ctx, 'op', 2, async () => { gpuRuns++; return 'gpu'; }, async () => 'cpu')).toBe('cpu');
    expect(gpuRuns).toBe(1);
  });

  it('a transient GPU failure tries the GPU again; a deterministic one is final, names the device, and cancels', async () => {
    const ctx = context(null, 2);
    let tries = 0;
    const out = await runGpuPartition(ctx, 'op', 0, async () => {
      if (++tries < 3) throw new KernelError('GPU_OUT_OF_MEMORY', 'op: out of memory');
      return 'gpu';
    }, async () => 'cpu');
    expect([out, tries]).toEqual(['gpu', 3]);

    let cpuRuns = 0;
    const invalid = new KernelError('GPU_VALIDATION', 'op: binding too large');
    const error = await runGpuPartition(ctx, 'op', 4, async () => { throw invalid; }, async () => { cpuRuns++; return 'cpu'; })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ operator: 'op', partition: 4, device: 'gpu', attempts: 1, cause: invalid });
    expect(cpuRuns).toBe(0);
    expect(ctx.cancel!.signal.aborted).toBe(true);
    // Once cancelled, the computation starts nothing more and reports the error that cancelled it.
    await expect(runGpuPartition(ctx, 'op', 5, async () => 'gpu', async () => 'cpu')).rejects.toBe(error);
  });

  it('a staged crash on the GPU path is retried on the GPU', async () => {
    const ctx = context(null, 1);
    const seen: number[] = [];
    injectFaults((a) => { seen.push(a.attempt); return a.family === 'gpu' && a.attempt === 1 ? { kind: 'crash' } : null; });
    expect(await runGpuPartition(ctx, 'op', 0, async () => 'gpu', async () => 'cpu')).toBe('gpu');
    expect(seen).toEqual([1, 2]);
  });
});

describe('runAll', () => {
  it('starts no job after one fails, waits for the running ones, and rethrows the first error', async () => {
    const started: number[] = [];
    let settled = 0;
    const boom = new Error('boom');
    const error = await runAll(50, 2, async (i) => {
      started.push(i);
      if (i === 0) throw boom;
      await new Promise((resolve) => setImmediate(resolve));
      settled++;
      return i;
    }).then(() => null, (e: unknown) => e);
    expect(error).toBe(boom);
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(1);
  });
});
