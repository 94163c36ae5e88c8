/**
 * Schema inference: column names (header, duplicates, no header) as DuckDB names them, and the
 * type each sample infers, including DuckDB's detection rules (leading zeros and `+` stay text).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvDType, CsvOptions } from '../../../src/io/csv/csv-options.js';
import { inferCsvSchema } from '../../../src/io/csv/infer-schema.js';
import { useDuckDB } from '../../util/duckdb.js';
import { duckSniffedTypes } from './csv-oracle.js';

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'dusk-csv-infer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

function infer(text: string, options: CsvOptions = {}, sampleRows?: number) {
  return inferCsvSchema(enc.encode(text), 'test.csv', options, sampleRows === undefined ? {} : { sampleRows });
}

/** The dtype inferred for a one-column file holding `values`. */
function typeOf(...values: string[]): CsvDType {
  return infer(`v\n${values.join('\n')}\n`).columns[0]!.dtype;
}

describe('inferCsvSchema', () => {
  it('picks the narrowest type all non-null values parse as', () => {
    expect(typeOf('1', '-2', '2147483647', '-2147483648', '')).toBe('int32');
    expect(typeOf('1', '2147483648')).toBe('int64');
    expect(typeOf('-9223372036854775808', '9223372036854775807', '9007199254740993')).toBe('int64');
    expect(typeOf('1', '9223372036854775808')).toBe('float64');
    expect(typeOf('1', '-2.5', '1e10', '.5', '5.', '-0', ' 7 ')).toBe('float64');
    expect(typeOf('NaN', 'inf', '-Infinity', 'INF', 'nan', '-inf', '3')).toBe('float64');
    expect(typeOf('true', 'FALSE', 'True', 't', 'F')).toBe('bool');
    expect(typeOf('1', '0', '1')).toBe('int32');
    expect(typeOf('true', '1')).toBe('string');
    expect(typeOf('yes', 'no')).toBe('string');
    expect(typeOf('1', 'abc')).toBe('string');
    expect(typeOf('1.5', '1e', '.')).toBe('string');
  });

  it('an all-null column is a string column, and a quoted "" is text, not null', () => {
    expect(typeOf('', '', '')).toBe('string');
    expect(infer('a,b\n,1\n,2\n').columns[0]!.dtype).toBe('string');
    expect(typeOf('"1"', '"2"')).toBe('int32');
    expect(typeOf('1', '""')).toBe('string');
    expect(infer('a\n1\nNA\n', { nullValues: ['NA'] }).columns[0]!.dtype).toBe('int32');
  });

  it("keeps DuckDB's detection rules: leading zeros and a leading + stay text", async () => {
    const cases: [string, string[], CsvDType][] = [
      ['zip', ['007', '12'], 'string'],
      ['zeros', ['00', '1'], 'string'],
      ['half', ['00.5', '1'], 'string'],
      ['phone', ['+44', '1'], 'string'],
      ['zero', ['0', '5'], 'int32'],
      ['neg', ['-007', '5'], 'int32'],
      ['frac', ['0.5', '0e5'], 'float64'],
    ];
    const text = `${cases.map((c) => c[0]).join(',')}\n${[0, 1].map((r) => cases.map((c) => c[1][r]).join(',')).join('\n')}\n`;
    const file = join(dir, 'rules.csv');
    writeFileSync(file, text);
    const { columns } = infer(text);
    expect(columns.map((c) => c.dtype)).toEqual(cases.map((c) => c[2]));
    const sniffed = await duckSniffedTypes(await duck.connection(), file);
    const family = { int32: 'BIGINT', int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR', dictionary: 'VARCHAR' };
    expect(columns.map((c) => sniffed[c.name])).toEqual(columns.map((c) => family[c.dtype]));
  });

  it('reads only the sample: a value after it does not change the type', () => {
    const text = `n\n${Array.from({ length: 50 }, (_, i) => i).join('\n')}\nabc\n`;
    expect(infer(text, {}, 50).columns[0]!.dtype).toBe('int32');
    expect(infer(text, {}, 51).columns[0]!.dtype).toBe('string');
    expect(infer(text).sampledRows).toBe(51);
  });

  it('takes a sample that ends in the middle of a record when told it is truncated', () => {
    const text = 'a,b\n1,"x"\n2,"y\nz"\n3,4.5\n';
    const cut = enc.encode(text).subarray(0, text.indexOf('z'));
    const schema = inferCsvSchema(cut, 'cut.csv', {}, { truncated: true });
    expect(schema.sampledRows).toBe(1);
    expect(schema.columns).toEqual([{ name: 'a', dtype: 'int32' }, { name: 'b', dtype: 'string' }]);
    expect(() => inferCsvSchema(cut, 'cut.csv')).toThrow(/unterminated quote/);
  });

  it('names columns as DuckDB does: repeats get _1, empty names column<i>, no header column0...', async () => {
    const text = 'a,a,,b,"x\ny"\n1,2,3,4,5\n';
    const file = join(dir, 'names.csv');
    writeFileSync(file, text);
    const names = infer(text).columns.map((c) => c.name);
    expect(names).toEqual(['a', 'a_1', 'column2', 'b', 'x\ny']);
    expect(Object.keys(await duckSniffedTypes(await duck.connection(), file))).toEqual(names);
    expect(infer('1;2\n3;4\n', { header: false, delimiter: ';' }).columns).toEqual([
      { name: 'column0', dtype: 'int32' }, { name: 'column1', dtype: 'int32' },
    ]);
  });

  it('dtypes override inference, and the header is found after a byte order mark', () => {
    const schema = infer('\uFEFFid,v\n1,2\n', { dtypes: { id: 'int64', v: 'dictionary' } });
    expect(schema.columns).toEqual([{ name: 'id', dtype: 'int64' }, { name: 'v', dtype: 'dictionary' }]);
    expect(schema.headerStart).toBe(3);
    expect(schema.headerEnd).toBe(8);
    expect(infer('\uFEFF"a,b",c\n1,2\n').columns.map((c) => c.name)).toEqual(['a,b', 'c']);
  });
});
