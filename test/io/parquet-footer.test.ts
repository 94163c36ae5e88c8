/**
 * The footer reader against DuckDB's own reading of the same files (`parquet_metadata`), for
 * files written by DuckDB and by parquet-wasm (arrow-rs), and its errors on files that are not
 * Parquet, truncated or corrupt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/index.js';
import { readParquetFooter, type StatValue } from '../../src/io/parquet-footer.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-footer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

/** DuckDB's view of the statistics: one row per (row group, column). */
async function duckStats(file: string) {
  const c = await duck.connection();
  const reader = await c.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, stats_min_value, stats_max_value, stats_null_count
     FROM parquet_metadata(${sqlPath(file)}) ORDER BY row_group_id, column_id`,
  );
  return reader.getRowObjects() as {
    row_group_id: bigint;
    row_group_num_rows: bigint;
    path_in_schema: string;
    stats_min_value: string | null;
    stats_max_value: string | null;
    stats_null_count: bigint | null;
  }[];
}

function sameStat(ours: StatValue | null, theirs: string | null, what: string): void {
  if (theirs === null) {
    expect(ours, what).toBeNull();
    return;
  }
  if (typeof ours === 'number') {
    // DuckDB prints the shortest text of the value; for FLOAT that is the float32's text.
    const want = Number(theirs);
    expect(ours === want || ours === Math.fround(want), `${what}: ${ours} vs ${theirs}`).toBe(true);
  }
  else expect(String(ours), what).toBe(theirs);
}

async function expectMatchesDuckDB(file: string): Promise<void> {
  const footer = readParquetFooter(file);
  const rows = await duckStats(file);
  const groups = new Set(rows.map((r) => r.row_group_id)).size;
  expect(footer.rowGroups.length).toBe(groups);
  expect(footer.numRows).toBe(footer.rowGroups.reduce((n, g) => n + g.numRows, 0));
  for (const row of rows) {
    const group = footer.rowGroups[Number(row.row_group_id)]!;
    expect(group.numRows).toBe(Number(row.row_group_num_rows));
    const chunk = group.columns.find((c) => c.path === row.path_in_schema)!;
    const what = `row group ${row.row_group_id}, column ${row.path_in_schema}`;
    expect(chunk, what).toBeDefined();
    expect(chunk.nullCount, what).toBe(row.stats_null_count === null ? null : Number(row.stats_null_count));
    sameStat(chunk.min, row.stats_min_value, `${what} min`);
    sameStat(chunk.max, row.stats_max_value, `${what} max`);
  }
}

describe('readParquetFooter', () => {
  it('reads schema, row groups and statistics of a DuckDB file with several row groups', async () => {
    const file = join(dir, 'duck.parquet');
    const c = await duck.connection();
    await c.run(`COPY (
      SELECT i::INTEGER AS i32, (i::BIGINT - 5000) * 1000000007 AS i64, i / 7.0::DOUBLE AS f64,
             (i / 3.0)::FLOAT AS f32, 'key' || lpad((i % 97)::VARCHAR, 3, '0') AS s,
             CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS nullable, NULL::INTEGER AS all_null,
             (i * 3)::UINTEGER AS u32, (18446744073709551615 - i)::UBIGINT AS u64, i % 2 = 0 AS flag
      FROM range(10000) t(i)) TO ${sqlPath(file)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const footer = readParquetFooter(file);
    expect(footer.rowGroups.length).toBeGreaterThan(1);
    expect(footer.numRows).toBe(10000);
    expect(footer.columns.map((col) => col.path)).toEqual(['i32', 'i64', 'f64', 'f32', 's', 'nullable', 'all_null', 'u32', 'u64', 'flag']);
    expect(footer.columns.find((col) => col.path === 's')).toMatchObject({ physicalType: 'BYTE_ARRAY', utf8: true });
    expect(footer.columns.find((col) => col.path === 'u64')).toMatchObject({ physicalType: 'INT64', unsigned: true });
    expect(footer.rowGroups[0]!.columns.find((col) => col.path === 'u64')!.max).toBe(18446744073709551615n);
    await expectMatchesDuckDB(file);
  });

  it('reads a file written by parquet-wasm (arrow-rs), zstd, 1000-row groups', async () => {
    const n = 4500;
    const table = arrow.tableFromArrays({
      a: Int32Array.from({ length: n }, (_, i) => i - 100),
      f: Float64Array.from({ length: n }, (_, i) => i / 4),
    });
    const props = new pw.WriterPropertiesBuilder().setMaxRowGroupSize(1000).setCompression(pw.Compression.ZSTD).build();
    const file = join(dir, 'wasm.parquet');
    writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props));
    const footer = readParquetFooter(file);
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([1000, 1000, 1000, 1000, 500]);
    expect(footer.rowGroups[0]!.columns[0]!.codec).toBe('ZSTD');
    expect(footer.rowGroups[4]!.columns[0]).toMatchObject({ min: 3900, max: 4399, nullCount: 0 });
    await expectMatchesDuckDB(file);
  });

  it('a missing file is an IoError with code NOT_FOUND naming the file', () => {
    const file = join(dir, 'nope.parquet');
    expect(() => readParquetFooter(file)).toThrow(IoError);
    expect(() => readParquetFooter(file)).toThrow(file);
  });

  it('a file that is not Parquet, a truncated file and a corrupt footer are IoErrors naming the file', async () => {
    const good = join(dir, 'good.parquet');
    const c = await duck.connection();
    await c.run(`COPY (SELECT range AS x FROM range(100)) TO ${sqlPath(good)} (FORMAT parquet)`);
    const bytes = readFileSync(good);
    const cases: [string, Uint8Array, RegExp][] = [
      ['text.parquet', new TextEncoder().encode('id,value\n1,2\n3,4\n'), /not a Parquet file/],
      ['tiny.parquet', new Uint8Array([0x50, 0x41]), /too small/],
      ['truncated.parquet', bytes.subarray(0, bytes.length - 20), /PAR1|truncated/],
      ['zeroed-footer.parquet', (() => {
        const copy = Uint8Array.from(bytes);
        const length = new DataView(copy.buffer).getUint32(copy.length - 8, true);
        copy.fill(0xff, copy.length - 8 - length, copy.length - 8);
        return copy;
      })(), /corrupt footer/],
      ['huge-length.parquet', (() => {
        const copy = Uint8Array.from(bytes);
        new DataView(copy.buffer).setUint32(copy.length - 8, 0x7fffffff, true);
        return copy;
      })(), /footer length/],
    ];
    for (const [name, data, message] of cases) {
      const file = join(dir, name);
      writeFileSync(file, data);
      const error = (() => {
        try {
          readParquetFooter(file);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(error, name).toBeInstanceOf(IoError);
      expect((error as Error).message, name).toContain(file);
      expect((error as Error).message, name).toMatch(message);
    }
  });
});
