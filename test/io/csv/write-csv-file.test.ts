/**
 * The CSV writer, checked by reading its files back: random tables of every type it writes
 * (with nulls, NaN, infinities, -0, integer extremes, awkward text, dates before year 1) must
 * come back value for value through DuckDB's `read_csv` with the matching column types and
 * through our own reader (`openCsvDataset` + `readCsvPiece`) with the matching `dtypes`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError } from '../../../src/errors.js';
import { openCsvDataset, planCsvPieces } from '../../../src/io/csv/csv-dataset.js';
import type { CsvDType } from '../../../src/io/csv/csv-options.js';
import { formatCsvFloat, quoteCsvText } from '../../../src/io/csv/format-csv-value.js';
import { readCsvPiece } from '../../../src/io/csv/read-csv-piece.js';
import { writeCsvFile } from '../../../src/io/csv/write-csv-file.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';
import { columnSpec, randomColumns, type ColumnSpec } from './random-table.js';

const root = mkdtempSync(join(tmpdir(), 'dusk-csv-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const duck = useDuckDB();
const seed = testSeed();
let fileNo = 0;
const nextPath = (ext = 'csv'): string => join(root, `out-${fileNo++}.${ext}`);

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The value as text that tells -0 from 0, NaN from null and a bigint from a number. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return JSON.stringify(value);
}

function expectColumn(got: readonly unknown[], want: readonly unknown[], what: string): void {
  expect(got.length, `${what}: rows`).toBe(want.length);
  for (let r = 0; r < want.length; r++) {
    if (show(got[r]) !== show(want[r])) expect(show(got[r]), `${what}, row ${r}`).toBe(show(want[r]));
  }
}

// Arrow's `get` drops a U+FEFF that starts a value; the bytes are what was written and read.
const keepBom = new TextDecoder('utf-8', { ignoreBOM: true });

function utf8At(data: arrow.Data, row: number): string {
  const offsets = data.valueOffsets as Int32Array;
  return keepBom.decode((data.values as Uint8Array).subarray(offsets[row], offsets[row + 1]));
}

/** The value at `row` of a single-chunk vector, with text decoded from its bytes. */
function cell(vector: arrow.Vector, row: number): unknown {
  if (!vector.isValid(row)) return null;
  const data = vector.data[0]!;
  if (arrow.DataType.isUtf8(vector.type)) return utf8At(data, row);
  if (arrow.DataType.isDictionary(vector.type)) return utf8At(data.dictionary!.data[0]!, (data.values as Int32Array)[row]!);
  return vector.get(row);
}

/** DuckDB's reading of `path` with each column's DuckDB type, as comparable JS values. */
async function duckColumns(path: string, specs: readonly ColumnSpec[], delimiter: string, header: boolean): Promise<unknown[][]> {
  const struct = specs.map((s) => `${sqlString(s.name)}: ${sqlString(s.duck)}`).join(', ');
  const select = specs.map((s) => s.duckSelect(`"${s.name.replace(/"/g, '""')}"`)).join(', ');
  const reader = await (await duck.connection()).runAndReadAll(
    `SELECT ${select} FROM read_csv(${sqlPath(path)}, header=${header}, delim=${sqlString(delimiter)}, quote='"', escape='"',
      new_line='\\n', auto_detect=false, allow_quoted_nulls=false, nullstr=[''], columns={${struct}})`,
  );
  const columns = reader.getColumnsJS() as unknown[][];
  return specs.map((_, c) => columns[c] ?? []);
}

/** Our reading of `path` with each column's dtype, in pieces of `blocksize` bytes. */
async function ourColumns(path: string, specs: readonly ColumnSpec[], delimiter: string, header: boolean, blocksize: number): Promise<unknown[][]> {
  const names = specs.map((s, c) => (header ? s.name : `column${c}`));
  const dtypes: Record<string, CsvDType> = Object.fromEntries(specs.map((s, c) => [names[c]!, s.ours]));
  const ds = openCsvDataset(path, { delimiter, header, dtypes, blocksize });
  expect(ds.columns.map((c) => c.name)).toEqual(names);
  const out: unknown[][] = specs.map(() => []);
  for (const piece of await planCsvPieces(ds)) {
    const table = await readCsvPiece(ds, piece, names);
    specs.forEach((_, c) => {
      const vector = table.getChildAt(c)!;
      for (let r = 0; r < table.numRows; r++) out[c]!.push(cell(vector, r));
    });
  }
  return out;
}

/** Writes the table and reads it back both ways. */
async function roundTrip(table: arrow.Table, specs: readonly ColumnSpec[], options: { delimiter?: string; header?: boolean } = {}): Promise<string> {
  const path = nextPath();
  await writeCsvFile(table, path, options);
  const delimiter = options.delimiter ?? ',';
  const header = options.header ?? true;
  const theirs = await duckColumns(path, specs, delimiter, header);
  const ours = await ourColumns(path, specs, delimiter, header, 997);
  specs.forEach((spec, c) => {
    expectColumn(theirs[c]!, spec.values.map(spec.duckValue), `DuckDB, column ${spec.name} (${spec.duck})`);
    expectColumn(ours[c]!, spec.values.map(spec.ourValue), `Dusk, column ${spec.name} (${spec.ours})`);
  });
  return path;
}

