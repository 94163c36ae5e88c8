/**
 * The matmul twins on the same random inputs: `matmulGpu` (tiled WGSL) and `matmulBlock` (the
 * blocked CPU kernel) against a float64 reference, relative Frobenius error ≤ 1e-5 for float32.
 * A 16 KiB binding cap (4,033 usable words after alignment) puts the larger products in many
 * windows along rows, the inner dimension and columns, while the small ones fit one window;
 * the resident variant chains block products into one C without reading back between them.
 */
import { describe, expect, it } from 'vitest';
import { expectMatmulClose, matmulReference } from '../util/matmul-reference.js';
import { matmulBlock } from '../../src/cpu/kernels/matmul-block.js';
import type { PooledBuffer } from '../../src/gpu/buffer-pool.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';
import { matmulGpu, matmulGpuBuffers, matmulTiles, matmulWindows, prepareMatmul } from '../../src/gpu/kernels/matmul.js';
import { DuskError } from '../../src/errors.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const t = useClient({ maxBindingSize: 16384 });
const seed = testSeed();
const usage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

function matrix(rows: number, cols: number, random: Random): Float32Array {
  return Float32Array.from({ length: rows * cols }, () => random.next() * 2 - 1);
}


/** Both twins on the same inputs, each against the reference. */
async function expectTwins(m: number, k: number, n: number, random: Random, acc?: Float32Array): Promise<void> {
  const a = matrix(m, k, random);
  const b = matrix(k, n, random);
  const want = matmulReference(a, b, m, k, n, acc);
  const what = `${m}×${k}×${n}${acc === undefined ? '' : ' accumulate'}`;
  expectMatmulClose(matmulBlock(a, b, m, k, n, acc?.slice()), want, 1e-5, `CPU ${what}`);
  const before = acc?.slice();
  expectMatmulClose(await matmulGpu(t.client.gpu!, a, b, m, k, n, acc), want, 1e-5, `GPU ${what}`);
  if (acc !== undefined) expect(acc).toEqual(before);
  t.countGpuCheck();
}

function upload(gpu: GpuContext, data: Float32Array, loans: PooledBuffer[]): GPUBuffer {
  const loan = gpu.pool.acquire(Math.max(data.byteLength, 4), usage(), 'matmul test');
  loans.push(loan);
  gpu.device.queue.writeBuffer(loan.buffer, 0, data);
  return loan.buffer;
}

async function withLoans<T>(run: (loans: PooledBuffer[]) => Promise<T>): Promise<T> {
  const loans: PooledBuffer[] = [];
  try {
    return await run(loans);
  } finally {
    for (const loan of loans) t.client.gpu!.pool.release(loan);
  }
}

/** The columns [from, to) of a row-major rows × cols matrix. */
function columns(x: Float32Array, rows: number, cols: number, from: number, to: number): Float32Array {
  const out = new Float32Array(rows * (to - from));
  for (let i = 0; i < rows; i++) out.set(x.subarray(i * cols + from, i * cols + to), i * (to - from));
  return out;
}

