/**
 * readParquetPiece against DuckDB reading the same files: every piece of a plan concatenated is
 * DuckDB's `SELECT *` exactly (all integer widths, int64/uint64 extremes, NaN, ±Infinity, -0,
 * nulls, strings), for merged, single and split row groups; column subsets and order; hive
 * columns; dictionary columns; worker threads; and corrupt or changed files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../../src/errors.js';
import { openParquetDataset, planParquetPieces, type ParquetPiece } from '../../../src/io/parquet/parquet-dataset.js';
import { readParquetPiece } from '../../../src/io/parquet/read-parquet-piece.js';
import { writeParquetFile } from '../../../src/io/parquet/write-parquet-file.js';
import { Random } from '../../util/random.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { ALL_TYPES_SELECT, concatTables, duckRows, duckWrite, expectSameRows, tableRows } from './parquet-fixtures.js';
import { transpileForWorker } from './transpile-for-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-pq-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();
const ROWS = 10_000;
const main = join(dir, 'main.parquet');

beforeAll(async () => {
  const c = await duck.connection();
  await duckWrite(c, main, ALL_TYPES_SELECT, ROWS, 2048);
  await c.run(`COPY (SELECT i::BIGINT AS id, (i % 3)::INTEGER AS year, ['eu', 'a/b=c%d é', NULL][(i % 3) + 1] AS region, i * 2 AS v
    FROM range(3000) t(i)) TO ${sqlPath(join(dir, 'hive'))} (FORMAT parquet, PARTITION_BY (year, region))`);
});

async function readAll(pieces: ParquetPiece[], columns: string[]): Promise<arrow.Table[]> {
  return Promise.all(pieces.map((p) => readParquetPiece(p, columns)));
}

async function ioRejection(promise: Promise<unknown>): Promise<IoError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(IoError);
  return error as IoError;
}

/** The byte range of one column chunk (or of a whole row group, when `column` is null). */
async function chunkRange(file: string, group: number, column: string | null): Promise<[number, number]> {
  const [row] = await duckRows(
    await duck.connection(),
    `SELECT min(coalesce(dictionary_page_offset, data_page_offset)), max(coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size)
     FROM parquet_metadata(${sqlPath(file)}) WHERE row_group_id = ${group} ${column === null ? '' : `AND path_in_schema = '${column}'`}`,
  );
  return [Number(row![0]), Number(row![1])];
}

