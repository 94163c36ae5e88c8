/**
 * Opening and planning a CSV dataset: the columns come from the first file's beginning only
 * (10,000 rows, however many bytes they take), the other files' headers are checked, and the
 * planned pieces are exactly `csvPartitionCount` of them, cut where the in-memory splitter
 * would cut, covering every data byte once.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuskError, IoError } from '../../../src/errors.js';
import { csvPartitionCount, openCsvDataset, planCsvPieces, type CsvDataset, type ReadCsvOptions } from '../../../src/io/csv/csv-dataset.js';
import { Random, testSeed } from '../../util/random.js';
import { cutOracle } from './cut-oracle.js';
import { randomCsv } from './random-csv.js';

const root = mkdtempSync(join(tmpdir(), 'dusk-csv-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const seed = testSeed();
let dirNo = 0;

/** Writes the files into a fresh directory; returns their paths. */
function writeFiles(files: Record<string, string | Uint8Array>): { dir: string; paths: string[] } {
  const dir = join(root, `d${dirNo++}`);
  mkdirSync(dir);
  const paths = Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
  return { dir, paths };
}

function thrown(run: () => unknown): DuskError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DuskError);
    return error as DuskError;
  }
  throw new Error('expected an error');
}

/** The plan covers each file's data once, in order, cut where the splitter cuts. */
async function expectPlan(ds: CsvDataset): Promise<void> {
  const pieces = await planCsvPieces(ds);
  expect(pieces.length).toBe(csvPartitionCount(ds));
  expect(pieces.map((p) => p.index)).toEqual(pieces.map((_, i) => i));
  let at = 0;
  for (let f = 0; f < ds.files.length; f++) {
    const file = ds.files[f]!;
    const size = ds.sizes[f]!;
    const bytes = new Uint8Array(readFileSync(file));
    expect(bytes.length).toBe(size);
    const oracle = cutOracle(bytes, ds.options);
    const n = Math.max(1, Math.ceil(size / ds.blocksize));
    const mine = pieces.slice(at, at + n);
    at += n;
    expect(mine.every((p) => p.file === file)).toBe(true);
    const cuts = Array.from({ length: n - 1 }, (_, k) => oracle.cutAt(Math.ceil(((k + 1) * size) / n)));
    expect(mine.map((p) => p.start)).toEqual([oracle.dataStart, ...cuts]);
    expect(mine.map((p) => p.end)).toEqual([...cuts, size]);
    expect(mine.map((p) => p.firstLine)).toEqual(mine.map((p) => oracle.lineAt(p.start)));
  }
  expect(at).toBe(pieces.length);
}

