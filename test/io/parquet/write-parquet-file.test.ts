/**
 * writeParquetFile and splitForHive, checked by reading the files back with DuckDB and with
 * readParquetPiece: every codec, dictionary columns, 64-bit extremes, nulls, NaN, empty tables,
 * hive directories with null and odd values, and failed writes that leave nothing behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError, SchemaError } from '../../../src/errors.js';
import { atomicWrite } from '../../../src/io/atomic-write.js';
import { openParquetDataset, planParquetPieces } from '../../../src/io/parquet/parquet-dataset.js';
import { readParquetPiece } from '../../../src/io/parquet/read-parquet-piece.js';
import { splitForHive, writeParquetFile, type ParquetCompression } from '../../../src/io/parquet/write-parquet-file.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';
import { concatTables, duckRows, expectSameRows, tableRows } from './parquet-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-pq-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();
const dict = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());

/** A table of `n` random rows (ids 0..n-1) over the types the writer must round-trip, in two batches. */
function sample(seed: number, n: number): arrow.Table {
  const r = new Random(seed);
  const pick = <T>(values: T[]) => values[r.int(0, values.length - 1)]!;
  let next = 0;
  const part = (m: number) =>
    new arrow.Table({
      id: arrow.vectorFromArray(Array.from({ length: m }, () => next++), new arrow.Int32()),
      i64: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, -(2n ** 63n), 2n ** 63n - 1n, r.bits64(true)])), new arrow.Int64()),
      u64: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, 0n, 2n ** 64n - 1n, r.bits64(false)])), new arrow.Uint64()),
      f64: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, NaN, Infinity, -Infinity, -0, r.next() * 1e6 - 5e5])), new arrow.Float64()),
      f32: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, NaN, Math.fround(r.next())])), new arrow.Float32()),
      i8: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, -128, 127, r.int(-128, 127)])), new arrow.Int8()),
      b: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, true, false])), new arrow.Bool()),
      s: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, '', 'ü🦆', `s${r.int(0, 50)}`])), new arrow.Utf8()),
      d: arrow.vectorFromArray(Array.from({ length: m }, () => pick([null, 'red', 'green', `c${r.int(0, 5)}`])), dict()),
    });
  return part(Math.floor(n / 3)).concat(part(n - Math.floor(n / 3)));
}

function files(path: string): string[] {
  return readdirSync(path, { recursive: true, encoding: 'utf8' }).sort();
}