describe('matmul twins against a float64 reference', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 300, 1], [300, 1, 300], [1, 37, 200], [200, 37, 1],
    [17, 33, 65], [64, 16, 64], [65, 64, 63], [128, 128, 128], [127, 129, 128], [129, 127, 131],
    [300, 257, 310], [3, 5, 5000],
  ];
  for (const [m, k, n] of shapes) {
    it(`${m}×${k}×${n} (seed ${seed})`, async () => {
      await expectTwins(m, k, n, new Random(seed + m * 7 + k * 131 + n * 1031));
    });
  }

  for (const [m, k, n] of [[0, 5, 7], [5, 0, 7], [5, 7, 0], [0, 0, 0]] as const) {
    it(`a zero-length dimension: ${m}×${k}×${n}`, async () => {
      await expectTwins(m, k, n, new Random(seed));
      await expectTwins(m, k, n, new Random(seed), matrix(m, n, new Random(seed + 1)));
    });
  }

  for (const [m, k, n] of [[17, 33, 65], [127, 129, 128], [1, 1, 1]] as const) {
    it(`accumulate: C = A·B + C, ${m}×${k}×${n} (seed ${seed})`, async () => {
      const random = new Random(seed + 5 + m);
      await expectTwins(m, k, n, random, matrix(m, n, random));
    });
  }

  it(`inputs in shared memory, as the array module's blocks are (seed ${seed})`, async () => {
    const random = new Random(seed + 12);
    const [m, k, n] = [30, 20, 10];
    const shared = (x: Float32Array): Float32Array => {
      const out = new Float32Array(new SharedArrayBuffer(x.byteLength));
      out.set(x);
      return out;
    };
    const a = shared(matrix(m, k, random));
    const b = shared(matrix(k, n, random));
    const acc = shared(matrix(m, n, random));
    const want = matmulReference(a, b, m, k, n, acc);
    expectMatmulClose(await matmulGpu(t.client.gpu!, a, b, m, k, n, acc), want, 1e-5, 'GPU shared');
    expectMatmulClose(matmulBlock(a, b, m, k, n, acc), want, 1e-5, 'CPU shared');
    t.countGpuCheck();
  });

  it(`NaN and ±Infinity reach exactly their row and column (seed ${seed})`, async () => {
    const random = new Random(seed + 11);
    const [m, k, n] = [40, 70, 33];
    const a = matrix(m, k, random);
    const b = matrix(k, n, random);
    a[3 * k + 5] = Number.NaN;
    a[20 * k + 9] = Number.POSITIVE_INFINITY;
    b[4 * n + 30] = Number.NEGATIVE_INFINITY;
    b[69 * n + 0] = -0;
    const want = matmulReference(a, b, m, k, n);
    expectMatmulClose(matmulBlock(a, b, m, k, n), want, 1e-5, 'CPU specials');
    expectMatmulClose(await matmulGpu(t.client.gpu!, a, b, m, k, n), want, 1e-5, 'GPU specials');
    t.countGpuCheck();
  });
});

describe('matmul windows and tiles', () => {
  it('tiles fit the device: 4 × 4 outputs per invocation', () => {
    const gpu = t.client.gpu!;
    const tiles = matmulTiles(gpu);
    expect(tiles.threadRows * tiles.threadCols).toBe(gpu.workgroupSize);
    expect([tiles.rows, tiles.cols]).toEqual([tiles.threadRows * 4, tiles.threadCols * 4]);
    expect((tiles.rows + tiles.cols) * tiles.tileK * 4).toBeLessThanOrEqual(gpu.device.limits.maxComputeWorkgroupStorageSize);
  });

  it('the 16 KiB cap cuts rows, inner steps and columns, and each binding fits', () => {
    const gpu = t.client.gpu!;
    const words = gpu.maxBindingSize / 4 - (gpu.alignment / 4 - 1);
    for (const [m, k, n] of [[17, 33, 65], [127, 129, 128], [300, 257, 310], [3, 5, 5000]] as const) {
      const windows = matmulWindows(gpu, m, k, n);
      let covered = 0;
      for (const w of windows) {
        expect((w.rows - 1) * k + w.inner).toBeLessThanOrEqual(words);
        expect((w.inner - 1) * n + w.cols).toBeLessThanOrEqual(words);
        expect((w.rows - 1) * n + w.cols).toBeLessThanOrEqual(words);
        covered += w.rows * w.inner * w.cols;
      }
      expect(covered).toBe(m * k * n);
    }
    expect(matmulWindows(gpu, 17, 33, 65)).toHaveLength(1);
    const big = matmulWindows(gpu, 127, 129, 128);
    expect(new Set(big.map((w) => w.row0)).size).toBeGreaterThan(1);
    expect(new Set(big.map((w) => w.k0)).size).toBeGreaterThan(1);
    expect(new Set(matmulWindows(gpu, 3, 5, 5000).map((w) => w.col0)).size).toBe(2);
  });
});

