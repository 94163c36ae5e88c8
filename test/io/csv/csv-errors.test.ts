/**
 * The CSV reader's errors: a value that does not fit its column (CSV_TYPE, with file, column,
 * line, byte, value and the `dtypes` fix), malformed records (CSV_MALFORMED), text that is not
 * UTF-8, an unknown column in `dtypes`, bad options, and an empty file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError } from '../../../src/errors.js';
import type { CsvOptions } from '../../../src/io/csv/csv-options.js';
import { inferCsvSchema } from '../../../src/io/csv/infer-schema.js';
import { parseCsvBlock } from '../../../src/io/csv/parse-csv-block.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { readCsvBlocks } from './csv-oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-csv-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

function write(name: string, text: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The IoError reading `file` in blocks raises (it must raise one). */
function readError(file: string, blockBytes: number, options: CsvOptions = {}): IoError {
  try {
    readCsvBlocks(file, blockBytes, options);
  } catch (error) {
    expect(error).toBeInstanceOf(IoError);
    return error as IoError;
  }
  throw new Error(`reading ${file} did not fail`);
}

/** A file whose `amount` column holds integers on lines 2..(bad line - 1), then `bad`. */
function intsThen(name: string, bad: string, badLine: number): { file: string; offset: number } {
  let text = 'id,amount,name\n';
  for (let line = 2; line < badLine; line++) text += `${line},${line * 3 - 7},"n ${line}"\n`;
  const offset = Buffer.byteLength(text) + `${badLine},`.length;
  text += `${badLine},${bad},x\n${badLine + 1},5,y\n`;
  return { file: write(name, text), offset };
}

