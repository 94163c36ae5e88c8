/**
 * Larger than memory, measured from outside: a groupby and a filter over a Parquet dataset four
 * times larger (on disk) than the client's `memoryLimit` run in a child process, which reports
 * its peak resident set (`maxRSS`, the kernel's own count, threads included). The answers are
 * DuckDB's; the peak stays under the limit plus the fixed overhead the README states: 128 MB
 * for the process (Node, Arrow, parquet-wasm, the client) and 192 MB per CPU worker (its V8
 * heap, its parquet-wasm instance, whose memory only grows, and the decoded blocks it has
 * dropped but not yet collected: V8 collects ArrayBuffers lazily, later when CPUs are busy).
 * What keeps it there: the default block size and the reads in flight follow the limit
 * (sched/blocksize.ts). With 128 MB blocks, the default before they did, the same groupby peaks
 * near 800 MB.
 */
import * as arrow from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { duckRows, expectSameRows } from '../frame/frame-oracle.js';

const duck = useDuckDB();
const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = join(root, 'dist/src/index.js');
const MB = 2 ** 20;
const LIMIT = 128 * MB;
const WORKERS = 2;
/** The fixed overhead the README states: 128 MB for the process, 192 MB per CPU worker. */
const OVERHEAD = 128 * MB + WORKERS * 192 * MB;
const FILES = 4;
/** About 18.5 bytes a row on disk: 4 files of ~148 MB, over four times the limit. */
const ROWS = 32_000_000;

let dir = '';
let glob = '';

interface ChildReport {
  maxRss: number;
  partitions: number;
  stats: { bytesSpilled: number; tasks: { cpu: number } };
}

/** Runs `query` ('groupby' or 'filter') in a child process; its result lands in `dir/<query>.arrow`. */
function runChild(query: 'groupby' | 'filter'): { report: ChildReport; table: arrow.Table } {
  const script = join(dir, `${query}.mjs`);
  writeFileSync(script, `
import { writeFileSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import { Client, readParquet, col } from ${JSON.stringify(entry)};
const client = await Client.create({ gpu: 'off', workers: ${WORKERS}, memoryLimit: ${LIMIT}, scheduler: 'cpu' });
const df = readParquet(${JSON.stringify(glob)});
const out = ${JSON.stringify(query)} === 'groupby'
  ? await df.groupBy('k').agg({ v: ['sum', 'mean'], w: 'max', s: 'count' }).compute()
  : await df.filter(col('v').lt(0.5).and(col('k').eq(7))).compute();
writeFileSync(${JSON.stringify(join(dir, `${query}.arrow`))}, arrow.tableToIPC(out));
const report = { maxRss: process.resourceUsage().maxRSS * 1024, partitions: df.npartitions, stats: client.stats() };
await client.close();
console.log(JSON.stringify(report));
`);
  // Inside the package (node_modules is ignored by git) so that 'apache-arrow' resolves from the script.
  const r = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, DUSK_GPU: 'off' } });
  expect(r.error, r.stderr).toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
  return { report, table: arrow.tableFromIPC(readFileSync(join(dir, `${query}.arrow`))) };
}

beforeAll(async () => {
  mkdirSync(join(root, 'node_modules/.dusk-test'), { recursive: true });
  dir = mkdtempSync(join(root, 'node_modules/.dusk-test/larger-than-memory-'));
  const c = await duck.connection();
  const per = ROWS / FILES;
  for (let f = 0; f < FILES; f++) {
    // DuckDB's default row groups (122,880 rows): about 2 MB of a column's pages each.
    await c.run(`COPY (SELECT i::BIGINT AS id, (hash(i) % 1000)::INTEGER AS k, (hash(i * 7) % 1000000) / 1e4 AS v,
        (hash(i * 13) % 1000000)::DOUBLE AS w, 'name_' || (hash(i * 3) % 5000)::VARCHAR AS s
      FROM range(${f * per}, ${(f + 1) * per}) t(i)) TO ${sqlPath(join(dir, `part-${f}.parquet`))} (FORMAT parquet)`);
  }
  glob = join(dir, 'part-*.parquet');
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe(`a Parquet dataset four times larger than memoryLimit (${LIMIT / MB} MB, ${WORKERS} workers)`, () => {
  it('is over four times the limit on disk', () => {
    let bytes = 0;
    for (let f = 0; f < FILES; f++) bytes += statSync(join(dir, `part-${f}.parquet`)).size;
    expect(bytes).toBeGreaterThan(4 * LIMIT);
  });

  it('groups it with DuckDB\'s answer, within the limit plus the stated overhead', async () => {
    const { report, table } = runChild('groupby');
    const want = await duckRows(await duck.connection(),
      `SELECT k, sum(v) AS v_sum, avg(v) AS v_mean, max(w) AS w, count(s) AS s FROM read_parquet(${sqlPath(glob)}) GROUP BY k`);
    expectSameRows(table, want, { rel: 1e-9, what: 'groupby k' });
    expect(report.maxRss, `peak RSS ${(report.maxRss / MB).toFixed(0)} MB`).toBeLessThanOrEqual(LIMIT + OVERHEAD);
  }, 240_000);

  it('filters it with DuckDB\'s answer, within the limit plus the stated overhead', async () => {
    const { report, table } = runChild('filter');
    const want = await duckRows(await duck.connection(),
      `SELECT * FROM read_parquet(${sqlPath(glob)}) WHERE v < 0.5 AND k = 7`);
    expect(table.numRows).toBeGreaterThan(0);
    expectSameRows(table, want, { what: 'filter v < 0.5 and k = 7' });
    expect(report.maxRss, `peak RSS ${(report.maxRss / MB).toFixed(0)} MB`).toBeLessThanOrEqual(LIMIT + OVERHEAD);
  }, 240_000);
});