describe('openCsvDataset', () => {
  it('expands a glob in sorted order, with sizes, columns, schema and resolved options', () => {
    const { dir, paths } = writeFiles({ 'b.csv': 'x,y\n3,q\n', 'a.csv': 'x,y\n1,"p"\n2,\n', 'notes.txt': 'x,y\n' });
    const ds = openCsvDataset(join(dir, '*.csv'), { blocksize: '1KB', dtypes: { y: 'dictionary' } });
    expect(ds.files).toEqual([paths[1], paths[0]]);
    expect(ds.sizes).toEqual([13, 8]);
    expect(ds.columns).toEqual([{ name: 'x', dtype: 'int32' }, { name: 'y', dtype: 'dictionary' }]);
    expect(ds.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(['x: Int32', 'y: Dictionary<Int32, Utf8>']);
    expect(ds.blocksize).toBe(1000);
    expect(ds.options).toEqual({ header: true, delimiter: ',', quote: '"', nullValues: [''], dtypes: { x: 'int32', y: 'dictionary' } });
    const { schema: _schema, ...plain } = ds;
    expect(structuredClone(plain)).toEqual(plain);
    expect(openCsvDataset(dir).files).toEqual([paths[1], paths[0]]);
    expect(openCsvDataset([paths[0]!]).blocksize).toBe(128e6);
  });

  it('a missing path, a glob matching nothing, an unknown dtypes column and a bad blocksize', () => {
    const { dir, paths } = writeFiles({ 'a.csv': 'x,y\n1,2\n' });
    expect(thrown(() => openCsvDataset(join(dir, 'nope.csv')))).toMatchObject({ code: 'NOT_FOUND' });
    expect(thrown(() => openCsvDataset(join(dir, '*.tsv')))).toMatchObject({ code: 'NOT_FOUND' });
    const unknown = thrown(() => openCsvDataset(paths[0]!, { dtypes: { z: 'int64' } }));
    expect(unknown).toBeInstanceOf(IoError);
    expect(unknown.code).toBe('CSV_UNKNOWN_COLUMN');
    expect(unknown.message).toContain(paths[0]!);
    expect(thrown(() => openCsvDataset(paths[0]!, { blocksize: 0 })).code).toBe('BAD_SIZE');
    expect(thrown(() => openCsvDataset(paths[0]!, { blocksize: 'big' })).code).toBe('BAD_SIZE');
  });

  it('a file whose header differs is CSV_SCHEMA_MISMATCH naming both files', () => {
    const { dir, paths } = writeFiles({ '1.csv': 'id,name\n1,a\n', '2.csv': 'id,name\n2,b\n', '3.csv': 'id,label\n3,c\n' });
    const error = thrown(() => openCsvDataset(join(dir, '*.csv')));
    expect(error).toBeInstanceOf(IoError);
    expect(error.code).toBe('CSV_SCHEMA_MISMATCH');
    expect(error.message).toBe(
      `${paths[2]}: its columns "id", "label" differ from the columns "id", "name" of ${paths[0]}; every file of a CSV dataset needs the same columns in the same order`,
    );
    const fewer = writeFiles({ '1.csv': 'a,b\n1,2\n', '2.csv': 'a\n1\n' });
    expect(thrown(() => openCsvDataset(join(fewer.dir, '*.csv'))).code).toBe('CSV_SCHEMA_MISMATCH');
    const reordered = writeFiles({ '1.csv': 'a,b\n1,2\n', '2.csv': 'b,a\n1,2\n' });
    expect(thrown(() => openCsvDataset(join(reordered.dir, '*.csv'))).code).toBe('CSV_SCHEMA_MISMATCH');
  });

  it('without a header, files must have as many fields; an empty one has none to compare', () => {
    const ok = writeFiles({ '1.csv': '1,2\n', '2.csv': '', '3.csv': '\uFEFF"5",6' });
    const ds = openCsvDataset(join(ok.dir, '*.csv'), { header: false });
    expect(ds.columns.map((c) => c.name)).toEqual(['column0', 'column1']);
    const bad = writeFiles({ '1.csv': '1,2\n', '2.csv': '1,2,3\n' });
    expect(thrown(() => openCsvDataset(join(bad.dir, '*.csv'), { header: false })).code).toBe('CSV_SCHEMA_MISMATCH');
  });

  it('an empty file is CSV_EMPTY, the first or a later one', () => {
    const first = writeFiles({ 'a.csv': '', 'b.csv': 'x\n1\n' });
    expect(thrown(() => openCsvDataset(join(first.dir, '*.csv'))).code).toBe('CSV_EMPTY');
    const later = writeFiles({ 'a.csv': 'x\n1\n', 'b.csv': '' });
    const error = thrown(() => openCsvDataset(join(later.dir, '*.csv')));
    expect(error.code).toBe('CSV_EMPTY');
    expect(error.message).toContain(later.paths[1]!);
  });

  it('headers longer than the first read, in the first and in later files', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `a_rather_long_column_name_${i}`);
    const header = `${names.join(',')}\n`;
    const row = `${names.map((_, i) => i).join(',')}\n`;
    const { dir } = writeFiles({ '1.csv': header + row, '2.csv': header + row + row });
    const ds = openCsvDataset(join(dir, '*.csv'));
    expect(ds.columns.length).toBe(3000);
    expect(ds.columns[2999]).toEqual({ name: 'a_rather_long_column_name_2999', dtype: 'int32' });
  });

  it('types come from exactly the first 10,000 rows, read in growing steps when they take megabytes', () => {
    const pad = 'x'.repeat(300);
    let text = 'n,pad\n';
    for (let r = 1; r <= 10_000; r++) text += `${r === 10_000 ? '2.5' : r},${pad}\n`;
    text += `abc,${pad}\n`;
    const { paths } = writeFiles({ 'wide.csv': text });
    expect(text.length).toBeGreaterThan(2 << 20); // two doublings past the first read
    expect(openCsvDataset(paths[0]!).columns).toEqual([{ name: 'n', dtype: 'float64' }, { name: 'pad', dtype: 'string' }]);
  });

  it('reads only the beginning of a big file: a 3 GiB file opens from its first rows', () => {
    const { paths } = writeFiles({ 'big.csv': '' });
    const fd = openSync(paths[0]!, 'w');
    let text = 'id,v\n';
    for (let r = 0; r < 12_000; r++) text += `${r},${r / 4}\n`;
    writeSync(fd, text);
    ftruncateSync(fd, 3 * 2 ** 30); // sparse: reading it all would take gigabytes
    closeSync(fd);
    const ds = openCsvDataset(paths[0]!, { blocksize: '256MiB' });
    expect(ds.columns).toEqual([{ name: 'id', dtype: 'int32' }, { name: 'v', dtype: 'float64' }]);
    expect(csvPartitionCount(ds)).toBe(12);
  });
});

