/**
 * exclusiveScan: the device's in-place exclusive prefix sums equal the host's, and words past n
 * are untouched. The larger counts need three and four levels (block sums of block sums
 * cross several levels). A 16 KiB binding cap gives windows of four 1024-word blocks: levels
 * span many windows, and each window holds several blocks.
 */
import { describe, expect, it } from 'vitest';
import { exclusiveScan, prepareScan, scanGeometry } from '../../src/gpu/kernels/scan.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const t = useClient({ maxBindingSize: 16384 });
const seed = testSeed();
const SENTINEL = 0xdeadbeef;
const usage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Words with long zero runs, small counts and a few large ones, summing below 2^32. */
function counts(n: number, random: Random): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n;) {
    const run = random.int(1, 300);
    const kind = random.int(0, 3);
    for (let k = 0; k < run && i < n; k++, i++) {
      out[i] = kind === 0 ? 0 : kind === 1 ? random.int(0, 1024) : kind === 2 ? 1 : random.int(0, 3000);
    }
  }
  return out;
}

async function runScan(words: Uint32Array): Promise<{ scanned: Uint32Array; total: number; tail: Uint32Array }> {
  const gpu = t.client.gpu!;
  const padded = new Uint32Array(words.length + 8).fill(SENTINEL);
  padded.set(words);
  const loan = gpu.pool.acquire(padded.byteLength, usage(), 'scan test');
  try {
    gpu.device.queue.writeBuffer(loan.buffer, 0, padded);
    const total = await exclusiveScan(gpu, loan.buffer, words.length, 'scan test');
    const back = new Uint32Array(await gpu.read(loan.buffer, 0, padded.byteLength));
    return { scanned: back.subarray(0, words.length), total, tail: back.subarray(words.length) };
  } finally {
    gpu.pool.release(loan);
  }
}

function hostScan(words: Uint32Array): { scanned: Uint32Array; total: number } {
  const scanned = new Uint32Array(words.length);
  let run = 0;
  words.forEach((w, i) => {
    scanned[i] = run;
    run += w;
  });
  return { scanned, total: run };
}

function firstDifference(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('exclusiveScan', () => {
  it('a 16 KiB binding gives 1024-word blocks, four per window', () => {
    const geometry = scanGeometry(t.client.gpu!);
    expect(geometry.block).toBe(1024);
    expect(geometry.windowBlocks).toBe(4);
  });

  const block = 1024;
  const sizes = [0, 1, 2, 255, 256, 257, block - 1, block, block + 1, 5000,
    // > workgroup-size blocks: three levels, hundreds of windows at level 0
    300_000,
    // block * block + 3: the block sums themselves need two more levels
    block * block + 3];
  for (const n of sizes) {
    it(`${n} words (seed ${seed})`, async () => {
      const words = counts(n, new Random(seed + n));
      const want = hostScan(words);
      const got = await runScan(words);
      expect(got.total).toBe(want.total);
      expect(firstDifference(got.scanned, want.scanned)).toBe(-1);
      expect([...got.tail]).toEqual(new Array(8).fill(SENTINEL));
      t.countGpuCheck();
    });
  }

  it('every word 1 (the scan is the index) and every word 0', async () => {
    const n = 70_001;
    const ones = await runScan(new Uint32Array(n).fill(1));
    expect(ones.total).toBe(n);
    expect(firstDifference(ones.scanned, Uint32Array.from({ length: n }, (_, i) => i))).toBe(-1);
    const zeros = await runScan(new Uint32Array(n));
    expect(zeros.total).toBe(0);
    expect(zeros.scanned.every((w) => w === 0)).toBe(true);
    t.countGpuCheck();
  });

  it('a prepared scan gives its buffers back to the pool', async () => {
    const gpu = t.client.gpu!;
    const before = gpu.pool.snapshot().bytesInUse;
    const loan = gpu.pool.acquire(40_000 * 4, usage(), 'scan test');
    const scan = await prepareScan(gpu, loan.buffer, 40_000, 'scan test');
    expect(gpu.pool.snapshot().bytesInUse).toBeGreaterThan(before + 40_000 * 4);
    scan.release();
    gpu.pool.release(loan);
    expect(gpu.pool.snapshot().bytesInUse).toBe(before);
  });
});
