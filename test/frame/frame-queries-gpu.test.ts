/**
 * The DuckDB comparison suite with scheduler 'gpu' (on llvmpipe in CI): every query of
 * frame-query-cases.ts over the same Parquet and CSV files. Grouped aggregations the GPU supports
 * must run there — explain() says `device: gpu` and client.stats() counts GPU tasks — with the
 * stage's filters and computed columns fused on the device; the others say why they stay on the
 * CPU. q1–q5 of the db-benchmark run entirely on the GPU path, no partition falling back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, readCsv, readParquet, type DataFrame } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { useClient } from '../util/gpu.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';
import { QUERIES } from './frame-query-cases.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-frame-gpu-q-');
const t = useClient({ scheduler: 'gpu' });
let files: { parquet: string; csv: string; table: string };

beforeAll(async () => {
  files = await writeDataset(await duck.connection(), tmp.dir, 6_000, seed + 5, 1000);
});
afterAll(() => tmp.remove());

const from = (format: 'parquet' | 'csv'): string =>
  format === 'parquet' ? `read_parquet(${sqlPath(files.parquet)})` : `read_csv(${sqlPath(files.csv)}, allow_quoted_nulls = false)`;

describe(`queries against DuckDB, scheduler 'gpu' (seed ${seed})`, () => {
  for (const format of ['parquet', 'csv'] as const) {
    const open = (): DataFrame => (format === 'parquet' ? readParquet(files.parquet, { blocksize: '20kB' }) : readCsv(files.csv, { blocksize: '64kB' }));
    for (const q of QUERIES) {
      it(`${format}: ${q.name}`, async () => {
        const frame = q.dusk(open());
        const plan = frame.explain();
        const before = t.client.stats();
        const got = await frame.compute();
        const want = await duckRows(await duck.connection(), q.sql.replaceAll('{t}', from(format)));
        expectSameRows(got, want, { ordered: q.ordered === true, rel: q.rel ?? 1e-12, what: `gpu ${format} ${q.name}` });
        // A stage placed on the GPU runs there (unless statistics skipped every partition).
        if (/device: gpu/.test(plan) && Number(/(\d+) partitions?\b/.exec(plan)?.[1]) > 0) {
          expect(t.client.stats().tasks.gpu).toBeGreaterThan(before.tasks.gpu);
          t.countGpuCheck();
        }
      });
    }
  }

  // db-benchmark's questions, with this dataset's columns: id1 (string), id4/id5 (ints), v1..v3.
  const BENCH: { name: string; dusk: (df: DataFrame) => DataFrame; sql: string; rel?: number }[] = [
    { name: 'q1 sum v1 by id1', dusk: (df) => df.groupBy('id1').agg({ v1: 'sum' }), sql: 'SELECT id1, sum(v1) AS v1 FROM {t} GROUP BY id1' },
    { name: 'q2 sum v1 by id1, id4', dusk: (df) => df.groupBy(['id1', 'id4']).agg({ v1: 'sum' }), sql: 'SELECT id1, id4, sum(v1) AS v1 FROM {t} GROUP BY id1, id4' },
    { name: 'q3 sum v1, mean v3 by id5', dusk: (df) => df.groupBy('id5').agg({ v1: 'sum', v3: 'mean' }), sql: 'SELECT id5, sum(v1) AS v1, avg(v3) AS v3 FROM {t} GROUP BY id5' },
    { name: 'q4 mean v1, v2, v3 by id4', dusk: (df) => df.groupBy('id4').agg({ v1: 'mean', v2: 'mean', v3: 'mean' }), sql: 'SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM {t} GROUP BY id4' },
    { name: 'q5 sum v1, v2, v3 by id5', dusk: (df) => df.groupBy('id5').agg({ v1: 'sum', v2: 'sum', v3: 'sum' }), sql: 'SELECT id5, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM {t} GROUP BY id5' },
    {
      name: 'filter, assign, groupBy fused on the device',
      dusk: (df) => df.filter(col('v3').gt(10)).assign({ w: col('v2').add(col('v1')), b: col('id4').mod(3) }).filter(col('w').lt(8)).groupBy(['b', 'id1']).agg({ w: ['sum', 'count', 'max'], v3: ['mean', 'std'] }),
      sql: 'SELECT id4 % 3 AS b, id1, sum(v2 + v1) AS w_sum, count(v2 + v1) AS w_count, max(v2 + v1) AS w_max, avg(v3) AS v3_mean, stddev_samp(v3) AS v3_std FROM {t} WHERE v3 > 10 AND v2 + v1 < 8 GROUP BY b, id1',
      rel: 1e-9,
    },
  ];
  for (const format of ['parquet', 'csv'] as const) {
    for (const q of BENCH) {
      it(`${format}: ${q.name} runs entirely on the GPU path`, async () => {
        const df = format === 'parquet' ? readParquet(files.parquet, { blocksize: '4kB' }) : readCsv(files.csv, { blocksize: '64kB', dtypes: { id1: 'dictionary' } });
        const frame = q.dusk(df);
        const plan = frame.explain();
        expect(plan).toMatch(/device: gpu \(GPU hash groupby/);
        const partitions = Number(/(\d+) partitions?\b/.exec(plan)?.[1]);
        expect(partitions).toBeGreaterThan(1);
        const before = t.client.stats();
        const got = await frame.compute();
        const after = t.client.stats();
        // One GPU task per partition read, none sent back to the CPU.
        expect(after.tasks.gpu - before.tasks.gpu).toBe(partitions);
        expect(after.gpuFallbacks).toEqual(before.gpuFallbacks);
        t.countGpuCheck();
        const want = await duckRows(await duck.connection(), q.sql.replaceAll('{t}', from(format)));
        expectSameRows(got, want, { rel: q.rel ?? 1e-12, what: `gpu ${format} ${q.name}` });
      });
    }
  }

  it('a stage that keeps rows runs on the GPU: expressions, then the compaction kernel, then one readback', async () => {
    const df = readParquet(files.parquet, { blocksize: '4kB' });
    const frame = df.filter(col('v3').gt(20).and(col('id1').isIn(['id003', 'id007']).or(col('flag').isNull())))
      .assign({ w: col('v2').sub(col('v1')), half: col('v3').div(2) }).select('row_id', 'id1', 'w', 'half', 'flag');
    const plan = frame.explain();
    expect(plan).toMatch(/collect partitions; device: gpu/);
    const partitions = Number(/(\d+) partitions?\b/.exec(plan)?.[1]);
    const before = t.client.stats();
    const got = await frame.compute();
    expect(t.client.stats().tasks.gpu - before.tasks.gpu).toBe(partitions);
    expect(t.client.stats().gpuFallbacks).toEqual(before.gpuFallbacks);
    t.countGpuCheck();
    const want = await duckRows(await duck.connection(), `SELECT row_id, id1, v2 - v1 AS w, v3 / 2 AS half, flag FROM ${from('parquet')}
      WHERE v3 > 20 AND (id1 IN ('id003', 'id007') OR flag IS NULL)`);
    expectSameRows(got, want, { what: 'gpu collect' });
    expect(String(got.schema.fields.find((f) => f.name === 'id1')!.type)).toBe('Dictionary<Int32, Utf8>');
    // A string function has no kernel: the stage stays on the CPU and explain() says why.
    const csv = readCsv(files.csv).filter(col('word').contains('a')).select('word', 'v1');
    expect(csv.explain()).toMatch(/collect partitions; device: cpu \(contains of 'word'/);
  });

  it('explain() names why a grouped aggregation stays on the CPU', () => {
    const df = readParquet(files.parquet);
    expect(df.groupBy('id1').agg({ word: 'nunique' }).explain()).toMatch(/device: cpu \(GPU hash groupby cannot run this: nunique\(word\) runs on the CPU/);
    expect(df.groupBy('v3').agg({ v1: 'sum' }).explain()).toMatch(/device: cpu \(GPU hash groupby cannot run this: float key column 'v3'/);
    expect(df.filter(col('word').startsWith('a')).groupBy('id1').agg({ v1: 'sum' }).explain()).toMatch(/device: cpu \(GPU hash groupby cannot run this: .*startsWith/);
  });
});