/** A table of the columns, in batches of the given sizes cut from one long batch (so at offsets). */
function tableOf(specs: readonly ColumnSpec[], batchSizes: readonly number[]): arrow.Table {
  const schema = new arrow.Schema(specs.map((s) => new arrow.Field(s.name, s.data.type, true)));
  const batches: arrow.RecordBatch[] = [];
  let at = 0;
  for (const size of batchSizes) {
    const children = specs.map((s) => s.data.slice(at, size));
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: size, nullCount: 0, children })));
    at += size;
  }
  return new arrow.Table(schema, batches);
}

describe('writeCsvFile', () => {
  it(`random tables of every type read back the same through DuckDB and through readCsvPiece (seed ${seed})`, async () => {
    const rng = new Random(seed);
    for (let round = 0; round < 3; round++) {
      const rows = rng.int(200, 700);
      const specs = randomColumns(rng, rows);
      const cut = rng.int(0, rows);
      await roundTrip(tableOf(specs, [cut, rows - cut]), specs);
    }
  });

  it(`other delimiters and no header line (seed ${seed})`, async () => {
    const rng = new Random(seed + 1);
    for (const [delimiter, header] of [['\t', true], [';', false], ['|', true]] as const) {
      const specs = randomColumns(rng, 300).filter((s) => ['utf8', 'dict', 'float64', 'int64', 'bool', 'ts_us'].includes(s.name));
      await roundTrip(tableOf(specs, [300]), specs, { delimiter, header });
    }
  });

  it('nulls in a one-column table are empty lines, also the last one, and read back as nulls', async () => {
    const spec = columnSpec('int32', [1, null, null, 4, 5, null]);
    const path = await roundTrip(tableOf([spec], [6]), [spec]);
    expect(readFileSync(path, 'utf8')).toBe('int32\n1\n\n\n4\n5\n\n');
  });

  it('an empty table is its header line, and reads back as no rows', async () => {
    const specs = randomColumns(new Random(seed + 3), 0);
    const path = await roundTrip(tableOf(specs, []), specs);
    expect(readFileSync(path, 'utf8')).toBe(`${specs.map((s) => quoteCsvText(s.name, ',')).join(',')}\n`);
  });

  it('a table larger than one chunk of text is written whole, multi-byte text and all', async () => {
    const n = 150_000;
    const text = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `日本 ${i}` : i % 3 === 1 ? `"q" ${i}` : `é,${i}`));
    const table = new arrow.Table({ id: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => i), new arrow.Int32()), s: arrow.vectorFromArray(text, new arrow.Utf8()) });
    const path = nextPath();
    await writeCsvFile(table, path);
    expect(readFileSync(path).length).toBeGreaterThan(2 << 20);
    const ds = openCsvDataset(path, { dtypes: { s: 'string' }, blocksize: 1 << 18 });
    const got: unknown[] = [];
    for (const piece of await planCsvPieces(ds)) got.push(...(await readCsvPiece(ds, piece, ['s'])).getChild('s')!.toArray());
    expect(got).toEqual(text);
  });

  it('column names are quoted like text', async () => {
    const table = new arrow.Table({ 'a,b': arrow.vectorFromArray([1], new arrow.Int32()), ' c': arrow.vectorFromArray(['x'], new arrow.Utf8()) });
    const path = nextPath();
    await writeCsvFile(table, path);
    expect(readFileSync(path, 'utf8')).toBe('"a,b"," c"\n1,x\n');
    expect(openCsvDataset(path).columns.map((c) => c.name)).toEqual(['a,b', ' c']);
  });

  it('a failed write leaves no file behind, and types CSV cannot hold fail before writing', async () => {
    const table = new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()) });
    const dir = join(root, 'target-is-a-dir');
    mkdirSync(join(dir, 'out.csv'), { recursive: true });
    const error = await writeCsvFile(table, join(dir, 'out.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'WRITE_FAILED' });
    expect((error as Error).message).toContain(join(dir, 'out.csv'));
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(readdirSync(join(dir, 'out.csv'))).toEqual([]);

    const list = arrow.vectorFromArray([[1], [2, 3]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true)));
    const nested = join(root, 'nested.csv');
    await expect(writeCsvFile(new arrow.Table({ l: list }), nested)).rejects.toMatchObject({ code: 'CSV_WRITE_TYPE' });
    await expect(writeCsvFile(new arrow.Table({}), nested)).rejects.toMatchObject({ code: 'CSV_NO_COLUMNS' });
    await expect(writeCsvFile(table, nested, { delimiter: '"' })).rejects.toMatchObject({ code: 'CSV_OPTIONS' });
    expect(readdirSync(root).filter((name) => name.includes('nested'))).toEqual([]);
  });
});

describe('formatCsvFloat and quoteCsvText', () => {
  it('spell the values String() would lose or misspell', () => {
    expect([NaN, Infinity, -Infinity, -0, 0, 1e21, 5e-324, 0.1].map(formatCsvFloat)).toEqual(['nan', 'inf', '-inf', '-0', '0', '1e+21', '5e-324', '0.1']);
  });

  it('quote only what a reader could misread', () => {
    const cases: [string, string][] = [
      ['plain', 'plain'], ['', '""'], ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['a\nb', '"a\nb"'], ['a\rb', '"a\rb"'],
      [' lead', '" lead"'], ['trail ', '"trail "'], ['\ttab', '"\ttab"'], ['\uFEFFbom', '"\uFEFFbom"'], ['in side', 'in side'], ['x"', '"x"""'],
    ];
    for (const [text, want] of cases) expect(quoteCsvText(text, ',')).toBe(want);
    expect(quoteCsvText('a;b', ';')).toBe('"a;b"');
    expect(quoteCsvText('a,b', ';')).toBe('a,b');
  });
});
