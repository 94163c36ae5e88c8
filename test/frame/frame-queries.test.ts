/**
 * Every DataFrame operation against DuckDB running the same query on the same file: random
 * data with null keys, NaN, int64 keys and values, strings and booleans, in a Parquet file with
 * many row groups (many partitions) and the same rows as CSV. Each query runs on the CPU
 * workers and on the main thread ('sync').
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, col, readCsv, readParquet, type DataFrame } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-frame-');
let files: { parquet: string; csv: string; table: string };
const ROWS = 9_500;

beforeAll(async () => {
  files = await writeDataset(await duck.connection(), tmp.dir, ROWS, seed, 1000);
});
afterAll(() => tmp.remove());

import { QUERIES } from './frame-query-cases.js';

const SCHEDULERS = ['cpu', 'sync'] as const;

for (const scheduler of SCHEDULERS) {
  describe(`queries against DuckDB (scheduler ${scheduler}, seed ${seed})`, () => {
    let client: Client;
    beforeAll(async () => {
      client = await Client.create({ gpu: 'off', workers: 2, scheduler });
    });
    afterAll(async () => client.close());

    for (const format of ['parquet', 'csv'] as const) {
      const open = (): DataFrame => (format === 'parquet'
        ? readParquet(files.parquet, { blocksize: '20kB' })
        : readCsv(files.csv, { blocksize: '64kB' }));
      for (const q of QUERIES) {
        it(`${format}: ${q.name}`, async () => {
          // A quoted empty field is an empty string (Dusk's contract), not DuckDB's default null.
          const from = format === 'parquet' ? `read_parquet(${sqlPath(files.parquet)})` : `read_csv(${sqlPath(files.csv)}, allow_quoted_nulls = false)`;
          const df = open();
          expect(df.npartitions).toBeGreaterThan(1);
          const got = await q.dusk(df).compute();
          const want = await duckRows(await duck.connection(), q.sql.replaceAll('{t}', from));
          expectSameRows(got, want, { ordered: q.ordered === true, rel: q.rel ?? 1e-12, what: `${format} ${q.name}` });
        });
      }
    }

    it('count, head and persist', async () => {
      const df = readParquet(files.parquet, { blocksize: '20kB' });
      expect(await df.count()).toBe(ROWS);
      const filtered = df.filter(col('v1').eq(1));
      const c = await duck.connection();
      const { rows } = await duckRows(c, `SELECT count(*) FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 = 1`);
      expect(await filtered.count()).toBe(Number(rows[0]![0]));
      const head = await df.head(7);
      expect(head.numRows).toBe(7);
      expect([...head.getChild('row_id')!].map(Number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const persisted = await filtered.persist();
      expect(persisted.npartitions).toBeGreaterThanOrEqual(filtered.npartitions);
      expect(await persisted.count()).toBe(Number(rows[0]![0]));
      const again = await persisted.groupBy('id1').sum('v2').compute();
      const want = await duckRows(c, `SELECT id1, sum(v2) AS v2 FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 = 1 GROUP BY id1`);
      expectSameRows(again, want, { what: 'persisted groupBy' });
      await persisted.unpersist();
      await expect(persisted.compute()).rejects.toThrow(/unpersist/);
    });

    it('describe matches DuckDB (quartiles within 0.1% of the range)', async () => {
      const df = readParquet(files.parquet, { blocksize: '20kB' }).select('v1', 'v2', 'v3');
      const got = await df.describe();
      expect(got.getChild('statistic')!.toArray()).toEqual(['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max']);
      const c = await duck.connection();
      for (const column of ['v1', 'v2', 'v3']) {
        const { rows } = await duckRows(c, `SELECT count(${column}), avg(${column}), stddev_samp(${column}), min(${column}),
            quantile_cont(${column}, 0.25), quantile_cont(${column}, 0.5), quantile_cont(${column}, 0.75), max(${column})
          FROM read_parquet(${sqlPath(files.parquet)})`);
        const want = rows[0]!.map(Number);
        const have = [...got.getChild(column)!].map(Number);
        const range = want[7]! - want[3]!;
        for (let i = 0; i < 8; i++) {
          const tol = i >= 4 && i <= 6 ? 0.001 * range : 1e-9 * Math.abs(want[i]!);
          expect(Math.abs(have[i]! - want[i]!), `${column} ${i}`).toBeLessThanOrEqual(tol);
        }
      }
    });
  });
}
