/**
 * Reading a CSV dataset piece by piece: all pieces of a glob, concatenated, equal DuckDB's
 * `read_csv` of the same files at every block size (so pieces that start inside what looks like
 * quoted text, empty pieces and one-record pieces all occur); only the asked-for columns are
 * built; errors name the file, line, column, byte and the `dtypes` fix.
 */
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError, SchemaError } from '../../../src/errors.js';
import type { CsvOptions } from '../../../src/io/csv/csv-options.js';
import { openCsvDataset, planCsvPieces, type CsvDataset, type ReadCsvOptions } from '../../../src/io/csv/csv-dataset.js';
import { readCsvPiece } from '../../../src/io/csv/read-csv-piece.js';
import { useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';
import { duckRead, expectSameValues } from './csv-oracle.js';
import { randomCsv, type CsvKind } from './random-csv.js';

const root = mkdtempSync(join(tmpdir(), 'dusk-csv-piece-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const duck = useDuckDB();
const seed = testSeed();
let dirNo = 0;

function writeFiles(files: Record<string, string>): { dir: string; paths: string[] } {
  const dir = join(root, `d${dirNo++}`);
  mkdirSync(dir);
  const paths = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });
  return { dir, paths };
}

/** Every piece of the dataset read with `columns`, in order, as one table. */
async function readAll(ds: CsvDataset, columns = ds.columns.map((c) => c.name)): Promise<{ table: arrow.Table; parts: arrow.Table[] }> {
  const parts: arrow.Table[] = [];
  for (const piece of await planCsvPieces(ds)) parts.push(await readCsvPiece(ds, piece, columns));
  return { table: new arrow.Table(ds.schema.select(columns), parts.flatMap((part) => part.batches)), parts };
}

/** DuckDB's rows of every file, column by column, concatenated. */
async function duckReadAll(ds: CsvDataset, options: CsvOptions): Promise<unknown[][]> {
  const out: unknown[][] = ds.columns.map(() => []);
  for (const file of ds.files) {
    const cols = await duckRead(await duck.connection(), file, ds.columns, options);
    cols.forEach((values, c) => out[c]!.push(...values));
  }
  return out;
}

async function readError(ds: CsvDataset, columns: string[]): Promise<IoError> {
  try {
    await readAll(ds, columns);
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return error as IoError;
  }
  throw new Error('reading did not fail');
}

const KINDS: CsvKind[] = ['int32', 'int64', 'float', 'bool', 'text', 'category'];
const DTYPES: ReadCsvOptions['dtypes'] = { c0: 'int32', c1: 'int64', c2: 'float64', c3: 'bool', c4: 'string', c5: 'dictionary' };

describe('readCsvPiece', () => {
  const dialects: [string, CsvOptions, '\n' | '\r\n' | '\r'][] = [
    ['LF', {}, '\n'], ['CRLF, ";"', { delimiter: ';' }, '\r\n'], ['CR, no header', { header: false }, '\r'],
  ];
  for (const [what, options, newline] of dialects) {
    it(`a glob of random files (${what}) equals DuckDB at every block size (seed ${seed})`, async () => {
      const rng = new Random(seed);
      const files: Record<string, string> = {};
      for (let f = 0; f < 3; f++) {
        files[`part-${f}.csv`] = randomCsv(rng, {
          rows: rng.int(40, 160), kinds: KINDS, newline, delimiter: options.delimiter, header: options.header,
          trailingNewline: f !== 2, nullRate: 0.15,
        });
      }
      const { dir } = writeFiles(files);
      const dtypes = options.header === false
        ? Object.fromEntries(Object.entries(DTYPES!).map(([name, dtype]) => [name.replace('c', 'column'), dtype]))
        : DTYPES;
      let duckValues: unknown[][] | null = null;
      for (const blocksize of [5, 37, 500, 1e6]) {
        const ds = openCsvDataset(join(dir, 'part-*.csv'), { ...options, dtypes, blocksize });
        const { table, parts } = await readAll(ds);
        duckValues ??= await duckReadAll(ds, options);
        expectSameValues(table, ds.columns, duckValues, `${what} in ${blocksize}-byte blocks`);
        for (const part of parts) expect(part.schema.fields.map(String)).toEqual(ds.schema.fields.map(String));
        if (blocksize === 5) expect(parts.some((p) => p.numRows === 0)).toBe(true);
      }
    });
  }

  it('returns only the asked-for columns, in the order asked, with their dataset types', async () => {
    const { paths } = writeFiles({ 'abc.csv': 'a,b,c\n1,x,2.5\n2,"y,z",\n' });
    const ds = openCsvDataset(paths[0]!, { dtypes: { b: 'dictionary' } });
    const [piece] = await planCsvPieces(ds);
    const table = await readCsvPiece(ds, piece!, ['c', 'b']);
    expect(table.schema.fields.map(String)).toEqual(['c: Float64', 'b: Dictionary<Int32, Utf8>']);
    expect(table.getChild('c')!.toArray()).toEqual(Float64Array.of(2.5, 0));
    expect(table.getChild('c')!.get(1)).toBeNull();
    expect(table.getChild('b')!.toArray()).toEqual(['x', 'y,z']);
    const none = await readCsvPiece(ds, piece!, []);
    expect(none.numCols).toBe(0);
    expect(none.numRows).toBe(2);
  });

  it('a U+FEFF that starts a field is text: "a" and "\uFEFFa" are two dictionary values', async () => {
    const { paths } = writeFiles({ 'bom.csv': '\uFEFFk\na\n\uFEFFa\n"\uFEFFa"\na\n' });
    const ds = openCsvDataset(paths[0]!, { dtypes: { k: 'dictionary' } });
    expect(ds.columns).toEqual([{ name: 'k', dtype: 'dictionary' }]);
    const [piece] = await planCsvPieces(ds);
    const data = (await readCsvPiece(ds, piece!, ['k'])).getChild('k')!.data[0]!;
    expect(Array.from(data.values as Int32Array)).toEqual([0, 1, 1, 0]);
    const dictionary = data.dictionary!.data[0]!;
    expect(Array.from(dictionary.values as Uint8Array)).toEqual([0x61, 0xef, 0xbb, 0xbf, 0x61]);
  });

  it('an empty piece is a 0-row table with the schema of the asked-for columns', async () => {
    const { paths } = writeFiles({ 'h.csv': 'a,b\n' });
    const ds = openCsvDataset(paths[0]!, { dtypes: { a: 'int64', b: 'dictionary' } });
    const pieces = await planCsvPieces(ds);
    expect(pieces).toEqual([{ file: paths[0], start: 4, end: 4, firstLine: 2, index: 0 }]);
    const table = await readCsvPiece(ds, pieces[0]!, ['b', 'a']);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map(String)).toEqual(['b: Dictionary<Int32, Utf8>', 'a: Int64']);
  });

  it('a bad value late in the second file is CSV_TYPE naming the file, line, column, byte and fix', async () => {
    let text = 'id,amount,name\n';
    for (let line = 2; line < 12_000; line++) text += `${line},${line % 97},"n ${line}"\n`;
    const offset = Buffer.byteLength(text) + '12000,'.length;
    text += '12000,12.5,x\n12001,7,y\n';
    const { dir, paths } = writeFiles({ '1.csv': 'id,amount,name\n1,2,a\n', '2.csv': text });
    for (const blocksize of [4096, 1e6]) {
      const ds = openCsvDataset(join(dir, '*.csv'), { blocksize });
      expect(ds.columns.map((c) => c.dtype)).toEqual(['int32', 'int32', 'string']);
      const error = await readError(ds, ['amount']);
      expect(error.code).toBe('CSV_TYPE');
      expect(error.message).toBe(
        `${paths[1]}: line 12000, column "amount" (byte ${offset}): "12.5" is not an int32; read the column with dtypes: { amount: 'float64' }`,
      );
      // A column that is not asked for is not converted, so its bad value goes unnoticed (as in DuckDB).
      const { table } = await readAll(ds, ['id', 'name']);
      expect(table.numRows).toBe(12_001);
    }
  });

  it('an unknown column is a SchemaError; a file cut short after opening is FILE_CHANGED', async () => {
    const { paths } = writeFiles({ 'short.csv': `a,b\n${'1,2\n'.repeat(100)}` });
    const ds = openCsvDataset(paths[0]!, { blocksize: 100 });
    const pieces = await planCsvPieces(ds);
    const unknown = await readCsvPiece(ds, pieces[0]!, ['a', 'zz']).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(SchemaError);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_COLUMN' });
    expect((unknown as Error).message).toContain('"zz"');
    truncateSync(paths[0]!, 150);
    const changed = await readCsvPiece(ds, pieces.at(-1)!, ['a']).catch((error: unknown) => error);
    expect(changed).toBeInstanceOf(IoError);
    expect(changed).toMatchObject({ code: 'FILE_CHANGED' });
    rmSync(paths[0]!);
    await expect(readCsvPiece(ds, pieces[0]!, ['a'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(planCsvPieces(ds)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
