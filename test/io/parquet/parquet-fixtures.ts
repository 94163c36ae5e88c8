/**
 * Parquet files for the I/O tests, written by DuckDB (the oracle), and helpers to compare what
 * Dusk reads with what DuckDB reads from the same file.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import { sqlPath } from '../../util/duckdb.js';

/** Every type the readers must get exactly right, with nulls, extremes, NaN and ±Infinity. */
export const ALL_TYPES_SELECT = `
  SELECT
    i::INTEGER AS v,
    ((i % 256) - 128)::TINYINT AS i8,
    ((i * 37) % 65536 - 32768)::SMALLINT AS i16,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (hash(i) % 4294967296)::BIGINT - 2147483648 END::INTEGER AS i32,
    CASE i % 13 WHEN 0 THEN -9223372036854775808 WHEN 1 THEN 9223372036854775807 WHEN 2 THEN NULL
      ELSE (hash(i) >> 1)::BIGINT - 4611686018427387904 END::BIGINT AS i64,
    (i % 256)::UTINYINT AS u8,
    ((i * 7919) % 65536)::USMALLINT AS u16,
    CASE WHEN i % 5 = 0 THEN NULL ELSE hash(i) % 4294967296 END::UINTEGER AS u32,
    CASE i % 11 WHEN 0 THEN 18446744073709551615 WHEN 1 THEN 0 ELSE hash(i * 3) END::UBIGINT AS u64,
    CASE i % 17 WHEN 0 THEN 'nan'::FLOAT WHEN 1 THEN 'inf'::FLOAT WHEN 2 THEN '-inf'::FLOAT WHEN 3 THEN NULL
      ELSE (i * 0.25 - 100)::FLOAT END AS f32,
    CASE i % 19 WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE WHEN 3 THEN NULL
      WHEN 4 THEN -0.0::DOUBLE ELSE i / 3.0 - 1000 END AS f64,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
    CASE WHEN i % 9 = 0 THEN NULL ELSE 'str-' || (i % 1000) || repeat('é', (i % 4)::INTEGER) END AS s,
    ['red', 'green', 'blue', '🦆'][(i % 4) + 1] AS low
  FROM range(0, $rows) t(i)`;

/** Writes `select` (with `$rows` replaced) to `file` with DuckDB, `rowGroupSize` rows a group. */
export async function duckWrite(c: DuckDBConnection, file: string, select: string, rows: number, rowGroupSize: number): Promise<void> {
  const sql = select.replace('$rows', String(rows));
  await c.run(`COPY (${sql}) TO ${sqlPath(file)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroupSize})`);
}

/** DuckDB's rows of a query, as arrays of JS values. */
export async function duckRows(c: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await c.runAndReadAll(sql)).getRows() as unknown[][];
}

/** The rows of an Arrow table as arrays of JS values (dictionaries decoded). */
export function tableRows(table: arrow.Table): unknown[][] {
  const vectors = table.schema.fields.map((_, i) => table.getChildAt(i)!);
  const out: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) out.push(vectors.map((v) => v.get(r) as unknown));
  return out;
}

/** Concatenates tables with the same schema (one batch list). */
export function concatTables(tables: arrow.Table[], schema: arrow.Schema): arrow.Table {
  return new arrow.Table(schema, tables.flatMap((t) => t.batches));
}

/** Exact equality of rows, NaN equal to NaN and -0 distinct from 0 (as `Object.is`). */
export function expectSameRows(ours: unknown[][], theirs: unknown[][], what: string): void {
  expect(ours.length, `${what}: row count`).toBe(theirs.length);
  for (let r = 0; r < theirs.length; r++) {
    const a = ours[r]!;
    const b = theirs[r]!;
    for (let c = 0; c < b.length; c++) {
      if (!Object.is(a[c], b[c])) expect(a[c], `${what}: row ${r}, column ${c}`).toBe(b[c]);
    }
  }
}
