/**
 * Shuffles larger than `memoryLimit`: a hash join, a sort and a dropDuplicates over data several
 * times the limit spill their pieces through the memory manager and still give DuckDB's answer
 * on the same files; nothing is left in the spill directory after the query, after close(), and
 * after a query that failed halfway.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, TaskError, readParquet } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-shuffle-spill-');
const ROWS = 60_000;
/** The two sides hold about 2.4 MB and 1.9 MB as Arrow: the limit is a fraction of either. */
const LIMIT = 400_000;
let a: string;
let b: string;
let spillDir: string;

beforeAll(async () => {
  const c = await duck.connection();
  await c.run(`SELECT setseed(${(seed % 1000) / 1000})`);
  a = join(tmp.dir, 'a.parquet');
  b = join(tmp.dir, 'b.parquet');
  await c.run(`COPY (SELECT range AS id, (random() * 50000)::INTEGER AS k, random() * 100 AS v, 'w' || (random() * 300)::INTEGER AS word FROM range(${ROWS}))
    TO ${sqlPath(a)} (FORMAT parquet, ROW_GROUP_SIZE 4000)`);
  await c.run(`COPY (SELECT range AS rid, (random() * 60000)::INTEGER AS k, random() AS u FROM range(${ROWS}))
    TO ${sqlPath(b)} (FORMAT parquet, ROW_GROUP_SIZE 4000)`);
});
afterAll(() => tmp.remove());

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe(`shuffles over ${LIMIT} bytes of memoryLimit (seed ${seed})`, () => {
  let client: Client;
  beforeEach(async () => {
    spillDir = await mkdtemp(join(tmpdir(), 'dusk-shuffle-spill-dir-'));
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', memoryLimit: LIMIT, spillDir });
  });
  afterEach(async () => {
    await client.close();
    expect(await filesUnder(spillDir)).toEqual([]);
    await rm(spillDir, { recursive: true, force: true });
  });

  it('a hash join spills its pieces and gives DuckDB\'s rows', async () => {
    const got = await readParquet(a, { blocksize: '300kB' }).merge(readParquet(b, { blocksize: '300kB' }), { on: 'k', broadcast: false, how: 'outer' }).compute();
    const want = await duckRows(await duck.connection(), `SELECT coalesce(x.k, y.k) AS k, x.id, x.v, x.word, y.rid, y.u
      FROM read_parquet(${sqlPath(a)}) x FULL JOIN read_parquet(${sqlPath(b)}) y ON x.k = y.k`);
    expectSameRows(got.select(['k', 'id', 'v', 'word', 'rid', 'u']), want, { what: 'spilled join' });
    expect(client.stats().bytesSpilled).toBeGreaterThan(LIMIT);
    expect(await filesUnder(spillDir)).toEqual([]);
  });

  it('a sort and a dropDuplicates spill and give DuckDB\'s rows in order', async () => {
    const sorted = await readParquet(a, { blocksize: '300kB' }).sortValues(['word', 'v'], { ascending: [false, true] }).select('id').compute();
    const want = await duckRows(await duck.connection(), `SELECT id FROM read_parquet(${sqlPath(a)}) ORDER BY word DESC, v, id`);
    expectSameRows(sorted, want, { ordered: true, what: 'spilled sort' });
    const distinct = await readParquet(a, { blocksize: '300kB' }).dropDuplicates({ subset: ['k'], keep: 'last' }).select('id').compute();
    const want2 = await duckRows(await duck.connection(), `SELECT id FROM read_parquet(${sqlPath(a)}) QUALIFY row_number() OVER (PARTITION BY k ORDER BY id DESC) = 1 ORDER BY id`);
    expectSameRows(distinct, want2, { ordered: true, what: 'spilled dropDuplicates' });
    expect(client.stats().bytesSpilled).toBeGreaterThan(LIMIT);
  });

  it('a join that fails after its shuffle leaves no spill file', async () => {
    const failing = readParquet(a, { blocksize: '300kB' }).merge(readParquet(b, { blocksize: '300kB' }), { on: 'k', broadcast: false })
      .mapPartitions((batch, i) => {
        if (i === 1) throw new Error('boom');
        return batch;
      });
    await expect(failing.compute()).rejects.toBeInstanceOf(TaskError);
    expect(await filesUnder(spillDir)).toEqual([]);
  });
});
