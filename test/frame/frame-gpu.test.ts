/**
 * scheduler 'gpu': whole-frame numeric aggregates (df.agg, count, describe's moments) run on the
 * GPU reduce kernels — on llvmpipe in CI — and agree with DuckDB on the same file; explain()
 * and client.stats() say where they ran. (Grouped aggregations: frame-queries-gpu.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, readParquet } from '../../src/index.js';
import { useClient } from '../util/gpu.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-frame-gpu-');
const t = useClient({ scheduler: 'gpu' });
let files: { parquet: string; csv: string; table: string };

beforeAll(async () => {
  files = await writeDataset(await duck.connection(), tmp.dir, 7000, seed + 2, 1000);
});
afterAll(() => tmp.remove());

describe(`scheduler 'gpu' (seed ${seed})`, () => {
  it('df.agg runs on the GPU reduce kernels and matches DuckDB', async () => {
    const df = readParquet(files.parquet, { blocksize: '20kB' }).filter(col('v1').ge(2));
    const q = df.agg({ v3: ['sum', 'mean', 'std', 'min', 'max', 'count'], v2: ['sum', 'var'], id4: ['min', 'max'] });
    expect(q.explain()).toMatch(/device: gpu/);
    const before = t.client.stats().tasks.gpu;
    const got = await q.compute();
    expect(t.client.stats().tasks.gpu).toBeGreaterThan(before);
    t.countGpuCheck();
    const want = await duckRows(await duck.connection(), `SELECT sum(v3) AS v3_sum, avg(v3) AS v3_mean, stddev_samp(v3) AS v3_std,
        min(v3) AS v3_min, max(v3) AS v3_max, count(v3) AS v3_count, sum(v2) AS v2_sum, var_samp(v2) AS v2_var, min(id4) AS id4_min, max(id4) AS id4_max
      FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 >= 2`);
    expectSameRows(got, want, { what: 'gpu agg', rel: 1e-12 });
  });

  it('a grouped aggregation the GPU cannot run stays on the CPU workers and explain() says why', async () => {
    const q = readParquet(files.parquet).groupBy('id1').agg({ v3: 'sum', word: 'nunique' });
    expect(q.explain()).toMatch(/device: cpu \(GPU hash groupby cannot run this: nunique\(word\) runs on the CPU/);
    const got = await q.compute();
    const want = await duckRows(await duck.connection(), `SELECT id1, sum(v3) AS v3, count(DISTINCT word) AS word FROM read_parquet(${sqlPath(files.parquet)}) GROUP BY id1`);
    expectSameRows(got, want, { what: 'cpu groupBy under gpu scheduler' });
  });

  it('describe uses the GPU for its moments', async () => {
    const got = await readParquet(files.parquet).select('v1', 'v2').describe();
    t.countGpuCheck();
    const { rows } = await duckRows(await duck.connection(), `SELECT count(v2), avg(v2), stddev_samp(v2), min(v2), max(v2) FROM read_parquet(${sqlPath(files.parquet)})`);
    const v2 = [...got.getChild('v2')!];
    expect(v2[0]).toBe(Number(rows[0]![0]));
    expect(Math.abs(v2[1]! - Number(rows[0]![1])) / Math.abs(Number(rows[0]![1]))).toBeLessThan(1e-12);
    expect(Math.abs(v2[2]! - Number(rows[0]![2])) / Number(rows[0]![2])).toBeLessThan(1e-12);
    expect(v2[3]).toBe(Number(rows[0]![3]));
    expect(v2[7]).toBe(Number(rows[0]![4]));
  });
});
