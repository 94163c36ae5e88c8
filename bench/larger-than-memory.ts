/**
 * A larger-than-memory run for the scheduler benchmark: Parquet files several times the client's
 * `memoryLimit` (written by DuckDB), then, each in a fresh child process so that its peak RSS is
 * its own, a groupby, a filter, and a persist() of most of the data followed by a groupby over
 * it (which spills above the limit and reads back). Reports wall time, peak RSS and bytes
 * spilled; the README states the bound: the limit plus 128 MB plus 192 MB per CPU worker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from './table.js';

const MB = 2 ** 20;
const FILES = 4;

const QUERIES: Record<string, string> = {
  groupby: "await df.groupBy('k').agg({ v: ['sum', 'mean'], w: 'max', s: 'count' }).compute()",
  filter: "await df.filter(col('v').lt(0.5).and(col('k').eq(7))).compute()",
  'persist 70% + groupby': "await (await df.filter(col('k').lt(700)).persist()).groupBy('s').agg({ v: 'sum', w: 'mean' }).compute()",
};

export interface LargerResult {
  table: string;
  rows: Record<string, unknown>[];
  notes: string[];
}

async function writeData(dir: string, rows: number): Promise<string[]> {
  const files = Array.from({ length: FILES }, (_, f) => join(dir, `ltm_${rows}_${f}.parquet`));
  if (files.every((f) => existsSync(f))) return files;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  const per = Math.ceil(rows / FILES);
  for (let f = 0; f < FILES; f++) {
    await c.run(`COPY (SELECT i::BIGINT AS id, (hash(i) % 1000)::INTEGER AS k, (hash(i * 7) % 1000000) / 1e4 AS v,
        (hash(i * 13) % 1000000)::DOUBLE AS w, 'name_' || (hash(i * 3) % 5000)::VARCHAR AS s
      FROM range(${f * per}, ${Math.min(rows, (f + 1) * per)}) t(i)) TO '${files[f]}' (FORMAT parquet)`);
  }
  c.closeSync();
  duck.closeSync();
  return files;
}

/** Runs each query over `rows` rows (4 files) under `limitMb` with `workers` CPU workers. */
export async function largerThanMemory(rows: number, limitMb: number, workers: number, dir: string): Promise<LargerResult> {
  mkdirSync(dir, { recursive: true });
  const files = await writeData(dir, rows);
  const diskBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const bound = limitMb + 128 + 192 * workers;
  const out: (string | number)[][] = [];
  const rowsJson: Record<string, unknown>[] = [];
  for (const [name, query] of Object.entries(QUERIES)) {
    const script = join(dir, `ltm-child-${process.pid}.mjs`);
    writeFileSync(script, `
import { Client, readParquet, col } from ${JSON.stringify(entry)};
const client = await Client.create({ gpu: 'off', workers: ${workers}, memoryLimit: ${limitMb * MB}, scheduler: 'cpu' });
const df = readParquet(${JSON.stringify(files)});
const started = performance.now();
const result = ${query};
const ms = performance.now() - started;
const { bytesSpilled } = client.stats();
await client.close();
console.log(JSON.stringify({ ms, rows: result.numRows, maxRss: process.resourceUsage().maxRSS * 1024, bytesSpilled }));
`);
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, DUSK_GPU: 'off' } });
    if (r.status !== 0) throw new Error(`larger-than-memory ${name} failed: ${r.stderr}`);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; rows: number; maxRss: number; bytesSpilled: number };
    const peak = got.maxRss / MB;
    out.push([name, got.rows, got.ms.toFixed(0), peak.toFixed(0), (got.bytesSpilled / MB).toFixed(0), peak <= bound ? 'yes' : 'no']);
    rowsJson.push({ query: name, resultRows: got.rows, ms: got.ms, peakRssMb: peak, spilledMb: got.bytesSpilled / MB, withinBound: peak <= bound });
  }
  return {
    table: formatTable(['query', 'result rows', 'ms', 'peak RSS MB', 'spilled MB', `≤ ${bound} MB`], out),
    rows: rowsJson,
    notes: [
      `larger than memory: ${rows.toExponential(1)} rows in ${FILES} Parquet files, ${(diskBytes / MB).toFixed(0)} MB on disk, memoryLimit ${limitMb} MB, ${workers} CPU workers; each query in its own child process`,
      `bound: the limit + 128 MB + 192 MB per worker = ${bound} MB (the README's stated overhead)`,
    ],
  };
}
