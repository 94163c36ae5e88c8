/**
 * GpuContext.readbackStats: every completed read adds its bytes and one read, time only grows,
 * empty reads add nothing, and what was read is still what was written.
 */
import { describe, expect, it } from 'vitest';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const rnd = new Random(seed);
const t = useClient();

function storageBuffer(words: Uint32Array): GPUBuffer {
  const gpu = t.client.gpu!;
  const buffer = gpu.device.createBuffer({
    size: words.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  gpu.device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

describe('readbackStats', () => {
  it(`counts the bytes and reads of each read, and the time spent (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const words = Uint32Array.from({ length: 3000 }, () => rnd.int(0, 0xffffffff));
    const buffer = storageBuffer(words);
    try {
      const before = gpu.readbackStats();
      const sizes = [4, 256, 4096, 12000];
      let at = before;
      for (const bytes of sizes) {
        const offset = 4 * rnd.int(0, (words.byteLength - bytes) / 4);
        const data = new Uint32Array(await gpu.read(buffer, offset, bytes));
        expect([...data]).toEqual([...words.subarray(offset / 4, (offset + bytes) / 4)]);
        const now = gpu.readbackStats();
        expect(now.bytes - at.bytes).toBe(bytes);
        expect(now.reads - at.reads).toBe(1);
        expect(now.ms).toBeGreaterThanOrEqual(at.ms);
        at = now;
      }
      expect(at.bytes - before.bytes).toBe(sizes.reduce((a, b) => a + b, 0));
      expect(at.reads - before.reads).toBe(sizes.length);
      expect(at.ms).toBeGreaterThan(before.ms);
      t.countGpuCheck();
    } finally {
      buffer.destroy();
    }
  });

  it('reads issued together are each counted once', async () => {
    const gpu = t.client.gpu!;
    const buffer = storageBuffer(new Uint32Array(1024).fill(7));
    try {
      const before = gpu.readbackStats();
      const reads = await Promise.all([64, 128, 4096].map((bytes) => gpu.read(buffer, 0, bytes)));
      expect(reads.map((r) => r.byteLength)).toEqual([64, 128, 4096]);
      const after = gpu.readbackStats();
      expect(after.bytes - before.bytes).toBe(64 + 128 + 4096);
      expect(after.reads - before.reads).toBe(3);
      t.countGpuCheck();
    } finally {
      buffer.destroy();
    }
  });

  it('empty reads add nothing, and the stats are a copy', async () => {
    const gpu = t.client.gpu!;
    const buffer = storageBuffer(new Uint32Array(16));
    try {
      const before = gpu.readbackStats();
      expect((await gpu.read(buffer, 0, 0)).byteLength).toBe(0);
      const after = gpu.readbackStats();
      expect(after).toEqual(before);
      after.bytes += 1;
      expect(gpu.readbackStats().bytes).toBe(before.bytes);
      t.countGpuCheck();
    } finally {
      buffer.destroy();
    }
  });
});
