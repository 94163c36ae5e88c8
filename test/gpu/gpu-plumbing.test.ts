/** The device layer: adapter report, buffer pool accounting and limits, pipeline cache, readback. */
import { describe, expect, it } from 'vitest';
import { KernelError, MemoryLimitError } from '../../src/index.js';
import { BufferPool, sizeClass } from '../../src/gpu/buffer-pool.js';
import { PipelineCache } from '../../src/gpu/pipeline-cache.js';
import { useClient } from '../util/gpu.js';

const t = useClient();

describe('adapter report', () => {
  it('names the adapter, backend, feature level and the limits granted', () => {
    const report = t.client.info().gpu!;
    expect(report.name.length).toBeGreaterThan(0);
    expect(['default', 'opengles']).toContain(report.backend);
    expect(['core', 'compatibility']).toContain(report.featureLevel);
    expect(report.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(report.limits.maxBufferSize).toBeGreaterThanOrEqual(report.limits.maxStorageBufferBindingSize!);
    expect(Math.log2(report.workgroupSize) % 1).toBe(0);
    expect(report.workgroupSize).toBeLessThanOrEqual(report.limits.maxComputeInvocationsPerWorkgroup!);
    if (process.env.CI === 'true') {
      // CI machines have no GPU: the run must be on Mesa's llvmpipe through OpenGL ES.
      expect(report.backend).toBe('opengles');
      expect(report.software).toBe(true);
    }
  });

  it('the device was given the limits asked for, not the defaults', () => {
    const gpu = t.client.gpu!;
    expect(gpu.device.limits.maxStorageBufferBindingSize).toBe(gpu.report.limits.maxStorageBufferBindingSize);
  });
});

describe('buffer pool', () => {
  it('size classes are at most a quarter above the request, in 256-byte steps', () => {
    for (const bytes of [1, 255, 256, 257, 1000, 4096, 5000, 1e6, 123456789]) {
      const size = sizeClass(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 256).toBe(0);
      if (bytes > 1024) expect(size).toBeLessThanOrEqual(bytes * 1.25 + 256);
    }
  });

  it('counts bytes in use and allocated, and reuses released buffers', () => {
    const pool = new BufferPool(t.client.gpu!.device, 1 << 20, t.client.gpu!.device.limits.maxBufferSize);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const a = pool.acquire(1000, usage);
    const b = pool.acquire(5000, usage);
    expect(pool.snapshot()).toMatchObject({ bytesInUse: a.size + b.size, bytesAllocated: a.size + b.size, created: 2 });
    pool.release(a);
    expect(pool.snapshot().bytesInUse).toBe(b.size);
    const c = pool.acquire(900, usage);
    expect(c.buffer).toBe(a.buffer);
    expect(pool.snapshot()).toMatchObject({ created: 2, reused: 1 });
    pool.release(b);
    pool.release(c);
    pool.trim();
    expect(pool.snapshot()).toMatchObject({ bytesInUse: 0, bytesAllocated: 0 });
  });

  it('never allocates past its limit: free buffers go first, then a MemoryLimitError', () => {
    const pool = new BufferPool(t.client.gpu!.device, 64 * 1024, t.client.gpu!.device.limits.maxBufferSize);
    const usage = GPUBufferUsage.STORAGE;
    const a = pool.acquire(40 * 1024, usage);
    pool.release(a);
    const b = pool.acquire(50 * 1024, usage); // the free 40 KiB buffer is destroyed to make room
    expect(pool.snapshot().bytesAllocated).toBe(b.size);
    expect(() => pool.acquire(30 * 1024, usage)).toThrow(MemoryLimitError);
    pool.release(b);
    pool.trim();
  });
});

describe('pipeline cache', () => {
  it('returns the same pipeline for the same key and compiles a new one for another', async () => {
    const gpu = t.client.gpu!;
    const a = await gpu.pipeline('reduce', 'reduce_main', { WORKGROUP_SIZE: 64, KIND: 3 });
    const b = await gpu.pipeline('reduce', 'reduce_main', { KIND: 3, WORKGROUP_SIZE: 64 });
    const c = await gpu.pipeline('reduce', 'reduce_main', { WORKGROUP_SIZE: 64, KIND: 2 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('a shader that does not compile is a KernelError with the line and message', async () => {
    const cache = new PipelineCache(t.client.gpu!.device, () => '@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = undefined_thing;\n}\n');
    const error = await cache.get('broken', 'main', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('SHADER_COMPILE');
    expect((error as Error).message).toMatch(/line 3/);
    expect((error as Error).message).toContain('undefined_thing');
  });
});

describe('readback', () => {
  it('reads back through one reused staging buffer, in order, many reads at once', async () => {
    const gpu = t.client.gpu!;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const loans = [1, 2, 3, 4].map((k) => {
      const loan = gpu.pool.acquire(4096 * k, usage);
      gpu.device.queue.writeBuffer(loan.buffer, 0, new Uint32Array(1024 * k).fill(k));
      return loan;
    });
    const reads = await Promise.all(loans.map((l, i) => gpu.read(l.buffer, 0, 4096 * (i + 1))));
    reads.forEach((bytes, i) => {
      const words = new Uint32Array(bytes);
      expect(words.length).toBe(1024 * (i + 1));
      expect(words.every((w) => w === i + 1)).toBe(true);
    });
    for (const loan of loans) gpu.pool.release(loan);
    t.countGpuCheck();
  });
});

describe('submit', () => {
  it('a validation error in the commands is a KernelError, and the device stays usable', async () => {
    const gpu = t.client.gpu!;
    const small = gpu.pool.acquire(256, GPUBufferUsage.COPY_SRC);
    const other = gpu.pool.acquire(256, GPUBufferUsage.COPY_DST);
    const error = await gpu
      .submit('bad copy', (encoder) => encoder.copyBufferToBuffer(small.buffer, 0, other.buffer, 0, 4096))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('GPU_VALIDATION');
    await gpu.submit('good copy', (encoder) => encoder.copyBufferToBuffer(small.buffer, 0, other.buffer, 0, 256));
    gpu.pool.release(small);
    gpu.pool.release(other);
  });

  it('an encoder callback that throws is a KernelError with the cause, and leaves no error scope behind', async () => {
    const gpu = t.client.gpu!;
    const boom = new Error('boom');
    const error = await gpu.submit('throws', () => {
      throw boom;
    }).catch((e: unknown) => e);
    expect((error as KernelError).code).toBe('GPU_ENCODE');
    expect((error as KernelError).cause).toBe(boom);
    // With every scope popped, one more pop has nothing to pop and is rejected.
    await expect(gpu.device.popErrorScope()).rejects.toThrow();
    t.countGpuCheck();
  });
});
