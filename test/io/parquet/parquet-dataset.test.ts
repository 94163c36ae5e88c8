/**
 * openParquetDataset and planParquetPieces on files written by DuckDB: the schema and row
 * groups against DuckDB's own metadata, merging and splitting toward a blocksize, skipping by
 * statistics, globs and hive directories, and the typed errors for missing, truncated, garbage
 * and mismatched files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError, PlanError, SchemaError } from '../../../src/errors.js';
import { openParquetDataset, planParquetPieces, toRowGroupStats, type ParquetDataset } from '../../../src/io/parquet/parquet-dataset.js';
import { col } from '../../../src/plan/expr.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { ALL_TYPES_SELECT, duckRows, duckWrite } from './parquet-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-pq-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();
const ROWS = 10_000;
const main = join(dir, 'main.parquet');

beforeAll(async () => {
  const c = await duck.connection();
  await duckWrite(c, main, ALL_TYPES_SELECT, ROWS, 2048);
  mkdirSync(join(dir, 'many', 'sub'), { recursive: true });
  for (const [i, f] of ['many/p0.parquet', 'many/p1.parquet', 'many/sub/p2.parquet'].entries()) {
    await c.run(`COPY (SELECT (i + ${i * 1000})::BIGINT AS id, 'f${i}' AS s FROM range(1000) t(i)) TO ${sqlPath(join(dir, f))} (FORMAT parquet)`);
  }
  await c.run(`COPY (SELECT i::BIGINT AS id, (i % 3)::INTEGER AS year, ['eu', 'us/west', NULL][(i % 3) + 1] AS region, i * 2 AS v
    FROM range(3000) t(i)) TO ${sqlPath(join(dir, 'hive'))} (FORMAT parquet, PARTITION_BY (year, region))`);
});

function ioError(fn: () => unknown): IoError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IoError);
    return e as IoError;
  }
  throw new Error('expected an IoError');
}

describe('openParquetDataset', () => {
  it('reads the schema and row groups from the footer as DuckDB sees them', async () => {
    const ds = openParquetDataset(main);
    expect(ds.files).toEqual([main]);
    expect(ds.hive).toEqual([]);
    expect(ds.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'v: Int32', 'i8: Int8', 'i16: Int16', 'i32: Int32', 'i64: Int64', 'u8: Uint8', 'u16: Uint16', 'u32: Uint32',
      'u64: Uint64', 'f32: Float32', 'f64: Float64', 'b: Bool', 's: Utf8', 'low: Dictionary<Int32, Utf8>',
    ]);
    // DuckDB dictionary-encodes the low-cardinality strings, not the mostly unique ones.
    expect(ds.dictionaryColumns).toEqual(['low']);
    const meta = await duckRows(
      await duck.connection(),
      `SELECT row_group_id, any_value(row_group_num_rows), any_value(row_group_bytes), sum(total_uncompressed_size)
       FROM parquet_metadata(${sqlPath(main)}) GROUP BY 1 ORDER BY 1`,
    );
    expect(ds.fileRowGroups[0]!.length).toBe(meta.length);
    ds.fileRowGroups[0]!.forEach((rg, g) => {
      expect(rg.rows).toBe(Number(meta[g]![1]));
      expect(rg.bytes).toBe(Number(meta[g]![2]));
      expect(Object.values(rg.columnBytes!).reduce((a, b) => a + b, 0)).toBe(Number(meta[g]![3]));
      expect(rg.stats.column('v')).toEqual({ min: g * 2048, max: Math.min(ROWS, (g + 1) * 2048) - 1, nullCount: 0, float: false });
    });
    expect(ds.fileRowGroups[0]![0]!.stats.column('f64')?.float).toBe(true);
  });

  it('is plain data apart from the schema: the rest survives structured cloning', () => {
    const ds = openParquetDataset(main);
    const { schema, ...rest } = ds;
    const copy = structuredClone(rest) as Omit<ParquetDataset, 'schema'>;
    const restored: ParquetDataset = {
      ...copy,
      schema,
      fileRowGroups: copy.fileRowGroups.map((f) => f.map((rg) => ({ ...rg, stats: toRowGroupStats(rg.stats) }))),
    };
    const options = { columns: ['v'], predicate: col('v').ge(7000), blocksize: 1e9 };
    expect(planParquetPieces(restored, options)).toEqual(planParquetPieces(ds, options));
  });

  it('takes globs, directories and lists, sorted', () => {
    const files = ['many/p0.parquet', 'many/p1.parquet', 'many/sub/p2.parquet'].map((f) => join(dir, f));
    expect(openParquetDataset(join(dir, 'many')).files).toEqual(files);
    expect(openParquetDataset(join(dir, 'many', '**', '*.parquet')).files).toEqual(files);
    expect(openParquetDataset(join(dir, 'many', 'p{1,0}.parquet')).files).toEqual(files.slice(0, 2));
    expect(openParquetDataset([files[2]!, files[0]!]).files).toEqual([files[0], files[2]]);
  });

  it('finds hive partition columns in k=v directories, with null and escaped values', () => {
    const ds = openParquetDataset(join(dir, 'hive'));
    expect(ds.hive.map((h) => h.name)).toEqual(['year', 'region']);
    expect(ds.schema.fields.map((f) => f.name)).toEqual(['id', 'v', 'year', 'region']);
    expect(String(ds.schema.fields[3]!.type)).toBe('Dictionary<Int32, Utf8>');
    const pairs = ds.files.map((_, i) => `${ds.hive[0]!.values[i]}|${ds.hive[1]!.values[i]}`);
    expect(new Set(pairs)).toEqual(new Set(['0|eu', '1|us/west', '2|null']));
    const i = pairs.indexOf('1|us/west');
    expect(ds.fileRowGroups[i]![0]!.stats.column('region')).toMatchObject({ min: 'us/west', max: 'us/west', nullCount: 0 });
  });

  it('throws NOT_FOUND for a missing file or a glob matching nothing', () => {
    expect(ioError(() => openParquetDataset(join(dir, 'nope.parquet'))).code).toBe('NOT_FOUND');
    expect(ioError(() => openParquetDataset(join(dir, 'nope-*.parquet'))).message).toContain('nope-*.parquet');
  });

  it('names a truncated file, a garbage file and an empty file', () => {
    const bytes = readFileSync(main);
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated.parquet', bytes.subarray(0, Math.floor(bytes.length * 0.7)), /does not end with PAR1/],
      ['garbage.parquet', new TextEncoder().encode('id,v\n1,2\n'.repeat(50)), /not a Parquet file/],
      ['empty.parquet', new Uint8Array(0), /too small/],
      ['bad-footer.parquet', Buffer.concat([bytes.subarray(0, bytes.length - 8 - 200), Buffer.alloc(200, 0xab), bytes.subarray(bytes.length - 8)]), /corrupt footer|cannot read the schema/],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, 'bad', name);
      mkdirSync(join(dir, 'bad'), { recursive: true });
      writeFileSync(file, content);
      const error = ioError(() => openParquetDataset(file));
      expect(error.code).toBe('PARQUET_FOOTER');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(message);
    }
  });

  it('throws SCHEMA_MISMATCH naming both files and the column', async () => {
    const c = await duck.connection();
    const a = join(dir, 'mismatch', 'a.parquet');
    mkdirSync(join(dir, 'mismatch'), { recursive: true });
    await c.run(`COPY (SELECT 1::BIGINT AS id, 'x' AS s) TO ${sqlPath(a)} (FORMAT parquet)`);
    const variants: [string, string, RegExp][] = [
      ['type', `SELECT 1::INTEGER AS id, 'x' AS s`, /column 'id' is Int32 in .*b-type\.parquet but Int64 in .*a\.parquet/],
      ['missing', `SELECT 1::BIGINT AS id`, /column 's' is in .*a\.parquet only/],
      ['extra', `SELECT 1::BIGINT AS id, 'x' AS s, 2 AS t`, /column 't' is in .*b-extra\.parquet only/],
      ['order', `SELECT 'x' AS s, 1::BIGINT AS id`, /column 's' is at position 0/],
    ];
    for (const [name, select, message] of variants) {
      const b = join(dir, 'mismatch', `b-${name}.parquet`);
      await c.run(`COPY (${select}) TO ${sqlPath(b)} (FORMAT parquet)`);
      const error = ioError(() => openParquetDataset([a, b]));
      expect(error.code).toBe('SCHEMA_MISMATCH');
      expect(error.message).toContain(a);
      expect(error.message).toContain(b);
      expect(error.message).toMatch(message);
    }
  });

  it('throws HIVE_MISMATCH when paths have different partition directories', () => {
    const a = join(dir, 'hm', 'k=1', 'a.parquet');
    const b = join(dir, 'hm', 'b.parquet');
    mkdirSync(join(dir, 'hm', 'k=1'), { recursive: true });
    copyFileSync(join(dir, 'many', 'p0.parquet'), a);
    copyFileSync(join(dir, 'many', 'p0.parquet'), b);
    const error = ioError(() => openParquetDataset([a, b]));
    expect(error.code).toBe('HIVE_MISMATCH');
    expect(error.message).toContain(b);
  });
});

describe('planParquetPieces', () => {
  const all = (ds: ParquetDataset) => ds.schema.fields.map((f) => f.name);

  it('makes one piece per row group when each is near the blocksize', () => {
    const ds = openParquetDataset(main);
    const biggest = Math.max(...ds.fileRowGroups[0]!.map((rg) => rg.bytes));
    const plan = planParquetPieces(ds, { columns: all(ds), predicate: null, blocksize: biggest * 1.5 });
    expect(plan).toMatchObject({ rowGroups: 5, skippedRowGroups: 0 });
    expect(plan.pieces.map((p) => p.rowGroups)).toEqual([[0], [1], [2], [3], [4]]);
    expect(plan.pieces.map((p) => p.rows)).toEqual([2048, 2048, 2048, 2048, 1808]);
  });

  it('merges consecutive small row groups of a file, by the bytes of the selected columns only', () => {
    const ds = openParquetDataset(main);
    const vBytes = ds.fileRowGroups[0]![0]!.columnBytes!.v!;
    const plan = planParquetPieces(ds, { columns: ['v'], predicate: null, blocksize: vBytes * 2.5 });
    expect(plan.pieces.map((p) => p.rowGroups)).toEqual([[0, 1], [2, 3], [4]]);
    expect(plan.pieces.map((p) => p.rows)).toEqual([4096, 4096, 1808]);
    const whole = planParquetPieces(ds, { columns: all(ds), predicate: null, blocksize: vBytes * 2.5 });
    expect(whole.pieces.length).toBeGreaterThan(5); // the same blocksize splits when every column is read
    const count = planParquetPieces(ds, { columns: [], predicate: null, blocksize: 1 });
    expect(count.pieces.map((p) => p.rowGroups)).toEqual([[0, 1, 2, 3, 4]]);
    expect(count.pieces[0]!.rows).toBe(ROWS);
  });

  it('never merges row groups of different files', () => {
    const ds = openParquetDataset(join(dir, 'many'));
    const plan = planParquetPieces(ds, { columns: ['id'], predicate: null, blocksize: 1e12 });
    expect(plan.pieces.map((p) => [p.file, p.rowGroups])).toEqual(ds.files.map((f) => [f, [0]]));
  });

  it('splits a big row group by rows into near-equal pieces', () => {
    const ds = openParquetDataset(main);
    const bytes = ds.fileRowGroups[0]![0]!.bytes;
    const plan = planParquetPieces(ds, { columns: all(ds), predicate: null, blocksize: bytes / 2.5 });
    const first = plan.pieces.filter((p) => p.rowGroups[0] === 0);
    expect(first.map((p) => [p.offset, p.limit, p.rows])).toEqual([[0, 683, 683], [683, 683, 683], [1366, 682, 682]]);
    expect(plan.pieces.reduce((n, p) => n + p.rows, 0)).toBe(ROWS);
  });

  it('skips row groups whose statistics prove the predicate false, and counts them', () => {
    const ds = openParquetDataset(main);
    const at = (predicate: ReturnType<typeof col>) => planParquetPieces(ds, { columns: ['v'], predicate, blocksize: 1e12 });
    const gt = at(col('v').gt(5000));
    expect(gt.skippedRowGroups).toBe(2);
    expect(gt.pieces.map((p) => p.rowGroups)).toEqual([[2, 3, 4]]);
    expect(gt.pieces[0]!.rows).toBe(ROWS - 4096);
    expect(at(col('v').lt(0)).pieces).toEqual([]);
    expect(at(col('v').lt(0)).skippedRowGroups).toBe(5);
    expect(at(col('v').between(2048, 4095)).pieces.map((p) => p.rowGroups)).toEqual([[1]]);
    expect(at(col('f64').gt(1e9)).skippedRowGroups).toBe(0); // floats hold NaN and +inf: never skipped by gt
    expect(at(col('s').eq('zzz')).skippedRowGroups).toBe(5);
  });

  it('skips whole files by hive values, and gives every piece its hive values', () => {
    const ds = openParquetDataset(join(dir, 'hive'));
    const plan = planParquetPieces(ds, { columns: ['id', 'region'], predicate: col('region').eq('us/west'), blocksize: 1e9 });
    expect(plan.pieces).toHaveLength(1);
    expect(plan.pieces[0]!.hive).toEqual({ year: '1', region: 'us/west' });
    const nulls = planParquetPieces(ds, { columns: ['id'], predicate: col('region').isNull(), blocksize: 1e9 });
    expect(nulls.pieces.map((p) => p.hive)).toEqual([{ year: '2', region: null }]);
  });

  it('rejects unknown columns and a blocksize that is not positive', () => {
    const ds = openParquetDataset(main);
    expect(() => planParquetPieces(ds, { columns: ['nope'], predicate: null, blocksize: 1 })).toThrow(SchemaError);
    expect(() => planParquetPieces(ds, { columns: ['v'], predicate: null, blocksize: 0 })).toThrow(PlanError);
  });
});
