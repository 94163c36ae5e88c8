/**
 * scatterRows: every row lands in the part it is sent to, in order, with all its columns, for
 * every column type (numbers, int64 extremes, floats with NaN and -0, bools, strings, dictionary
 * chunks with one dictionary and with their own, timestamps, decimals, lists, structs, a null
 * column), nulls, sliced chunks, several batches, empty parts and empty tables; the fixed-width
 * columns in shared memory when asked.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { scatterRows } from '../../src/cpu/kernels/scatter-rows.js';
import { Random, testSeed } from '../util/random.js';
import { ALL_TYPES, buildTable, randomCells, type ColumnSpec } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);

/** A cell as comparable text (bigints, NaN, -0, nested values kept apart). */
function text(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x === 'number' && (Number.isNaN(x) || Object.is(x, -0))) return String(Object.is(x, -0) ? '-0' : x);
    if (x instanceof arrow.Vector) return [...(x as Iterable<unknown>)];
    if (x !== null && typeof x === 'object' && 'toJSON' in x) return (x as { toJSON(): unknown }).toJSON();
    return x;
  });
}

function rowsOf(table: arrow.Table): string[] {
  const cols = table.schema.fields.map((_, j) => table.getChildAt(j)!);
  return Array.from({ length: table.numRows }, (_, i) => text(cols.map((c) => c.get(i) as unknown)));
}

function expectScatter(table: arrow.Table, part: Uint32Array, parts: number, label: string, shared = false): arrow.Table[] {
  const got = scatterRows(table, part, parts, { shared });
  expect(got.length, label).toBe(parts);
  const all = rowsOf(table);
  got.forEach((t, p) => {
    expect(t.schema.fields.map((f) => String(f.type)), label).toEqual(table.schema.fields.map((f) => String(f.type)));
    expect(t.batches.length, label).toBe(1);
    const want = all.filter((_, r) => part[r] === p);
    expect(rowsOf(t), `${label}: part ${p}`).toEqual(want);
  });
  return got;
}

/** A table of every ColType (with int64 extremes), in a few batches, some chunks sliced. */
function randomTable(n: number, chunks: number[]): arrow.Table {
  const columns: ColumnSpec[] = ALL_TYPES.map((type, j) => {
    let values = randomCells(rnd, type, n, { nullRate: j % 3 === 0 ? 0 : 0.2, specials: true, distinct: type === 'dict' ? 5 : 0 });
    if (type === 'int64') values = values.map((v) => (v === null || rnd.next() < 0.8 ? v : [-(2n ** 63n), 2n ** 63n - 1n][rnd.int(0, 1)]!));
    return { name: `c${j}`, type, values };
  });
  return buildTable(rnd, columns, chunks);
}

describe(`scatterRows (seed ${seed})`, () => {
  it('every column type, nulls, sliced chunks, several batches: 0, 1, 127, 128, 129 rows', () => {
    for (const n of [0, 1, 127, 128, 129, 700]) {
      const chunks = n < 3 ? [n] : [rnd.int(1, n - 2), 1];
      if (chunks.length === 2) chunks.push(n - chunks[0]! - 1);
      const table = randomTable(n, chunks);
      for (const parts of [1, 3, 8]) {
        const part = Uint32Array.from({ length: n }, () => rnd.int(0, parts - 1));
        expectScatter(table, part, parts, `${n} rows, ${parts} parts`);
      }
    }
  });

  it('nested and other fixed-width types, and parts that get no rows', () => {
    const n = 150;
    const table = new arrow.Table({
      ts: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i * 1000)), new arrow.TimestampMillisecond()),
      dec: arrow.makeVector(arrow.makeData({ type: new arrow.Decimal(2, 20, 128), length: n, nullCount: 0, data: Uint32Array.from({ length: 4 * n }, (_, i) => i * 7) })),
      list: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : [i, -i])), new arrow.List(new arrow.Field('x', new arrow.Int32(), true))),
      struct: arrow.vectorFromArray(Array.from({ length: n }, (_, i) => ({ a: i, b: `s${i % 4}` })), new arrow.Struct([new arrow.Field('a', new arrow.Int16(), true), new arrow.Field('b', new arrow.Utf8(), true)])),
      none: arrow.makeVector(arrow.makeData({ type: new arrow.Null(), length: n, nullCount: n })),
    });
    // Parts 0 and 3 of 5 get nothing.
    const part = Uint32Array.from({ length: n }, (_, i) => [1, 2, 4][i % 3]!);
    const got = expectScatter(table, part, 5, 'nested');
    expect(got[0]!.numRows).toBe(0);
    expect(got[3]!.numRows).toBe(0);
  });

  it('dictionary chunks on one dictionary keep it; chunks with their own dictionaries get one', () => {
    const dict = arrow.vectorFromArray(['x', 'y', 'z'], new arrow.Utf8());
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8());
    const chunk = (idx: number[]): arrow.Data => arrow.makeData({ type, length: idx.length, nullCount: 0, data: Int8Array.from(idx), dictionary: dict });
    const schema = new arrow.Schema([new arrow.Field('d', type, true)]);
    const batch = (d: arrow.Data): arrow.RecordBatch => new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: d.length, nullCount: 0, children: [d] }));
    const table = new arrow.Table([batch(chunk([0, 1, 2, 0])), batch(chunk([2, 2, 1]))]);
    const parts = expectScatter(table, Uint32Array.of(0, 1, 0, 1, 1, 0, 0), 2, 'one dictionary');
    for (const p of parts) expect(p.getChildAt(0)!.data[0]!.dictionary).toBe(dict);
    const own = buildTable(rnd, [{ name: 'd', type: 'dict', values: randomCells(rnd, 'dict', 90, { distinct: 6 }) }], [30, 60]);
    for (const p of expectScatter(own, Uint32Array.from({ length: 90 }, (_, i) => i % 2), 2, 'own dictionaries')) {
      expect(p.schema.fields[0]!.type.typeId).toBe(arrow.Type.Dictionary);
    }
  });

  it('with `shared`, fixed-width values and validity are in shared memory; the counts a caller gives are used', () => {
    const table = randomTable(200, [100, 100]);
    const part = Uint32Array.from({ length: 200 }, (_, i) => i % 4);
    const sizes = Int32Array.of(50, 50, 50, 50);
    const got = scatterRows(table, part, 4, { shared: true, sizes });
    expect(got.map((t) => t.numRows)).toEqual([50, 50, 50, 50]);
    for (const t of got) {
      t.schema.fields.forEach((f, j) => {
        const d = t.getChildAt(j)!.data[0]!;
        if (f.type.typeId !== arrow.Type.Int && f.type.typeId !== arrow.Type.Float) return;
        expect(d.values.buffer, f.name).toBeInstanceOf(SharedArrayBuffer);
        if (d.nullCount > 0) expect(d.nullBitmap!.buffer, f.name).toBeInstanceOf(SharedArrayBuffer);
      });
    }
    expectScatter(table, part, 4, 'shared', true);
  });

  it('a table with no batches gives empty parts of its schema', () => {
    const schema = new arrow.Schema([new arrow.Field('k', new arrow.Int64(), true), new arrow.Field('s', new arrow.Utf8(), true)]);
    const got = scatterRows(new arrow.Table(schema), new Uint32Array(0), 3);
    expect(got.map((t) => t.numRows)).toEqual([0, 0, 0]);
    for (const t of got) expect(t.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Utf8']);
  });
});