describe('matmul on resident buffers', () => {
  it(`block products chained into one C across the inner dimension (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const random = new Random(seed + 21);
    const [m, k, n, split] = [70, 150, 90, 64];
    const a = matrix(m, k, random);
    const b = matrix(k, n, random);
    const want = matmulReference(a, b, m, k, n);
    const got = await withLoans(async (loans) => {
      const c = upload(gpu, new Float32Array(m * n).fill(Number.NaN), loans);
      const a0 = upload(gpu, columns(a, m, k, 0, split), loans);
      const a1 = upload(gpu, columns(a, m, k, split, k), loans);
      await matmulGpuBuffers(gpu, a0, upload(gpu, b.subarray(0, split * n), loans), c, m, split, n, false);
      await matmulGpuBuffers(gpu, a1, upload(gpu, b.subarray(split * n), loans), c, m, k - split, n, true);
      return new Float32Array(await gpu.read(c, 0, m * n * 4));
    });
    expectMatmulClose(got, want, 1e-5, 'two chained products');
    t.countGpuCheck();
  });

  it(`prepared products encode into one submit, in order (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const random = new Random(seed + 22);
    const [m, k, n] = [33, 40, 50];
    const a = matrix(m, k, random);
    const b = matrix(k, n, random);
    const b2 = matrix(k, n, random);
    const want = matmulReference(a, b, m, k, n).map((v, i) => v + matmulReference(a, b2, m, k, n)[i]!);
    const got = await withLoans(async (loans) => {
      const [aBuf, bBuf, b2Buf] = [upload(gpu, a, loans), upload(gpu, b, loans), upload(gpu, b2, loans)];
      const c = upload(gpu, new Float32Array(m * n).fill(7), loans);
      const first = await prepareMatmul(gpu, aBuf, bBuf, c, m, k, n, false);
      const second = await prepareMatmul(gpu, aBuf, b2Buf, c, m, k, n, true);
      await gpu.submit('matmul test', (encoder) => {
        first.encode(encoder);
        second.encode(encoder);
      });
      first.release();
      second.release();
      return new Float32Array(await gpu.read(c, 0, m * n * 4));
    });
    expectMatmulClose(got, Float64Array.from(want), 1e-5, 'A·B + A·B2');
    t.countGpuCheck();
  });

  it('k = 0 clears C, or leaves it when accumulating', async () => {
    const gpu = t.client.gpu!;
    const got = await withLoans(async (loans) => {
      const empty = upload(gpu, new Float32Array(0), loans);
      const cleared = upload(gpu, new Float32Array(6).fill(5), loans);
      const kept = upload(gpu, new Float32Array(6).fill(5), loans);
      await matmulGpuBuffers(gpu, empty, upload(gpu, new Float32Array(0), loans), cleared, 2, 0, 3, false);
      await matmulGpuBuffers(gpu, empty, upload(gpu, new Float32Array(0), loans), kept, 2, 0, 3, true);
      return [new Float32Array(await gpu.read(cleared, 0, 24)), new Float32Array(await gpu.read(kept, 0, 24))];
    });
    expect([...got[0]!]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...got[1]!]).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it('refuses a C that is A, and buffers too small for their shape', async () => {
    const gpu = t.client.gpu!;
    await withLoans(async (loans) => {
      const x = upload(gpu, new Float32Array(16), loans);
      const y = upload(gpu, new Float32Array(16), loans);
      await expect(matmulGpuBuffers(gpu, x, y, x, 4, 4, 4, false)).rejects.toMatchObject({ code: 'MATMUL_ALIASED' });
      await expect(matmulGpuBuffers(gpu, x, y, upload(gpu, new Float32Array(16), loans), 40, 40, 40, false)).rejects.toBeInstanceOf(DuskError);
    });
    await expect(matmulGpu(gpu, new Float32Array(5), new Float32Array(4), 2, 2, 2)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });
});
