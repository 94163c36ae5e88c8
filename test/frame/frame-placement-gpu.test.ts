/**
 * The scheduler's placement loop with a real GPU (llvmpipe in CI): a groupby and a filter whose
 * partitions have GPU kernels are placed per partition by the cost model, both devices take
 * partitions of the same stage, the answers are DuckDB's, and client.stats() lists each
 * decision with its reason. 'auto' never places work on a software GPU by itself, so here the
 * placer is told llvmpipe is hardware (`gpuSoftware: false`), the way 'auto' treats a real GPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/exec/executor.js';
import { concatTables, runStages } from '../../src/exec/run-stage.js';
import { physicalPlan } from '../../src/frame/compute-plan.js';
import type { DataFrame } from '../../src/frame/data-frame.js';
import { col, readParquet } from '../../src/index.js';
import { CostModel } from '../../src/sched/cost-model.js';
import { Placer } from '../../src/sched/placer.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { useClient } from '../util/gpu.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-placement-gpu-');
const t = useClient({ scheduler: 'gpu' });
let files: { parquet: string; csv: string; table: string };

beforeAll(async () => {
  files = await writeDataset(await duck.connection(), tmp.dir, 9000, seed + 5, 500);
});
afterAll(() => tmp.remove());

/** Runs `df` with a placer in 'auto' whose model says the GPU is twice as fast as one CPU worker. */
async function runPlaced(df: DataFrame, family: string) {
  const ctx = t.client.execContext();
  const model = new CostModel();
  for (let i = 0; i < 10; i++) {
    model.observe(family, 'cpu', 1e5, 2);
    model.observe(family, 'gpu', 1e5, 1);
  }
  const log: string[] = [];
  ctx.placer = new Placer({ mode: 'auto', gpuAvailable: true, gpuSoftware: false, cpuWorkers: ctx.workers, model, log });
  const events: TaskEvent[] = [];
  ctx.onTask = (e) => events.push(e);
  const stage = physicalPlan(df.plan, t.client);
  const table = concatTables(await runStages(stage, ctx), df.plan.schema);
  return { table, log, model, partitions: events.filter((e) => e.kind === 'partition') };
}

describe(`placement per partition between the GPU and the CPU workers (seed ${seed})`, () => {
  it('a groupby: both devices take partitions, the model learns, and DuckDB agrees', async () => {
    const df = readParquet(files.parquet, { blocksize: '16kB' }).filter(col('v1').ge(2)).groupBy('id4').agg({ v3: 'sum', v1: 'count' });
    const { table, log, model, partitions } = await runPlaced(df, 'group-by');
    t.countGpuCheck();
    expect(partitions.length).toBeGreaterThan(4);
    expect(partitions.some((e) => e.device === 'gpu')).toBe(true);
    expect(partitions.some((e) => e.device === 'cpu')).toBe(true);
    expect(log).toHaveLength(partitions.length);
    expect(log.some((l) => /: gpu: est\. .* vs cpu /.test(l))).toBe(true);
    expect(log.some((l) => /: cpu: est\. .* vs gpu /.test(l))).toBe(true);
    expect(model.observed('group-by', 'gpu') + model.observed('group-by', 'cpu')).toBe(20 + partitions.length);
    const want = await duckRows(await duck.connection(),
      `SELECT id4, sum(v3) AS v3, count(v1) AS v1 FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 >= 2 GROUP BY id4`);
    expectSameRows(table, want, { what: 'placed groupBy', rel: 1e-12 });
  });

  it('a filter with a computed column: both devices take partitions, rows in order as DuckDB has them', async () => {
    const df = readParquet(files.parquet, { blocksize: '16kB' }).filter(col('v3').gt(40)).assign({ w: col('v3').mul(2) }).select('id4', 'v3', 'w');
    const { table, partitions } = await runPlaced(df, 'filter');
    t.countGpuCheck();
    expect(partitions.some((e) => e.device === 'gpu')).toBe(true);
    expect(partitions.some((e) => e.device === 'cpu')).toBe(true);
    const want = await duckRows(await duck.connection(),
      `SELECT id4, v3, v3 * 2 AS w FROM read_parquet(${sqlPath(files.parquet)}) WHERE v3 > 40`);
    expectSameRows(table, want, { what: 'placed filter', ordered: true });
  });

  it("client.stats() lists the decisions of scheduler 'gpu' with their reason", async () => {
    await readParquet(files.parquet, { blocksize: '16kB' }).groupBy('id4').agg({ v3: 'sum' }).compute();
    const { placements } = t.client.stats();
    expect(placements.length).toBeGreaterThan(0);
    expect(placements.at(-1)).toMatch(/^read.*groupBy, partition \d+: gpu: scheduler 'gpu'; est\./);
  });
});
