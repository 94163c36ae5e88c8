/**
 * Sources, pushdown, writers and errors of the DataFrame API, checked against DuckDB on the
 * same files: globs over several files, column and predicate pushdown (explain() shows them and
 * the row groups skipped), dictionary and int64 keys, one-row and empty inputs, round trips
 * through toParquet/toCsv, and the typed errors for bad input.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client, DuskError, IoError, PlanError, SchemaError, TaskError, col, fromArrays, fromArrow, readCsv, readParquet,
} from '../../src/index.js';
import { errorToData } from '../../src/errors.js';
import { injectFaults } from '../../src/exec/executor.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-frame-io-');
let files: { parquet: string; csv: string; table: string };
let client: Client;

beforeAll(async () => {
  const c = await duck.connection();
  files = await writeDataset(c, tmp.dir, 6000, seed + 1, 500);
  // The same rows split over three files in a directory, for globs.
  mkdirSync(join(tmp.dir, 'many'), { recursive: true });
  for (let i = 0; i < 3; i++) {
    await c.run(`COPY (SELECT * FROM ${files.table} WHERE row_id % 3 = ${i} ORDER BY row_id) TO ${sqlPath(join(tmp.dir, 'many', `part${i}.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 700)`);
  }
  client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu' });
});
afterAll(async () => {
  await client.close();
  tmp.remove();
});

describe('sources and pushdown', () => {
  it('a glob over several files reads every row once', async () => {
    const df = readParquet(join(tmp.dir, 'many', '*.parquet'));
    expect(df.npartitions).toBeGreaterThanOrEqual(3);
    const got = await df.groupBy('id4').agg({ v2: 'sum', row_id: 'count' }).compute();
    const want = await duckRows(await duck.connection(), `SELECT id4, sum(v2) AS v2, count(row_id) AS row_id FROM read_parquet(${sqlPath(join(tmp.dir, 'many', '*.parquet'))}) GROUP BY id4`);
    expectSameRows(got, want, { what: 'glob groupBy' });
  });

  it('columns and filters push into the Parquet reader, which skips row groups by statistics', async () => {
    const df = readParquet(files.parquet, { columns: ['row_id', 'v1'], filters: col('row_id').lt(1200) });
    const plan = df.filter(col('v1').ge(2)).explain();
    expect(plan).toContain('columns: [row_id, v1]');
    expect(plan).toMatch(/pushed predicate: .*lt\(col\("row_id"\),lit\(1200\)\)/);
    expect(plan).toMatch(/ge\(col\("v1"\),lit\(2\)\)/);
    // DuckDB writes row groups of at least 2048 rows: 3 here, and rows < 1200 live in the first.
    expect(plan).toMatch(/row groups: 1 of 3 read \(2 skipped by statistics\)/);
    const got = await df.filter(col('v1').ge(2)).compute();
    const want = await duckRows(await duck.connection(), `SELECT row_id, v1 FROM read_parquet(${sqlPath(files.parquet)}) WHERE row_id < 1200 AND v1 >= 2`);
    expectSameRows(got, want, { what: 'pushdown' });
  });

  it('dictionary string keys from CSV group like plain strings', async () => {
    const df = readCsv(files.csv, { dtypes: { id1: 'dictionary', word: 'dictionary' }, blocksize: '50kB' });
    expect(String(df.schema.fields.find((f) => f.name === 'id1')!.type)).toMatch(/Dictionary/);
    const got = await df.groupBy(['id1', 'word']).agg({ v2: ['sum', 'max'] }).compute();
    const want = await duckRows(await duck.connection(), `SELECT id1, word, sum(v2) AS v2_sum, max(v2) AS v2_max FROM read_csv(${sqlPath(files.csv)}, allow_quoted_nulls = false) GROUP BY id1, word`);
    expectSameRows(got, want, { what: 'dictionary keys' });
  });

  it('fromArrow and fromArrays: partitions, one row, empty', async () => {
    const n = 1001;
    const k = Int32Array.from({ length: n }, (_, i) => i % 7);
    const v = Float64Array.from({ length: n }, (_, i) => i * 0.5);
    const df = fromArrays({ k, v }, { npartitions: 4 });
    expect(df.npartitions).toBe(4);
    expect(() => df.groupBy('k').agg({ v: ['sum', 'size'] as never })).toThrow(PlanError);
    const sums = await df.groupBy('k', { sort: true }).sum('v').compute();
    expect([...sums.getChild('k')!]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const expected = [0, 1, 2, 3, 4, 5, 6].map((r) => Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 === r).reduce((s, i) => s + i * 0.5, 0));
    expect([...sums.getChild('v')!]).toEqual(expected);
    const one = fromArrow(new arrow.Table({ a: arrow.vectorFromArray([5], new arrow.Int32()) }), { npartitions: 3 });
    expect(one.npartitions).toBe(1);
    expect(Number((await one.agg({ a: ['sum', 'std'] }).compute()).getChild('a_sum')!.get(0))).toBe(5);
    expect((await one.agg({ a: 'std' }).compute()).getChild('a')!.get(0)).toBeNull();
    const empty = fromArrow(new arrow.Table({ a: arrow.vectorFromArray([], new arrow.Int32()) }));
    expect(await empty.count()).toBe(0);
    const agg = await empty.agg({ a: ['count', 'sum'] }).compute();
    expect(agg.numRows).toBe(1);
    expect(Number(agg.getChild('a_count')!.get(0))).toBe(0);
    expect(agg.getChild('a_sum')!.get(0)).toBeNull();
    expect((await empty.groupBy('a').size().compute()).numRows).toBe(0);
    // Empty partitions on the workers reach the native kernels with no rows (and possibly no buffers).
    expect((await empty.filter(col('a').gt(1).and(col('a').lt(9))).compute()).numRows).toBe(0);
    expect((await empty.filter(col('a').gt(1)).agg({ a: ['sum', 'mean', 'std'] }).compute()).getChild('a_mean')!.get(0)).toBeNull();
  });
});

describe('writers', () => {
  it('toParquet writes part files DuckDB reads back; partitionOn makes hive directories', async () => {
    const out = join(tmp.dir, 'out-parquet');
    const df = readParquet(files.parquet, { blocksize: '40kB' }).filter(col('v1').isNotNull());
    await df.toParquet(out, { compression: 'zstd' });
    const parts = readdirSync(out).sort();
    expect(parts[0]).toBe('part-00000.parquet');
    expect(parts.every((p) => /^part-\d{5}\.parquet$/.test(p))).toBe(true);
    const c = await duck.connection();
    const back = await duckRows(c, `SELECT count(*), sum(v2), sum(v3) FROM read_parquet(${sqlPath(join(out, '*.parquet'))})`);
    const want = await duckRows(c, `SELECT count(*), sum(v2), sum(v3) FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 IS NOT NULL`);
    expect(back.rows[0]![0]).toBe(want.rows[0]![0]);
    expect(back.rows[0]![1]).toBe(want.rows[0]![1]);

    const hive = join(tmp.dir, 'out-hive');
    await df.select('id4', 'v2', 'row_id').filter(col('id4').lt(3).or(col('id4').isNull())).toParquet(hive, { partitionOn: ['id4'] });
    const dirs = readdirSync(hive).sort();
    expect(dirs).toContain('id4=0');
    expect(dirs).toContain('id4=__HIVE_DEFAULT_PARTITION__');
    expect(readdirSync(join(hive, 'id4=1'))[0]).toBe('part-00000.parquet');
    const byKey = await duckRows(c, `SELECT id4, count(*), sum(v2) FROM read_parquet(${sqlPath(join(hive, '*', '*.parquet'))}, hive_partitioning = true) WHERE id4 IS NOT NULL GROUP BY id4 ORDER BY id4`);
    const wantByKey = await duckRows(c, `SELECT id4::VARCHAR, count(*), sum(v2) FROM read_parquet(${sqlPath(files.parquet)}) WHERE v1 IS NOT NULL AND id4 < 3 GROUP BY id4 ORDER BY id4`);
    expect(byKey.rows.map((r) => r.map(String))).toEqual(wantByKey.rows.map((r) => r.map(String)));
    // Files inside do not repeat the partition column.
    const inner = await duckRows(c, `SELECT * FROM read_parquet(${sqlPath(join(hive, 'id4=0', 'part-00000.parquet'))}, hive_partitioning = false) LIMIT 1`);
    expect(inner.names).toEqual(['v2', 'row_id']);
  });

  it('toCsv writes numbered files that read back to the same rows', async () => {
    const df = readParquet(files.parquet, { blocksize: '40kB' }).select('row_id', 'id1', 'v2', 'word', 'flag').filter(col('row_id').lt(2000));
    await df.toCsv(join(tmp.dir, 'csv-out', 'part-*.csv'));
    const names = readdirSync(join(tmp.dir, 'csv-out')).sort();
    expect(names[0]).toBe('part-00000.csv');
    const back = await readCsv(join(tmp.dir, 'csv-out', '*.csv')).compute();
    const want = await duckRows(await duck.connection(), `SELECT row_id, id1, v2, word, flag FROM read_parquet(${sqlPath(files.parquet)}) WHERE row_id < 2000`);
    expectSameRows(back, want, { what: 'csv round trip' });
  });
});

describe('bad input raises typed errors', () => {
  it('unknown column: SchemaError listing the columns, at the call', () => {
    const df = readParquet(files.parquet);
    expect(() => df.select('nope')).toThrow(SchemaError);
    expect(() => df.filter(col('nope').gt(1))).toThrow(/the columns are: row_id, id1/);
    expect(() => df.groupBy('nope')).toThrow(SchemaError);
    expect(() => df.agg({ nope: 'sum' })).toThrow(SchemaError);
  });

  it('type mismatch: PlanError before any data is read', () => {
    const df = readParquet(files.parquet);
    expect(() => df.filter(col('word').gt(1))).toThrow(PlanError);
    expect(() => df.filter(col('v1'))).toThrow(/boolean/);
    expect(() => df.agg({ word: 'sum' })).toThrow(PlanError);
    expect(() => df.assign({ x: col('word').add(1) })).toThrow(PlanError);
  });

  it('a missing path, a truncated or garbage Parquet file: IoError naming the file', () => {
    expect(() => readParquet(join(tmp.dir, 'missing.parquet'))).toThrow(IoError);
    expect(() => readParquet(join(tmp.dir, 'nothing-*.parquet'))).toThrow(/nothing-\*/);
    const bytes = readFileSync(files.parquet);
    const truncated = join(tmp.dir, 'truncated.parquet');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    expect(() => readParquet(truncated)).toThrow(IoError);
    expect(() => readParquet(truncated)).toThrow(/truncated\.parquet/);
    const garbage = join(tmp.dir, 'garbage.parquet');
    writeFileSync(garbage, 'this is not parquet at all, not even close');
    expect(() => readParquet(garbage)).toThrow(IoError);
    expect(() => readCsv(join(tmp.dir, 'missing.csv'))).toThrow(IoError);
  });

  it('a CSV value that does not fit its type rejects compute with a TaskError whose cause is CSV_TYPE', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 20000; i++) lines.push(`${i},${i % 3}`);
    lines.push('oops,1');
    const path = join(tmp.dir, 'late-bad.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const df = readCsv(path, { blocksize: '30kB' });
    const error = await df.agg({ a: 'sum' }).compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    const cause = (error as TaskError).cause;
    expect(cause).toBeInstanceOf(IoError);
    expect((cause as IoError).code).toBe('CSV_TYPE');
    expect((cause as IoError).message).toMatch(/late-bad\.csv: line 20002, column "a"/);
    expect((cause as IoError).message).toMatch(/dtypes/);
    expect((error as TaskError).partition).toBeGreaterThan(0);
  });

  it('an int64 sum out of range rejects with OVERFLOW; partial overflow that cancels out is fine', async () => {
    const big = 2n ** 62n;
    const df = fromArrow(new arrow.Table({ k: arrow.vectorFromArray([1, 1, 1, 2, 2], new arrow.Int32()), v: arrow.vectorFromArray([big, big, big, big, -big], new arrow.Int64()) }), { npartitions: 5 });
    const error = await df.groupBy('k').sum('v').compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(((error as TaskError).cause as DuskError).code).toBe('OVERFLOW');
    const fine = fromArrow(new arrow.Table({ v: arrow.vectorFromArray([big, big, -big, -big, 5n], new arrow.Int64()) }), { npartitions: 5 });
    expect((await fine.agg({ v: 'sum' }).compute()).getChild('v')!.get(0)).toBe(5n);
  });

  it('a job that fails after some partitions were written leaves no file at all, hidden or not', async () => {
    const df = readParquet(files.parquet, { blocksize: '40kB' });
    // Partition 1 fails, the others (the first among them, most likely) are written before.
    expect(df.select('id4', 'v2').npartitions).toBeGreaterThan(2);
    injectFaults((a) => (a.family === 'partition' && a.partition === 1 ? { kind: 'throw', error: errorToData(new DuskError('OVERFLOW', 'staged failure')) } : null));
    try {
      const out = join(tmp.dir, 'failed-parquet');
      await expect(df.toParquet(out)).rejects.toThrow(/staged failure/);
      expect(readdirSync(out)).toEqual([]);
      const hive = join(tmp.dir, 'failed-hive');
      await expect(df.select('id4', 'v2').toParquet(hive, { partitionOn: ['id4'] })).rejects.toThrow(/staged failure/);
      for (const d of readdirSync(hive)) expect(readdirSync(join(hive, d))).toEqual([]);
      const csv = join(tmp.dir, 'failed-csv');
      await expect(df.toCsv(join(csv, 'part-*.csv'))).rejects.toThrow(/staged failure/);
      expect(existsSync(csv) ? readdirSync(csv) : []).toEqual([]);
    } finally {
      injectFaults(null);
    }
  });

  it('toParquet writes each partition as its task finishes (hidden until the job commits)', async () => {
    const df = readParquet(files.parquet, { blocksize: '40kB' });
    const n = df.npartitions;
    // More partitions than tasks in flight (workers × 2): the last starts after a lane has
    // finished a partition, written it included.
    expect(n).toBeGreaterThan(4);
    const out = join(tmp.dir, 'streamed');
    let stagedWhenLastStarted = -1;
    injectFaults((a) => {
      if (a.family === 'partition' && a.partition === n - 1) {
        const names = readdirSync(out);
        stagedWhenLastStarted = names.filter((f) => f.startsWith('.dusk-staged-')).length;
        expect(names.filter((f) => !f.startsWith('.'))).toEqual([]);
      }
      return null;
    });
    try {
      await df.toParquet(out);
    } finally {
      injectFaults(null);
    }
    expect(stagedWhenLastStarted).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual(Array.from({ length: n }, (_, i) => `part-${String(i).padStart(5, '0')}.parquet`));
  });

  it('toCsv without a star over several partitions is refused and writes nothing', async () => {
    const target = join(tmp.dir, 'one-name', 'all.csv');
    const error = await readParquet(files.parquet, { blocksize: '40kB' }).toCsv(target).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_PATH' });
    expect(existsSync(join(tmp.dir, 'one-name')) ? readdirSync(join(tmp.dir, 'one-name')) : []).toEqual([]);
  });

  it('a failed write leaves no half-written file', async () => {
    const target = join(tmp.dir, 'blocked');
    writeFileSync(target, 'a file where the directory should be');
    const df = readParquet(files.parquet);
    await expect(df.toParquet(target)).rejects.toThrow(IoError);
    expect(readFileSync(target, 'utf8')).toBe('a file where the directory should be');
    expect(existsSync(join(tmp.dir, 'blocked', 'part-00000.parquet'))).toBe(false);
  });
});