describe('readParquetPiece', () => {
  it("gives DuckDB's SELECT * exactly when every piece is read and concatenated", async () => {
    const ds = openParquetDataset(main);
    const columns = ds.schema.fields.map((f) => f.name);
    const theirs = await duckRows(await duck.connection(), `SELECT * FROM ${sqlPath(main)}`);
    const groupBytes = ds.fileRowGroups[0]![0]!.bytes;
    for (const blocksize of [1e12, groupBytes * 1.5, groupBytes / 2.5]) {
      const { pieces } = planParquetPieces(ds, { columns, predicate: null, blocksize });
      const tables = await readAll(pieces, columns);
      tables.forEach((t, i) => {
        expect(t.numRows).toBe(pieces[i]!.rows);
        expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(ds.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
      });
      expectSameRows(tableRows(concatTables(tables, tables[0]!.schema)), theirs, `blocksize ${blocksize}`);
    }
  });

  it('reads only the columns asked for, in the order asked', async () => {
    const ds = openParquetDataset(main);
    const columns = ['u64', 's', 'v', 'f32'];
    const { pieces } = planParquetPieces(ds, { columns, predicate: null, blocksize: 1e5 });
    const tables = await readAll(pieces, columns);
    expect(tables[0]!.schema.fields.map((f) => f.name)).toEqual(columns);
    const theirs = await duckRows(await duck.connection(), `SELECT u64, s, v, f32 FROM ${sqlPath(main)}`);
    expectSameRows(tableRows(concatTables(tables, tables[0]!.schema)), theirs, 'subset');
  });

  it('reads part of a row group by offset and limit', async () => {
    const table = await readParquetPiece({ file: main, rowGroups: [1, 3], offset: 2000, limit: 100, rows: 100 }, ['v', 'i64']);
    // Rows 2000.. of groups 1 and 3 together: the last 48 of group 1 (v 4048..4095), then group 3 (v 6144..).
    const theirs = await duckRows(
      await duck.connection(),
      `SELECT v, i64 FROM ${sqlPath(main)} WHERE v BETWEEN 4048 AND 4095 OR v BETWEEN 6144 AND 6195 ORDER BY v`,
    );
    expectSameRows(tableRows(table), theirs, 'offset/limit');
  });

  it('reads no columns at all as the right number of rows', async () => {
    const table = await readParquetPiece({ file: main, rowGroups: [0, 4], rows: 3856 }, []);
    expect(table.numCols).toBe(0);
    expect(table.numRows).toBe(2048 + 1808);
    const part = await readParquetPiece({ file: main, rowGroups: [4], offset: 1800, limit: 50, rows: 8 }, []);
    expect(part.numRows).toBe(8);
  });

  it('adds hive partition columns as constant dictionary columns, as DuckDB reads them', async () => {
    const ds = openParquetDataset(join(dir, 'hive'));
    const columns = ['region', 'id', 'year', 'v'];
    const { pieces } = planParquetPieces(ds, { columns, predicate: null, blocksize: 1e9 });
    const tables = await readAll(pieces, columns);
    for (const t of tables) {
      t.schema.fields.forEach((f, i) => {
        const expected = ds.schema.fields.find((d) => d.name === f.name)!;
        expect(arrow.util.compareTypes(f.type, expected.type), f.name).toBe(true);
        expect(t.getChildAt(i)!.type).toBe(f.type);
      });
    }
    const ours = tableRows(concatTables(tables, tables[0]!.schema)).sort((a, b) => Number(a[1]) - Number(b[1]));
    const theirs = await duckRows(
      await duck.connection(),
      `SELECT region, id, year::VARCHAR, v FROM read_parquet(${sqlPath(join(dir, 'hive', '**', '*.parquet'))}, hive_partitioning = true) ORDER BY id`,
    );
    expectSameRows(ours, theirs, 'hive');
    expect(ours.filter((r) => r[0] === 'a/b=c%d é')).toHaveLength(1000);
    const only = await readParquetPiece(pieces[0]!, ['year', 'region']); // no file column at all
    expect(only.numRows).toBe(pieces[0]!.rows);
    expect(new Set(tableRows(only).map((r) => `${r[0]}|${r[1]}`))).toEqual(new Set([`${pieces[0]!.hive!.year}|${pieces[0]!.hive!.region}`]));
  });

  it('keeps dictionary columns as dictionaries with the types of the dataset schema', async () => {
    const file = join(dir, 'dict.parquet');
    const dict = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    await writeParquetFile(
      new arrow.Table({
        a: arrow.vectorFromArray(['x', 'y', null, 'x'], dict()),
        n: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Int32()),
        b: arrow.vectorFromArray(['p', 'q', 'q', null], dict()),
      }),
      file,
    );
    const ds = openParquetDataset(file);
    for (const columns of [['a', 'n', 'b'], ['b'], ['n', 'a']]) {
      const table = await readParquetPiece({ file, rowGroups: [0], rows: 4 }, columns);
      table.schema.fields.forEach((f) => {
        expect(arrow.util.compareTypes(f.type, ds.schema.fields.find((d) => d.name === f.name)!.type), `${columns}: ${f.name}`).toBe(true);
      });
      expect(String(table.getChild(columns[0]!)!.type)).toBe(columns[0] === 'n' ? 'Int32' : 'Dictionary<Int32, Utf8>');
    }
    const table = await readParquetPiece({ file, rowGroups: [0], rows: 4 }, ['b', 'a']);
    expect(tableRows(table)).toEqual([['p', 'x'], ['q', 'y'], ['q', null], [null, 'x']]);
  });

  it('reads dictionary-encoded strings as dictionaries in every file, also where a later file has plain pages', async () => {
    const sub = join(dir, 'mixed');
    mkdirSync(sub, { recursive: true });
    const c = await duck.connection();
    const select = (from: number) => `SELECT i::INTEGER AS n, CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 13)::VARCHAR END AS s
      FROM range(${from}, ${from} + 3000) t(i)`;
    // DuckDB dictionary-encodes the first file; the second is written with dictionaries off.
    await c.run(`COPY (${select(0)}) TO ${sqlPath(join(sub, 'a.parquet'))} (FORMAT parquet)`);
    const plain = await duckRows(c, select(3000));
    const pw = await import('parquet-wasm');
    const second = new arrow.Table({
      n: arrow.vectorFromArray(plain.map((r) => r[0] as number), new arrow.Int32()),
      s: arrow.vectorFromArray(plain.map((r) => r[1] as string | null), new arrow.Utf8()),
    });
    const props = new pw.WriterPropertiesBuilder().setDictionaryEnabled(false).build();
    writeFileSync(join(sub, 'b.parquet'), pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(second, 'stream')), props));
    const ds = openParquetDataset(sub);
    expect(ds.dictionaryColumns).toEqual(['s']);
    const { pieces } = planParquetPieces(ds, { columns: ['s', 'n'], predicate: null, blocksize: 1e9 });
    const tables = await readAll(pieces, ['s', 'n']);
    for (const t of tables) expect(arrow.util.compareSchemas(t.schema, tables[0]!.schema)).toBe(true);
    expect(String(tables[1]!.getChild('s')!.type)).toBe('Dictionary<Int32, Utf8>');
    expectSameRows(tableRows(concatTables(tables, tables[0]!.schema)), await duckRows(c, `SELECT s, n FROM (${select(0)} UNION ALL ${select(3000)})`), 'mixed');
  });

  it('works in a worker thread, errors included', async () => {
    const work = join(dir, 'worker');
    mkdirSync(work);
    const entry = transpileForWorker('src/io/parquet/read-parquet-piece.ts', work);
    const script = join(work, 'run-piece.mjs');
    writeFileSync(
      script,
      `import { parentPort, workerData } from 'node:worker_threads';
       import { tableToIPC } from 'apache-arrow';
       import { readParquetPiece } from ${JSON.stringify(pathToFileURL(entry).href)};
       try {
         const table = await readParquetPiece(workerData.piece, workerData.columns);
         parentPort.postMessage({ ipc: tableToIPC(table, 'stream') });
       } catch (e) {
         parentPort.postMessage({ error: { name: e.name, code: e.code, message: e.message } });
       }`,
    );
    const inWorker = (piece: ParquetPiece, columns: string[]) =>
      new Promise<{ ipc?: Uint8Array; error?: { name: string; code: string; message: string } }>((done, fail) => {
        const worker = new Worker(script, { workerData: { piece, columns } });
        worker.once('message', (m: { ipc?: Uint8Array; error?: { name: string; code: string; message: string } }) => {
          done(m);
          void worker.terminate();
        });
        worker.once('error', fail);
      });
    const piece: ParquetPiece = { file: main, rowGroups: [2], offset: 10, limit: 500, rows: 500 };
    const got = await inWorker(piece, ['s', 'i64', 'f64']);
    const here = await readParquetPiece(piece, ['s', 'i64', 'f64']);
    expectSameRows(tableRows(arrow.tableFromIPC(got.ipc!)), tableRows(here), 'worker');
    const missing = await inWorker({ ...piece, file: join(dir, 'gone.parquet') }, ['v']);
    expect(missing.error).toMatchObject({ name: 'IoError', code: 'NOT_FOUND' });
  });

  it('names the file and row group when column data is corrupt, and reads the intact parts', async () => {
    const random = new Random(20240611);
    for (const target of ['s', 'f64', null]) {
      const file = join(dir, `corrupt-${target}.parquet`);
      const bytes = Buffer.from(readFileSync(main));
      const [start, end] = await chunkRange(main, 2, target);
      for (let i = start; i < end; i++) bytes[i] = random.int(0, 255);
      writeFileSync(file, bytes);
      const ds = openParquetDataset(file); // the footer is intact
      const bad = await ioRejection(readParquetPiece({ file, rowGroups: [2], rows: 2048 }, ds.schema.fields.map((f) => f.name)));
      expect(bad.code).toBe('PARQUET_READ');
      expect(bad.message).toContain(file);
      expect(bad.message).toContain('row group 2');
      const good = await readParquetPiece({ file, rowGroups: [1, 3], rows: 4096 }, ['v', 's']);
      expectSameRows(tableRows(good), tableRows(await readParquetPiece({ file: main, rowGroups: [1, 3], rows: 4096 }, ['v', 's'])), 'intact groups');
      if (target !== null) {
        const other = await readParquetPiece({ file, rowGroups: [2], rows: 2048 }, ['v']); // only the corrupt column's chunk is bad
        expect(other.getChild('v')!.get(0)).toBe(4096);
      }
    }
  });

  it('reports a file that changed or vanished since it was planned', async () => {
    const file = join(dir, 'changing.parquet');
    copyFileSync(main, file);
    const { pieces } = planParquetPieces(openParquetDataset(file), { columns: ['v'], predicate: null, blocksize: 1e3 });
    const last = pieces[pieces.length - 1]!;
    writeFileSync(file, readFileSync(main).subarray(0, 5000));
    const cut = await ioRejection(readParquetPiece(last, ['v']));
    expect(cut.code).toBe('PARQUET_READ');
    expect(cut.message).toMatch(/changing\.parquet.*(does not end with PAR1|truncated)/);
    await duckWrite(await duck.connection(), file, 'SELECT i AS v FROM range($rows) t(i)', 10, 2048);
    const fewer = await ioRejection(readParquetPiece(last, ['v']));
    expect(fewer.message).toMatch(/changing\.parquet, row group 4: the file has 1 row groups/);
    const renamed = await ioRejection(readParquetPiece({ file, rowGroups: [0], rows: 10 }, ['w']));
    expect(renamed.code).toBe('SCHEMA_MISMATCH');
    rmSync(file);
    expect((await ioRejection(readParquetPiece(last, ['v']))).code).toBe('NOT_FOUND');
  });
});
