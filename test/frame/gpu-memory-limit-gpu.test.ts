/**
 * gpuMemoryLimit smaller than a partition's buffers: the GPU pool refuses the loan, the retry
 * finds it still full, and the partition runs on the host (the CPU twin) instead of failing the
 * computation; client.stats().gpuFallbacks says why, and the answer is DuckDB's. Partitions
 * that fit stay on the GPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquet } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { useClient } from '../util/gpu.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-gpu-limit-');
// 256 KiB of device memory: a 4000-row partition's columns and hash table do not fit, 200 rows do.
const t = useClient({ scheduler: 'gpu', gpuMemoryLimit: 256 * 1024 });
let files: { parquet: string; csv: string; table: string };

beforeAll(async () => {
  files = await writeDataset(await duck.connection(), tmp.dir, 8000, seed + 9, 4000);
});
afterAll(() => tmp.remove());

describe(`a GPU memory pool too small for a partition (seed ${seed})`, () => {
  it('runs the partitions that do not fit on the CPU, and the answer is right', async () => {
    const q = readParquet(files.parquet).groupBy('id4').agg({ v3: 'sum', v1: 'count' });
    const before = t.client.stats();
    const got = await q.compute();
    const after = t.client.stats();
    const fallbacks = after.gpuFallbacks.slice(before.gpuFallbacks.length);
    expect(fallbacks.length).toBeGreaterThan(0);
    expect(fallbacks[0]).toMatch(/the GPU memory pool cannot hold it \(.*gpuMemoryLimit/);
    expect(after.tasks.cpu).toBeGreaterThan(before.tasks.cpu);
    const want = await duckRows(await duck.connection(),
      `SELECT id4, sum(v3) AS v3, count(v1) AS v1 FROM read_parquet(${sqlPath(files.parquet)}) GROUP BY id4`);
    expectSameRows(got, want, { what: 'groupBy under a small gpuMemoryLimit', rel: 1e-12 });
  });

  it('keeps partitions that fit on the GPU', async () => {
    const q = readParquet(files.parquet, { blocksize: '4kB' }).groupBy('id4').agg({ v3: 'sum' });
    const before = t.client.stats().tasks.gpu;
    const got = await q.compute();
    t.countGpuCheck();
    expect(t.client.stats().tasks.gpu).toBeGreaterThan(before);
    const want = await duckRows(await duck.connection(), `SELECT id4, sum(v3) AS v3 FROM read_parquet(${sqlPath(files.parquet)}) GROUP BY id4`);
    expectSameRows(got, want, { what: 'small partitions on the GPU', rel: 1e-12 });
  });
});
