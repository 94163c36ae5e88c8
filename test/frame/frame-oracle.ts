/**
 * The DataFrame suites' oracle: a random dataset written to Parquet and CSV by DuckDB itself,
 * and a comparison of a Dusk result with DuckDB's answer to the same query on the same file,
 * as multisets of rows (or in order, when the query orders), floats to a relative tolerance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlPath } from '../util/duckdb.js';

export type Plain = number | bigint | string | boolean | null;

/** A temp directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes `rows` random rows with DuckDB: keys with nulls (strings, int32, int64), values with
 * nulls, strings and booleans, and `vn` with NaN and +Infinity too (DuckDB's std raises on
 * those, so the others are finite); as Parquet with several row groups, and as CSV.
 */
export async function writeDataset(c: DuckDBConnection, dir: string, rows: number, seed: number, rowGroupSize = 1000): Promise<{ parquet: string; csv: string; table: string }> {
  const table = `t${seed}`;
  await c.run(`SELECT setseed(${(seed % 1000) / 1000})`);
  await c.run(`CREATE OR REPLACE TABLE ${table} AS SELECT
      range::BIGINT AS row_id,
      CASE WHEN random() < 0.05 THEN NULL ELSE 'id' || lpad(CAST((random() * 20)::INTEGER AS VARCHAR), 3, '0') END AS id1,
      CASE WHEN random() < 0.05 THEN NULL ELSE (random() * 50)::INTEGER END AS id4,
      CASE WHEN random() < 0.02 THEN NULL ELSE ((random() * 7)::BIGINT - 3) * 1000000000000 END AS id5,
      CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 4)::INTEGER + 1 END AS v1,
      CASE WHEN random() < 0.1 THEN NULL ELSE ((random() - 0.5) * 2e12)::BIGINT END AS v2,
      CASE WHEN random() < 0.05 THEN NULL ELSE round((random() - 0.3) * 100, 6) END AS v3,
      CASE WHEN random() < 0.05 THEN NULL
           WHEN random() < 0.01 THEN 'NaN'::DOUBLE
           WHEN random() < 0.005 THEN 'Infinity'::DOUBLE
           ELSE (random() - 0.5) * 1e6 END AS vn,
      CASE WHEN random() < 0.1 THEN NULL ELSE (random() < 0.5) END AS flag,
      CASE WHEN random() < 0.1 THEN NULL ELSE ['alpha', 'beta', 'gamma', 'délta', ''][(random() * 5)::INTEGER % 5 + 1] END AS word
    FROM range(${rows})`);
  const parquet = join(dir, `${table}.parquet`);
  const csv = join(dir, `${table}.csv`);
  await c.run(`COPY ${table} TO ${sqlPath(parquet)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroupSize})`);
  await c.run(`COPY ${table} TO ${sqlPath(csv)} (FORMAT csv, HEADER)`);
  return { parquet, csv, table };
}

function plainOf(v: unknown): Plain {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

/** Rows of an Arrow table as arrays of plain values. */
export function arrowRows(table: arrow.Table): Plain[][] {
  const columns = table.schema.fields.map((f) => table.getChild(f.name)!);
  const out: Plain[][] = [];
  for (let i = 0; i < table.numRows; i++) out.push(columns.map((c) => plainOf(c.get(i))));
  return out;
}

export async function duckRows(c: DuckDBConnection, sql: string): Promise<{ names: string[]; rows: Plain[][] }> {
  const reader = await c.runAndReadAll(sql);
  return { names: reader.columnNames(), rows: reader.getRows().map((r) => r.map(plainOf)) };
}

function close(a: Plain, b: Plain, rel: number): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
  }
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return typeof a === 'bigint' && typeof b === 'bigint' ? a === b : Number(a) === Number(b) && BigInt(Math.round(Number(a))) === BigInt(Math.round(Number(b)));
  }
  return a === b;
}

function keyText(row: Plain[]): string {
  return row.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? `${v}` : 'f') : typeof v === 'bigint' ? `${v}` : JSON.stringify(v))).join('|');
}

/**
 * Dusk's table against DuckDB's rows: same column names, same number of rows, and each row
 * matching (by the non-float columns, when `ordered` is false).
 */
export function expectSameRows(got: arrow.Table, want: { names: string[]; rows: Plain[][] }, options: { ordered?: boolean; rel?: number; what: string }): void {
  const rel = options.rel ?? 1e-12;
  const names = got.schema.fields.map((f) => f.name);
  if (names.join(',') !== want.names.join(',')) throw new Error(`${options.what}: columns [${names.join(', ')}], DuckDB [${want.names.join(', ')}]`);
  const g = arrowRows(got);
  if (g.length !== want.rows.length) throw new Error(`${options.what}: ${g.length} rows, DuckDB ${want.rows.length}`);
  let a = g;
  let b = want.rows;
  if (options.ordered !== true) {
    const sort = (rows: Plain[][]): Plain[][] => rows
      .map((row) => ({ row, key: keyText(row) }))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .map((x) => x.row);
    a = sort(g);
    b = sort(want.rows);
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    for (let j = 0; j < x.length; j++) {
      if (!close(x[j]!, y[j]!, rel)) {
        throw new Error(`${options.what}: row ${i} column ${names[j]}: Dusk ${String(x[j])}, DuckDB ${String(y[j])}\n  Dusk row ${x.map(String).join(', ')}\n  Duck row ${y.map(String).join(', ')}`);
      }
    }
  }
}