describe('CSV errors', () => {
  it("'abc' on line 10,005 of a column inferred int32 from its first 10,000 rows is CSV_TYPE with the fix", async () => {
    const { file, offset } = intsThen('abc.csv', 'abc', 10_005);
    const { columns } = inferCsvSchema(new Uint8Array(readFileSync(file)), file);
    expect(columns.find((c) => c.name === 'amount')!.dtype).toBe('int32');
    for (const blockBytes of [100, 4096, 1 << 22]) {
      const error = readError(file, blockBytes);
      expect(error.code).toBe('CSV_TYPE');
      expect(error.message).toBe(
        `${file}: line 10005, column "amount" (byte ${offset}): "abc" is not an int32; read the column with dtypes: { amount: 'string' }`,
      );
    }
    // DuckDB counts the same line when told the column is an INTEGER.
    const conn = await duck.connection();
    await expect(conn.run(`SELECT * FROM read_csv(${sqlPath(file)}, header=true, columns={'id': 'INTEGER', 'amount': 'INTEGER', 'name': 'VARCHAR'})`))
      .rejects.toThrow(/Line: 10005/);
    expect(readCsvBlocks(file, 4096, { dtypes: { amount: 'string' } }).table.numRows).toBe(10_005);
  });

  it('a fraction or a number past int32 in an int32 column says which dtype reads it', () => {
    const fraction = intsThen('fraction.csv', '3.5', 40);
    const asInt32: CsvOptions = { dtypes: { amount: 'int32' } }; // small files: the sample would see these values
    expect(readError(fraction.file, 64, asInt32).message).toBe(
      `${fraction.file}: line 40, column "amount" (byte ${fraction.offset}): "3.5" is not an int32; read the column with dtypes: { amount: 'float64' }`,
    );
    const big = intsThen('big.csv', '3000000000', 7);
    expect(readError(big.file, 64, asInt32).message).toMatch(/line 7, column "amount" .*"3000000000" does not fit in int32; read the column with dtypes: \{ amount: 'int64' \}/);
    const huge = write('huge.csv', 'k\n1\n9223372036854775808\n');
    expect(readError(huge, 64, { dtypes: { k: 'int64' } }).message).toMatch(/line 3, column "k" \(byte 4\): "9223372036854775808" does not fit in int64; .*\{ k: 'float64' \}/);
  });

  it('bad floats and bools, quoted names in the fix, and lines counted through quoted line breaks', () => {
    const file = write('floats.csv', 'x,"my col",b\n1.5,"a\nb",true\n2,"c",maybe\n');
    expect(readError(file, 1, { dtypes: { x: 'float64', b: 'bool' } }).message).toBe(
      `${file}: line 4, column "b" (byte 34): "maybe" is not a bool; read the column with dtypes: { b: 'string' }`,
    );
    const named = write('named.csv', 'my col\n1\nx y\n');
    expect(readError(named, 1, { dtypes: { 'my col': 'float64' } }).message).toContain(`dtypes: { "my col": 'string' }`);
  });

  it('a record with the wrong number of fields is CSV_MALFORMED naming the file and line', () => {
    const few = write('few.csv', 'a,b,c\n1,2,3\n"x\ny",5,6\n7,8\n');
    const error = readError(few, 3);
    expect(error.code).toBe('CSV_MALFORMED');
    expect(error.message).toBe(`${few}: line 5 (byte 22): expected 3 fields, found 2`);
    const many = write('many.csv', 'a,b\n1,2\n3,4,5\n');
    expect(readError(many, 1000).message).toBe(`${many}: line 3 (byte 8): expected 2 fields, found 3`);
    // In the sample, found while inferring types, after a header that spans two lines.
    expect(() => inferCsvSchema(new TextEncoder().encode('"a\nb",c\n1,2\n3\n'), 'h.csv'))
      .toThrow('h.csv: line 4 (byte 12): expected 2 fields, found 1');
  });

  it('an unterminated quote at the end of the file is CSV_MALFORMED at the opening quote', () => {
    const file = write('open.csv', 'a,b\n1,2\n3,"never\nclosed\n');
    const error = readError(file, 1);
    expect(error.code).toBe('CSV_MALFORMED');
    expect(error.message).toMatch(new RegExp(`^${file}: line 3 \\(byte 10\\): unterminated quote`));
  });

  it('text after a closing quote is CSV_MALFORMED; spaces there are allowed', () => {
    const file = write('after.csv', 'a,b\n"x"y,1\n');
    expect(readError(file, 1).message).toMatch(/line 2 \(byte 7\): unexpected "y" after a closing quote/);
    const ok = write('spaces.csv', 'a,b\n"x"  ,1\n');
    expect(readCsvBlocks(ok, 1).table.getChild('a')!.get(0)).toBe('x');
  });

  it('text that is not UTF-8 in a string column is CSV_ENCODING naming the column and line', () => {
    const file = write('latin1.csv', Uint8Array.from([...Buffer.from('a,s\n1,ok\n2,caf'), 0xe9, ...Buffer.from('\n')]));
    const error = readError(file, 1000);
    expect(error.code).toBe('CSV_ENCODING');
    expect(error.message).toBe(`${file}: line 3, column "s" (byte 11): the text is not valid UTF-8`);
  });

  it('a dtypes entry for a column the file lacks names it and lists the columns', () => {
    const file = write('cols.csv', 'id,amount\n1,2\n');
    const error = readError(file, 100, { dtypes: { amout: 'float64' } });
    expect(error.code).toBe('CSV_UNKNOWN_COLUMN');
    expect(error.message).toBe(`${file}: dtypes names a column "amout" that the file does not have; its columns are "id", "amount"`);
    const typo = readError(file, 100, { dtypes: { amount: 'double' as never } });
    expect(typo.code).toBe('CSV_OPTIONS');
    expect(typo.message).toContain('int32, int64, float64, bool, string, dictionary');
  });

  it('bad options and an empty file are IoErrors', () => {
    const file = write('empty.csv', '');
    expect(readError(file, 10).code).toBe('CSV_EMPTY');
    expect(readCsvBlocks(file, 10, { header: false }).table.numCols).toBe(0);
    const csv = write('opts.csv', 'a\n1\n');
    expect(readError(csv, 10, { delimiter: ';;' }).code).toBe('CSV_OPTIONS');
    expect(readError(csv, 10, { delimiter: '"' }).code).toBe('CSV_OPTIONS');
    expect(() => parseCsvBlock(new Uint8Array(0), [], { file: csv, byteOffset: 0, firstLine: 1 }, { delimiter: '\n' })).toThrow(IoError);
  });
});
