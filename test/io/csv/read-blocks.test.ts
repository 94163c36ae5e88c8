/**
 * The CSV block reader against DuckDB: generated files are read by inferring the schema,
 * splitting into many small blocks (so that block targets land inside quoted fields) and
 * parsing each block alone; every value must equal DuckDB's `read_csv` of the same file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvOptions } from '../../../src/io/csv/csv-options.js';
import { useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';
import { duckSniffedTypes, expectMatchesDuckDB } from './csv-oracle.js';
import { randomCsv, type RandomCsvSpec } from './random-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();
const seed = testSeed();
const SIZES = [1, 61, 500, 1 << 20];

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function check(name: string, text: string, options: CsvOptions = {}, sizes = SIZES) {
  return expectMatchesDuckDB(await duck.connection(), write(name, text), sizes, options);
}

describe('CSV blocks against DuckDB', () => {
  const cases: [string, RandomCsvSpec, CsvOptions][] = [
    ['every type, LF', { rows: 400, kinds: ['int32', 'int64', 'float', 'bool', 'text', 'category'] }, {}],
    ['text and categories, CRLF', { rows: 300, kinds: ['text', 'category', 'int32', 'text'], newline: '\r\n' }, {}],
    ["';' delimiter, no header", { rows: 200, kinds: ['text', 'float', 'int64'], delimiter: ';', header: false }, { delimiter: ';', header: false }],
    ["'|' delimiter, CRLF, no trailing newline", { rows: 200, kinds: ['category', 'text', 'bool'], delimiter: '|', newline: '\r\n', trailingNewline: false }, { delimiter: '|' }],
    ['no trailing newline after a quoted field', { rows: 150, kinds: ['int32', 'text'], trailingNewline: false, nullRate: 0 }, {}],
    ['lone CR line ends', { rows: 150, kinds: ['text', 'int32'], newline: '\r' }, {}],
    ['many nulls', { rows: 200, kinds: ['int32', 'float', 'bool', 'text'], nullRate: 0.7 }, {}],
  ];
  for (const [what, spec, options] of cases) {
    it(`${what} (seed ${seed})`, async () => {
      const text = randomCsv(new Random(seed), spec);
      const { table, blocks } = await check(`${what.replace(/\W+/g, '-')}.csv`, text, options, SIZES);
      expect(table.numRows).toBe(spec.rows);
      expect(blocks).toBe(1); // the last size holds the whole file
    });
  }

  it(`infers int32, int64, float64, bool, string and reads text as dictionaries on request (seed ${seed})`, async () => {
    const text = randomCsv(new Random(seed), { rows: 500, kinds: ['int32', 'int64', 'float', 'bool', 'text', 'category'], nullRate: 0.05 });
    const { columns, table } = await check('types.csv', text, { dtypes: { c5: 'dictionary' } });
    expect(columns.map((c) => c.dtype)).toEqual(['int32', 'int64', 'float64', 'bool', 'string', 'dictionary']);
    expect(String(table.schema.fields[5]!.type)).toBe('Dictionary<Int32, Utf8>');
  });

  it(`infers the type families DuckDB's sniffer does on plain files (seed ${seed})`, async () => {
    const rng = new Random(seed);
    const lines = ['small,big,real,flag,word'];
    for (let i = 0; i < 3000; i++) {
      lines.push([rng.int(-1000, 1000), rng.bits64(true), (rng.next() - 0.5) * 1e6, rng.next() < 0.5 ? 'true' : 'FALSE', `w${rng.int(0, 99)}`].join(','));
    }
    const file = write('plain.csv', `${lines.join('\n')}\n`);
    const { columns } = await expectMatchesDuckDB(await duck.connection(), file, [4096]);
    const sniffed = await duckSniffedTypes(await duck.connection(), file);
    const family = { int32: 'BIGINT', int64: 'BIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR', dictionary: 'VARCHAR' };
    expect(columns.map((c) => family[c.dtype])).toEqual(columns.map((c) => sniffed[c.name]));
    expect(columns.map((c) => c.dtype)).toEqual(['int32', 'int64', 'float64', 'bool', 'string']);
  });

  it('quoted delimiters, embedded newlines, escaped quotes, quoted and unquoted empties', async () => {
    const text = 'id,note,n\n1,"a,b",5\n2,"line one\nline two",\n3,"say ""hi""",7\n4,"",8\n5,,9\n6,"x\r\ny",10\n7,ab"c,11\n';
    const { table } = await check('quoting.csv', text, {}, [1, 5, 13, 1000]);
    expect(table.getChild('note')!.toArray()).toEqual(['a,b', 'line one\nline two', 'say "hi"', '', null, 'x\r\ny', 'ab"c']);
    expect(table.getChild('n')!.get(1)).toBeNull();
  });

  it('int64 values beyond 2^53 are exact, negative numbers, NaN and infinities', async () => {
    const text = 'i,f\n9007199254740993,NaN\n-9223372036854775808,inf\n9223372036854775807,-Infinity\n-9007199254740995,-0\n12345678901234567,1e-320\n';
    const { table, columns } = await check('exact.csv', text, {}, [1, 1000]);
    expect(columns.map((c) => c.dtype)).toEqual(['int64', 'float64']);
    expect(table.getChild('i')!.toArray()).toEqual(BigInt64Array.of(9007199254740993n, -9223372036854775808n, 9223372036854775807n, -9007199254740995n, 12345678901234567n));
    expect(Array.from(table.getChild('f')!.toArray() as Float64Array)).toEqual([NaN, Infinity, -Infinity, -0, 1e-320]);
  });

  it('a file with only a header has its columns and no rows, with or without a line break', async () => {
    for (const [name, text] of [['header-lf.csv', 'a,b,c\n'], ['header-crlf.csv', 'a,b,c\r\n'], ['header-only.csv', 'a,b,c']]) {
      const { table, columns } = await check(name!, text!, {}, [1, 100]);
      expect(columns).toEqual([{ name: 'a', dtype: 'string' }, { name: 'b', dtype: 'string' }, { name: 'c', dtype: 'string' }]);
      expect(table.numRows).toBe(0);
    }
  });

  it('trailing newline or none give the same rows; blank lines are skipped, but are null rows of a one-column file', async () => {
    const a = await check('trail.csv', 'a,b\n1,x\n2,y\n', {}, [1, 100]);
    const b = await check('no-trail.csv', 'a,b\n1,x\n2,y', {}, [1, 100]);
    expect(a.table.numRows).toBe(2);
    expect(b.table.numRows).toBe(2);
    const blank = await check('blank-lines.csv', 'a,b\n1,x\n\n\n2,y\n\n', {}, [1, 100]);
    expect(blank.table.numRows).toBe(2);
    const single = await check('one-column.csv', 'a\n1\n\n3\n', {}, [1, 100]);
    expect(single.table.getChild('a')!.toArray()).toEqual(Int32Array.of(1, 0, 3));
    expect(single.table.getChild('a')!.get(1)).toBeNull();
  });

  it('custom null texts, a byte order mark, and dtypes overrides', async () => {
    const text = '\uFEFFk,v,s\n1,NA,NA\n2,,""\n3,"NA",x\n4,2.5,NA\n';
    const options: CsvOptions = { nullValues: ['NA', ''], dtypes: { k: 'float64', s: 'dictionary' } };
    const { table, columns } = await check('nulls.csv', text, options, [1, 100]);
    expect(columns).toEqual([{ name: 'k', dtype: 'float64' }, { name: 'v', dtype: 'string' }, { name: 's', dtype: 'dictionary' }]);
    expect(table.getChild('v')!.toArray()).toEqual([null, null, 'NA', '2.5']);
    expect(table.getChild('s')!.toArray()).toEqual([null, '', 'x', null]);
  });

  it(`a file of 25,000 rows, more than the 10,000-row sample, in 64 KiB blocks (seed ${seed})`, async () => {
    const text = randomCsv(new Random(seed + 1), { rows: 25_000, kinds: ['int64', 'float', 'text', 'category', 'bool'] });
    const { table, blocks } = await check('large.csv', text, { dtypes: { c3: 'dictionary' } }, [65536]);
    expect(table.numRows).toBe(25_000);
    expect(blocks).toBeGreaterThan(10);
  });
});