describe('writeParquetFile', () => {
  const seed = testSeed();
  for (const compression of ['snappy', 'zstd', 'uncompressed'] as ParquetCompression[]) {
    it(`round-trips through DuckDB and readParquetPiece with ${compression} (seed ${seed})`, async () => {
      const table = sample(seed, 3000);
      const file = join(dir, `rt-${compression}.parquet`);
      await writeParquetFile(table, file, { compression });
      const c = await duck.connection();
      const codecs = await duckRows(c, `SELECT DISTINCT compression FROM parquet_metadata(${sqlPath(file)})`);
      expect(codecs).toEqual([[compression.toUpperCase()]]);
      expectSameRows(await duckRows(c, `SELECT * FROM ${sqlPath(file)}`), tableRows(table), `DuckDB ${compression}`);
      const ds = openParquetDataset(file);
      // Strings the writer dictionary-encoded (all of these: few distinct values) come back as dictionaries.
      expect(ds.schema.fields.map((f) => String(f.type))).toEqual(
        table.schema.fields.map((f) => (f.name === 's' ? 'Dictionary<Int32, Utf8>' : String(f.type))),
      );
      const columns = ds.schema.fields.map((f) => f.name);
      const { pieces } = planParquetPieces(ds, { columns, predicate: null, blocksize: 1e9 });
      const back = await Promise.all(pieces.map((p) => readParquetPiece(p, columns)));
      expectSameRows(tableRows(concatTables(back, back[0]!.schema)), tableRows(table), `readParquetPiece ${compression}`);
      expect(files(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    });
  }

  it('writes an empty table with its schema', async () => {
    const table = sample(1, 10).slice(0, 0);
    const file = join(dir, 'empty.parquet');
    await writeParquetFile(table, file);
    const c = await duck.connection();
    expect(await duckRows(c, `SELECT count(*) FROM ${sqlPath(file)}`)).toEqual([[0n]]);
    const types = await duckRows(c, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${sqlPath(file)})`);
    expect(types).toEqual([
      ['id', 'INTEGER'], ['i64', 'BIGINT'], ['u64', 'UBIGINT'], ['f64', 'DOUBLE'], ['f32', 'FLOAT'],
      ['i8', 'TINYINT'], ['b', 'BOOLEAN'], ['s', 'VARCHAR'], ['d', 'VARCHAR'],
    ]);
    const ds = openParquetDataset(file);
    expect(ds.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    expect(planParquetPieces(ds, { columns: ['id'], predicate: null, blocksize: 1 }).pieces).toEqual([]);
  });

  it('replaces an existing file atomically', async () => {
    const file = join(dir, 'replace.parquet');
    await writeParquetFile(sample(2, 50), file);
    await writeParquetFile(sample(3, 7), file);
    expect(await duckRows(await duck.connection(), `SELECT count(*) FROM ${sqlPath(file)}`)).toEqual([[7n]]);
  });

  it('leaves no file and no temporary file when the write fails', async () => {
    const target = join(dir, 'fail', 'is-a-dir.parquet');
    mkdirSync(target, { recursive: true });
    const onDir = await writeParquetFile(sample(4, 10), target).then(() => null, (e: unknown) => e);
    expect(onDir).toBeInstanceOf(IoError);
    expect((onDir as IoError).code).toBe('WRITE_FAILED');
    expect((onDir as IoError).message).toContain(target);
    expect((onDir as IoError).cause).toBeDefined();
    expect(statSync(target).isDirectory()).toBe(true);

    const unwritable = new arrow.Table({
      x: arrow.makeVector(arrow.makeData({ type: new arrow.IntervalMonthDayNano(), length: 1, data: new Int32Array(4) })),
    });
    const file = join(dir, 'fail', 'interval.parquet');
    const encoding = await writeParquetFile(unwritable, file).then(() => null, (e: unknown) => e);
    expect(encoding).toBeInstanceOf(IoError);
    expect((encoding as IoError).message).toMatch(/interval\.parquet.*MonthDayNano/);
    expect(files(join(dir, 'fail'))).toEqual(['is-a-dir.parquet']);
  });
});

describe('atomicWrite', () => {
  it('writes chunks from an async source, creating directories', async () => {
    const file = join(dir, 'atomic', 'a', 'b.txt');
    await atomicWrite(file, async function* () {
      yield new TextEncoder().encode('hello ');
      yield new TextEncoder().encode('world');
    });
    expect(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8'))).toBe('hello world');
  });

  it('removes the temporary file when the source throws midway, keeping the old file', async () => {
    const file = join(dir, 'atomic', 'keep.txt');
    await atomicWrite(file, new TextEncoder().encode('old'));
    const failure = new Error('source broke');
    const error = await atomicWrite(file, async function* () {
      yield new TextEncoder().encode('partial');
      throw failure;
    }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).code).toBe('WRITE_FAILED');
    expect((error as IoError).cause).toBe(failure);
    expect(files(join(dir, 'atomic'))).toEqual(['a', 'a/b.txt', 'keep.txt']);
    expect(await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8'))).toBe('old');
  });
});

describe('splitForHive', () => {
  it('splits by partition values in order of appearance, rows in order, partition columns removed', () => {
    const table = new arrow.Table({
      k: arrow.vectorFromArray(['a', 'b', 'a', null, 'b', 'a'], new arrow.Utf8()),
      n: arrow.vectorFromArray([1, 1, 2, 1, 1, 1], new arrow.Int32()),
      v: arrow.vectorFromArray([0, 1, 2, 3, 4, 5], new arrow.Float64()),
    });
    const parts = splitForHive(table, ['k', 'n']);
    expect(parts.map((p) => [p.dir, p.values, tableRows(p.table)])).toEqual([
      ['k=a/n=1', { k: 'a', n: '1' }, [[0], [5]]],
      ['k=b/n=1', { k: 'b', n: '1' }, [[1], [4]]],
      ['k=a/n=2', { k: 'a', n: '2' }, [[2]]],
      ['k=__HIVE_DEFAULT_PARTITION__/n=1', { k: null, n: '1' }, [[3]]],
    ]);
    expect(parts[0]!.table.schema.fields.map((f) => f.name)).toEqual(['v']);
  });

  const seed = testSeed();
  it(`writes what DuckDB reads back as hive partitions, with nulls and odd characters (seed ${seed})`, async () => {
    const r = new Random(seed);
    const keys = ['eu', 'a/b', 'x=y', '50%', 'sp ace', 'ü🦆', '?:&#*', '', null];
    const n = 2000;
    const base = sample(seed, n);
    const table = base.assign(
      new arrow.Table({
        region: arrow.vectorFromArray(Array.from({ length: n }, () => keys[r.int(0, keys.length - 1)]!), dict()),
        year: arrow.vectorFromArray(Array.from({ length: n }, () => r.int(2020, 2022)), new arrow.Int16()),
      }),
    );
    const out = join(dir, `hive-${seed}`);
    for (const part of splitForHive(table, ['region', 'year'])) await writeParquetFile(part.table, join(out, part.dir, 'part-00000.parquet'));
    const c = await duck.connection();
    const columns = ['id', 'i64', 'u64', 'f64', 's', 'd', 'region', 'year'];
    const theirs = await duckRows(
      c,
      `SELECT id, i64, u64, f64, s, d, region, year::VARCHAR FROM read_parquet(${sqlPath(join(out, '**', '*.parquet'))}, hive_partitioning = true)
       ORDER BY id`,
    );
    const ours = tableRows(table.select(columns)).map((row) => row.map((v, i) => (i === 7 ? String(v) : v)));
    expectSameRows(theirs, ours, 'hive via DuckDB');
    // And Dusk's own reader finds the same partitions.
    const ds = openParquetDataset(out);
    expect(ds.hive.map((h) => h.name)).toEqual(['region', 'year']);
    expect(new Set(ds.hive[0]!.values)).toEqual(new Set(keys.filter((k) => ours.some((row) => row[6] === k))));
  });

  it('rejects unknown and unsupported partition columns', () => {
    const table = new arrow.Table({ t: arrow.vectorFromArray([1], new arrow.TimestampMillisecond()), v: arrow.vectorFromArray([1]) });
    expect(() => splitForHive(table, ['nope'])).toThrow(SchemaError);
    expect(() => splitForHive(table, ['t'])).toThrow(/cannot partition on column 't'/);
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });
});
