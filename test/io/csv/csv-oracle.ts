/**
 * Test helpers for the CSV reader: read a file the way the reader will (infer, split into
 * blocks, parse each block on its own), read it with DuckDB using the same column types, and
 * compare every value.
 */
import { readFileSync } from 'node:fs';
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CsvColumn, CsvDType, CsvOptions } from '../../../src/io/csv/csv-options.js';
import { csvArrowSchema } from '../../../src/io/csv/build-csv-column.js';
import { inferCsvSchema } from '../../../src/io/csv/infer-schema.js';
import { parseCsvBlock } from '../../../src/io/csv/parse-csv-block.js';
import { findCsvHeader, splitBlocks } from '../../../src/io/csv/split-blocks.js';
import { sqlPath } from '../../util/duckdb.js';

export interface ReadResult {
  columns: CsvColumn[];
  table: arrow.Table;
  blocks: number;
}

/** Reads a whole file through `inferCsvSchema`, `splitBlocks` and one `parseCsvBlock` per block. */
export function readCsvBlocks(file: string, blockBytes: number, options: CsvOptions = {}): ReadResult {
  const bytes = new Uint8Array(readFileSync(file));
  const { columns } = inferCsvSchema(bytes, file, options);
  const plan = splitBlocks(bytes, { blockBytes, file }, options);
  const batches = plan.blocks.map((b) =>
    parseCsvBlock(bytes.subarray(b.start, b.end), columns, { file, byteOffset: b.start, firstLine: b.firstLine }, options));
  const table = batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(csvArrowSchema(columns));
  return { columns, table, blocks: plan.blocks.length };
}

const DUCK_TYPES: Record<CsvDType, string> = {
  int32: 'INTEGER', int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR', dictionary: 'VARCHAR',
};

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * DuckDB's `read_csv` of the file with our dialect spelled out and the given column types
 * (its sniffer disagrees with us on a few texts, such as `inf`). `allow_quoted_nulls=false`
 * makes `""` the empty string, as in Dusk; DuckDB's default reads it as null.
 */
export async function duckRead(
  conn: DuckDBConnection, file: string, columns: readonly CsvColumn[], options: CsvOptions = {},
): Promise<unknown[][]> {
  const struct = columns.map((c) => `${sqlString(c.name)}: ${sqlString(DUCK_TYPES[c.dtype])}`).join(', ');
  const nulls = (options.nullValues ?? ['']).map(sqlString).join(', ');
  const sql = `SELECT * FROM read_csv(${sqlPath(file)}, header=${options.header ?? true}, delim=${sqlString(options.delimiter ?? ',')},
    quote='"', escape='"', new_line='${lineBreak(file, options)}', auto_detect=false, allow_quoted_nulls=false,
    nullstr=[${nulls}], columns={${struct}})`;
  const reader = await conn.runAndReadAll(sql);
  return reader.getColumnsJS() as unknown[][];
}

/**
 * The file's line break as DuckDB's `new_line` option spells it: the end of the first record.
 * DuckDB detects it from the first bytes, and a quoted `\r` there misleads it.
 */
function lineBreak(file: string, options: CsvOptions): string {
  const bytes = new Uint8Array(readFileSync(file));
  const first = findCsvHeader(bytes, { ...options, header: true });
  const tail = bytes.subarray(Math.max(first.headerStart, first.headerEnd - 2), first.headerEnd);
  if (tail[tail.length - 1] === 0x0d) return '\\r';
  return tail[0] === 0x0d ? '\\r\\n' : '\\n';
}

/** The types DuckDB's sniffer gives the file's columns, by name. */
export async function duckSniffedTypes(conn: DuckDBConnection, file: string, options: CsvOptions = {}): Promise<Record<string, string>> {
  const reader = await conn.runAndReadAll(
    `DESCRIBE SELECT * FROM read_csv(${sqlPath(file)}, header=${options.header ?? true}, delim=${sqlString(options.delimiter ?? ',')}, quote='"', escape='"')`,
  );
  const rows = reader.getRowObjectsJS() as { column_name: string; column_type: string }[];
  return Object.fromEntries(rows.map((r) => [r.column_name, r.column_type]));
}

/** A value as text that tells -0 from 0 and a bigint from a number. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return JSON.stringify(value);
}

/** Every value of `table` equals DuckDB's, column by column, nulls where DuckDB has nulls. */
export function expectSameValues(table: arrow.Table, columns: readonly CsvColumn[], duck: unknown[][], what: string): void {
  expect(table.numCols, `${what}: columns`).toBe(columns.length);
  for (let c = 0; c < columns.length; c++) {
    const theirs = duck[c] ?? []; // DuckDB gives no column arrays for no rows
    expect(table.numRows, `${what}: rows`).toBe(theirs.length);
    const vector = table.getChildAt(c)!;
    for (let r = 0; r < theirs.length; r++) {
      const ours = show(vector.get(r));
      const want = show(theirs[r]);
      if (ours !== want) expect(ours, `${what}: column ${columns[c]!.name} (${columns[c]!.dtype}), row ${r}`).toBe(want);
    }
  }
}

/** Reads `file` in blocks of each size, and checks it against DuckDB; returns the last read. */
export async function expectMatchesDuckDB(
  conn: DuckDBConnection, file: string, blockSizes: readonly number[], options: CsvOptions = {},
): Promise<ReadResult> {
  let result: ReadResult | null = null;
  let duck: unknown[][] | null = null;
  for (const size of blockSizes) {
    result = readCsvBlocks(file, size, options);
    duck ??= await duckRead(conn, file, result.columns, options);
    expectSameValues(result.table, result.columns, duck, `${file} in ${size}-byte blocks`);
  }
  return result!;
}
