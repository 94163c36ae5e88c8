/**
 * The subset files readParquetPiece decodes, checked independently of parquet-wasm: DuckDB and
 * Dusk's footer reader must read a subset (some row groups, some columns, a rewritten footer)
 * as exactly those rows and columns of the original. Also: random corruption of a real file
 * only ever surfaces as an IoError.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../../src/errors.js';
import { readParquetFooter } from '../../../src/io/parquet-footer.js';
import { readFooterBytesSync } from '../../../src/io/parquet/footer-bytes.js';
import { arrowSchemaOfFooter, encodeArrowSchema } from '../../../src/io/parquet/parquet-arrow-schema.js';
import { readParquetPiece } from '../../../src/io/parquet/read-parquet-piece.js';
import { footerLayout, subsetFooter } from '../../../src/io/parquet/subset-parquet-file.js';
import { CompactWriter, readStruct } from '../../../src/io/parquet/thrift-spans.js';
import { writeParquetFile } from '../../../src/io/parquet/write-parquet-file.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';
import { ALL_TYPES_SELECT, duckRows, duckWrite, expectSameRows } from './parquet-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-pq-subset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();
const main = join(dir, 'main.parquet');

beforeAll(async () => {
  await duckWrite(await duck.connection(), main, ALL_TYPES_SELECT, 10_000, 2048);
});

/** Writes the subset file of `columns` and `groups` of `file` to `out`; returns its size. */
function writeSubset(file: string, columns: string[], groups: number[], out: string): number {
  const bytes = readFileSync(file);
  const footer = readFooterBytesSync(file);
  const layout = footerLayout(footer, file);
  const keep = layout.topLevel.filter((t) => columns.includes(t.name));
  const hasArrow = layout.keyValues.some((kv) => kv.key === 'ARROW:schema');
  const schema = arrowSchemaOfFooter(footer, file, 'TEST');
  const arrowSchema = hasArrow ? encodeArrowSchema(schema.fields.filter((f) => columns.includes(f.name))) : null;
  const plan = subsetFooter(footer, layout, keep, groups, arrowSchema);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(plan.footer.length);
  const subset = Buffer.concat([
    Buffer.from('PAR1'),
    ...plan.ranges.map((r) => bytes.subarray(r.start, r.start + r.length)),
    plan.footer,
    length,
    Buffer.from('PAR1'),
  ]);
  writeFileSync(out, subset);
  return subset.length;
}

describe('subset Parquet files', () => {
  it('DuckDB reads a subset of a DuckDB file as those row groups and columns, and it is small', async () => {
    const out = join(dir, 'subset.parquet');
    const size = writeSubset(main, ['u64', 's', 'f32'], [3, 1], out);
    const c = await duck.connection();
    const theirs = await duckRows(c, `SELECT s, u64, f32 FROM ${sqlPath(main)} WHERE v BETWEEN 6144 AND 8191 OR v BETWEEN 2048 AND 4095 ORDER BY v >= 6144 DESC, v`);
    expectSameRows(await duckRows(c, `SELECT s, u64, f32 FROM ${sqlPath(out)}`), theirs, 'subset via DuckDB');
    const sizes = await duckRows(c, `SELECT sum(total_compressed_size) FROM parquet_metadata(${sqlPath(main)})
      WHERE row_group_id IN (1, 3) AND path_in_schema IN ('u64', 's', 'f32')`);
    expect(size).toBeLessThan(Number(sizes[0]![0]) + 4096);
    const footer = readParquetFooter(out);
    expect(footer.columns.map((l) => l.path)).toEqual(['u64', 'f32', 's']); // file order
    expect(footer.rowGroups.map((g) => g.numRows)).toEqual([2048, 2048]);
    expect(footer.numRows).toBe(4096);
    expect(footer.rowGroups[0]!.columns[0]!.min).toEqual(readParquetFooter(main).rowGroups[3]!.columns[8]!.min);
  });

  it('replaces ARROW:schema so that dictionary columns of an arrow-rs file stay dictionaries', async () => {
    const file = join(dir, 'arrow.parquet');
    const d = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    await writeParquetFile(
      new arrow.Table({
        a: arrow.vectorFromArray(['x', null, 'y'], d()),
        n: arrow.vectorFromArray([1n, 2n, -3n], new arrow.Int64()),
        b: arrow.vectorFromArray(['p', 'q', 'p'], d()),
      }),
      file,
    );
    const out = join(dir, 'arrow-subset.parquet');
    writeSubset(file, ['b', 'n'], [0], out);
    const schema = arrowSchemaOfFooter(readFooterBytesSync(out), out, 'TEST');
    expect(schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['n: Int64', 'b: Dictionary<Int32, Utf8>']);
    expect(await duckRows(await duck.connection(), `SELECT * FROM ${sqlPath(out)}`)).toEqual([[1n, 'p'], [2n, 'q'], [-3n, 'p']]);
  });

  it('copies a struct field by field to the same bytes', () => {
    const footer = readFooterBytesSync(main);
    const { fields } = readStruct(footer, 0);
    const w = new CompactWriter().beginStruct();
    for (const f of fields) w.copyField(footer, f);
    expect(Buffer.from(w.endStruct().bytes()).equals(Buffer.from(footer))).toBe(true);
  });

  const seed = testSeed();
  it(`surfaces random corruption of column data only as IoError or as a successful read (seed ${seed})`, async () => {
    const random = new Random(seed);
    const original = readFileSync(main);
    const footerStart = original.length - 8 - original.readUInt32LE(original.length - 8);
    const file = join(dir, 'fuzz.parquet');
    const columns = ['v', 'i64', 'u64', 'f64', 'b', 's', 'low'];
    for (let round = 0; round < 40; round++) {
      const bytes = Buffer.from(original);
      const flips = random.int(1, 64);
      for (let k = 0; k < flips; k++) bytes[random.int(4, footerStart - 1)] = random.int(0, 255);
      writeFileSync(file, bytes);
      const group = random.int(0, 4);
      const result = await readParquetPiece({ file, rowGroups: [group], rows: 1 }, columns).then(
        (t) => t,
        (e: unknown) => e,
      );
      if (result instanceof arrow.Table) continue;
      expect(result, `round ${round}`).toBeInstanceOf(IoError);
      expect((result as IoError).message).toContain(`row group ${group}`);
    }
    // Whatever happened before, the reader still works.
    const good = await readParquetPiece({ file: main, rowGroups: [0], rows: 2048 }, ['v']);
    expect(good.getChild('v')!.get(2047)).toBe(2047);
  });
});
