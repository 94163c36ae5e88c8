/**
 * High cardinality: 1e6 groups over 2e6 rows in several partitions, which takes the split
 * path (partials split by key hash, buckets merged in parallel), checked against DuckDB.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, readParquet } from '../../src/index.js';
import { SPLIT_GROUPS } from '../../src/exec/run-stage.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { duckRows, expectSameRows, tempDir } from './frame-oracle.js';

const duck = useDuckDB();
const tmp = tempDir('dusk-frame-large-');
const file = `${tmp.dir}/large.parquet`;
let client: Client;

beforeAll(async () => {
  const c = await duck.connection();
  await c.run('SELECT setseed(0.7)');
  await c.run(`COPY (SELECT (hash(range) % 1000000)::BIGINT AS k, 'k' || (range % 333)::VARCHAR AS s,
      (random() * 10)::INTEGER AS v, random() AS f FROM range(2000000)) TO ${sqlPath(file)} (FORMAT parquet, ROW_GROUP_SIZE 250000)`);
  client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu' });
});
afterAll(async () => {
  await client.close();
  tmp.remove();
});

it('1e6 groups: sum, count, mean and max per int64 key match DuckDB', async () => {
  const df = readParquet(file, { blocksize: '4MB' });
  expect(df.npartitions).toBeGreaterThanOrEqual(4);
  const got = await df.groupBy('k').agg({ v: ['sum', 'count'], f: ['mean', 'max'] }).compute();
  expect(got.numRows).toBeGreaterThan(SPLIT_GROUPS);
  const want = await duckRows(await duck.connection(), `SELECT k, sum(v) AS v_sum, count(v) AS v_count, avg(f) AS f_mean, max(f) AS f_max FROM read_parquet(${sqlPath(file)}) GROUP BY k`);
  expectSameRows(got, want, { what: '1e6 groups', rel: 1e-12 });
});

it('two keys, one a string: the same groups as DuckDB', async () => {
  const got = await readParquet(file, { blocksize: '4MB' }).groupBy(['s', 'v']).agg({ f: 'sum' }).compute();
  const want = await duckRows(await duck.connection(), `SELECT s, v, sum(f) AS f FROM read_parquet(${sqlPath(file)}) GROUP BY s, v`);
  expectSameRows(got, want, { what: 'string and int keys', rel: 1e-12 });
});