describe('csvPartitionCount and planCsvPieces', () => {
  it('counts max(1, ceil(size / blocksize)) per file', () => {
    const { dir } = writeFiles({ 'a.csv': `x\n${'1\n'.repeat(149)}`, 'b.csv': 'x\n', 'c.csv': `x\n${'1\n'.repeat(49)}` });
    const ds = openCsvDataset(join(dir, '*.csv'), { blocksize: 100 });
    expect(ds.sizes).toEqual([300, 2, 100]);
    expect(csvPartitionCount(ds)).toBe(3 + 1 + 1);
    expect(csvPartitionCount({ ...ds, blocksize: 7 })).toBe(43 + 1 + 15);
  });

  const blocksizes: ReadCsvOptions['blocksize'][] = [1, 7, 64, 1000, '1MB'];
  it(`random files with quoted line breaks and doubled quotes, at block sizes ${blocksizes.join(', ')} (seed ${seed})`, async () => {
    const rng = new Random(seed);
    const files: Record<string, string> = {};
    for (let f = 0; f < 4; f++) {
      files[`part-${f}.csv`] = randomCsv(rng, {
        rows: rng.int(0, 200), kinds: ['text', 'int32', 'category'], newline: (['\n', '\r\n', '\r'] as const)[f % 3],
        trailingNewline: f !== 1,
      });
    }
    const { dir } = writeFiles(files);
    for (const blocksize of blocksizes) await expectPlan(openCsvDataset(join(dir, '*.csv'), { blocksize, dtypes: { c1: 'int32' } }));
  });

  it('records longer than a block give empty pieces, and every byte is still covered once', async () => {
    const long = `"${'a,\n'.repeat(40)}"`;
    const { paths } = writeFiles({ 'long.csv': `h\n${long}\n${long}\n1\n` });
    const ds = openCsvDataset(paths[0]!, { blocksize: 10 });
    await expectPlan(ds);
    const pieces = await planCsvPieces(ds);
    expect(pieces.filter((p) => p.start === p.end).length).toBeGreaterThan(pieces.length / 2);
    expect(pieces.filter((p) => p.start < p.end).map((p) => p.firstLine)).toEqual([2, 43, 84]);
  });

  it('a header-only file, a file without a trailing line break, a byte order mark, CRLF', async () => {
    const { dir } = writeFiles({
      '1.csv': 'a,b\n', '2.csv': 'a,b', '3.csv': 'a,b\n1,"x\ny"\n2,z', '4.csv': '\uFEFFa,b\r\n1,2\r\n3,4\r\n', '5.csv': '\uFEFFa,b',
    });
    for (const blocksize of [1, 3, 5, 100]) {
      const ds = openCsvDataset(join(dir, '*.csv'), { blocksize });
      await expectPlan(ds);
      const pieces = await planCsvPieces(ds);
      const firstOf = (name: string) => pieces.find((p) => p.file.endsWith(name))!;
      expect(firstOf('1.csv')).toMatchObject({ start: 4, firstLine: 2 });
      expect(firstOf('2.csv')).toMatchObject({ start: 3, firstLine: 1 });
      expect(firstOf('4.csv')).toMatchObject({ start: 8, firstLine: 2 });
      expect(firstOf('5.csv')).toMatchObject({ start: 6, firstLine: 1 });
    }
  });

  it('without a header the data starts after the byte order mark', async () => {
    const { paths } = writeFiles({ 'nohead.csv': '\uFEFF1,2\n3,"4\n"\n' });
    const ds = openCsvDataset(paths[0]!, { header: false, blocksize: 2 });
    await expectPlan(ds);
    expect((await planCsvPieces(ds))[0]).toMatchObject({ start: 3, firstLine: 1 });
  });
});
