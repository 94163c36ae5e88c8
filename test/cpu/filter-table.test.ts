/**
 * filterTable and takeRows against a plain row-by-row reference over every kind of column:
 * numbers of each width (with nulls, NaN, -0, extremes), bool, Utf8/LargeUtf8/Binary with nulls,
 * dictionaries, timestamps and dates, fixed-size binary, lists, fixed-size lists, structs and a
 * Null column — chunked and offset-sliced, with masks chunked differently from the table, and
 * with no rows, every row, and none.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DuskError } from '../../src/errors.js';
import { filterTable } from '../../src/cpu/kernels/filter-table.js';
import { takeRows } from '../../src/cpu/kernels/take-rows.js';
import { ALL_DTYPES, makeVector, type Value } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const rnd = new Random(seed);
const WORDS = ['apple', '', 'ÄÖü', '日本', 'a much longer string that crosses the short copy path', 'b'];

function maybe<T>(make: () => T, nullRate = 0.2): T | null {
  return rnd.next() < nullRate ? null : make();
}

/** Random chunk lengths adding up to n. */
function chunks(n: number): number[] {
  if (rnd.next() < 0.4) return [n];
  const cuts = Array.from({ length: rnd.int(1, 3) }, () => rnd.int(0, n)).sort((a, b) => a - b);
  return [...cuts, n].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]!));
}

/** `values` of `type`, sliced to an offset and cut into chunks. */
function arrange(values: unknown[], type: arrow.DataType, filler: unknown): arrow.Vector {
  const pad = rnd.next() < 0.5 ? 0 : rnd.int(1, 9);
  const padded = [...Array(pad).fill(filler), ...values, ...Array(pad).fill(filler)];
  const whole = arrow.vectorFromArray(padded as never[], type).slice(pad, pad + values.length);
  let at = 0;
  return new arrow.Vector(chunks(values.length).flatMap((len) => {
    const part = whole.slice(at, at + len);
    at += len;
    return part.data;
  }));
}

function numeric(dtype: (typeof ALL_DTYPES)[number]): Value {
  const r = rnd.next();
  if (r < 0.2) return null;
  if (dtype === 'int64' || dtype === 'uint64') return rnd.bits64(dtype === 'int64');
  if (dtype === 'float32' || dtype === 'float64') return r < 0.3 ? [Number.NaN, -0, Number.POSITIVE_INFINITY][rnd.int(0, 2)]! : rnd.next() * 1e6 - 5e5;
  const bits = Number(dtype.replace(/\D/g, ''));
  return dtype.startsWith('u') ? rnd.int(0, 2 ** bits - 1) : rnd.int(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1);
}

function randomTable(n: number): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  for (const dtype of ALL_DTYPES) {
    columns[dtype] = makeVector(dtype, Array.from({ length: n }, () => numeric(dtype)), { chunks: chunks(n), offset: rnd.int(0, 3) });
  }
  const words = (): (string | null)[] => Array.from({ length: n }, () => maybe(() => WORDS[rnd.int(0, WORDS.length - 1)]!));
  columns.b = arrange(Array.from({ length: n }, () => maybe(() => rnd.next() < 0.5)), new arrow.Bool(), true);
  columns.s = arrange(words(), new arrow.Utf8(), 'x');
  columns.ls = arrange(words(), new arrow.LargeUtf8(), 'x');
  columns.bin = arrange(Array.from({ length: n }, () => maybe(() => Uint8Array.from({ length: rnd.int(0, 5) }, () => rnd.int(0, 255)))), new arrow.Binary(), new Uint8Array(1));
  columns.d8 = arrange(words(), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()), 'x');
  columns.d32 = arrange(words(), new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), 'x');
  columns.ts = arrange(Array.from({ length: n }, (_, i) => maybe(() => i * 1000 + 1)), new arrow.TimestampMillisecond(), 0);
  columns.tns = arrange(Array.from({ length: n }, (_, i) => maybe(() => i * 7)), new arrow.TimestampNanosecond(), 0);
  columns.day = arrange(Array.from({ length: n }, (_, i) => maybe(() => new Date(Date.UTC(2020, 0, 1 + i)))), new arrow.DateDay(), new Date(0));
  columns.fsb = arrange(Array.from({ length: n }, () => maybe(() => Uint8Array.of(rnd.int(0, 255), rnd.int(0, 255), rnd.int(0, 255)))), new arrow.FixedSizeBinary(3), new Uint8Array(3));
  columns.list = arrange(Array.from({ length: n }, () => maybe(() => Array.from({ length: rnd.int(0, 3) }, () => maybe(() => rnd.int(-9, 9))))),
    new arrow.List(new arrow.Field('item', new arrow.Int32(), true)), []);
  columns.pair = arrange(Array.from({ length: n }, () => maybe(() => [rnd.int(0, 9), maybe(() => rnd.int(0, 9))])),
    new arrow.FixedSizeList(2, new arrow.Field('item', new arrow.Int16(), true)), [0, 0]);
  columns.st = arrange(Array.from({ length: n }, () => maybe(() => ({ x: maybe(() => rnd.int(0, 99)), y: maybe(() => WORDS[rnd.int(0, 3)]!) }))),
    new arrow.Struct([new arrow.Field('x', new arrow.Int32(), true), new arrow.Field('y', new arrow.Utf8(), true)]), { x: 0, y: '' });
  columns.nul = arrow.vectorFromArray(Array<null>(n).fill(null), new arrow.Null());
  return new arrow.Table(columns);
}

/** A value as plain data, so that nested values compare with toEqual. */
function plain(v: unknown): unknown {
  if (v instanceof arrow.Vector) return [...v].map(plain);
  if (v instanceof Uint8Array) return Array.from(v);
  if (v !== null && typeof v === 'object' && 'toJSON' in v) return plain((v as { toJSON(): unknown }).toJSON());
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The reference: rows `rows` of `table`, read one value at a time. */
function expectRows(got: arrow.Table, table: arrow.Table, rows: number[], what: string): void {
  expect(got.numRows, what).toBe(rows.length);
  expect(got.schema.fields.map((f) => String(f.type)), what).toEqual(table.schema.fields.map((f) => String(f.type)));
  for (const field of table.schema.fields) {
    const want = table.getChild(field.name)!;
    const have = got.getChild(field.name)!;
    const wantValues = rows.map((r) => plain(want.get(r)));
    const haveValues = Array.from({ length: rows.length }, (_, i) => plain(have.get(i)));
    expect(haveValues, `${what}: column ${field.name}`).toEqual(wantValues);
  }
}

function randomMask(n: number, trueRate: number): { mask: arrow.Vector; rows: number[] } {
  const values = Array.from({ length: n }, () => (rnd.next() < 0.1 ? null : rnd.next() < trueRate));
  const rows = values.flatMap((v, i) => (v === true ? [i] : []));
  return { mask: arrange(values, new arrow.Bool(), false), rows };
}

describe(`filterTable (seed ${seed})`, () => {
  for (const n of [0, 1, 23, 200]) {
    it(`${n} rows: random masks, none, all`, () => {
      const table = randomTable(n);
      for (const rate of [0, 0.1, 0.5, 0.9]) {
        const { mask, rows } = randomMask(n, rate);
        const got = filterTable(table, mask);
        expectRows(got, table, rows, `rate ${rate}`);
        expect(got.batches.length).toBe(table.batches.length);
      }
      const all = arrow.vectorFromArray(Array<boolean>(n).fill(true), new arrow.Bool());
      expect(filterTable(table, all)).toBe(table);
    });
  }

  it('keeps a batch whose rows all pass as it is', () => {
    const table = new arrow.Table({ a: makeVector('int32', [1, 2, 3, 4, 5], { chunks: [2, 3] }) });
    const got = filterTable(table, arrow.vectorFromArray([true, true, false, true, null], new arrow.Bool()));
    expect(got.batches[0]).toBe(table.batches[0]);
    expect([...got.getChild('a')!]).toEqual([1, 2, 4]);
  });

  it('rejects a mask of the wrong type or length', () => {
    const table = new arrow.Table({ a: makeVector('int32', [1, 2]) });
    expect(() => filterTable(table, makeVector('int32', [1, 0]))).toThrow(/bool mask/);
    expect(() => filterTable(table, arrow.vectorFromArray([true], new arrow.Bool()))).toThrow(DuskError);
  });
});

describe(`takeRows (seed ${seed})`, () => {
  for (const n of [0, 1, 23, 200]) {
    it(`${n} rows: random indices with repeats, in any order`, () => {
      const table = randomTable(n);
      for (const count of [0, 1, n, 2 * n + 3]) {
        if (n === 0 && count > 0) continue;
        const rows = Array.from({ length: count }, () => rnd.int(0, n - 1));
        const indices = rnd.next() < 0.5 ? Int32Array.from(rows) : Uint32Array.from(rows);
        const got = takeRows(table, indices);
        expect(got.batches.length).toBe(1);
        expectRows(got, table, rows, `${count} indices`);
      }
    });
  }

  it('gathers dictionary rows across batches with different dictionaries', () => {
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const first = arrow.vectorFromArray(['x', null, 'y'], type);
    const second = arrow.vectorFromArray(['z', 'x'], type);
    const table = new arrow.Table({ d: new arrow.Vector([...first.data, ...second.data]) });
    const got = takeRows(table, Int32Array.of(4, 0, 3, 1, 2));
    expect([...got.getChild('d')!]).toEqual(['x', 'x', 'z', null, 'y']);
  });

  it('rejects an index outside the table', () => {
    const table = randomTable(5);
    expect(() => takeRows(table, Int32Array.of(0, 5))).toThrow(/index 5 is outside/);
    expect(() => takeRows(table, Int32Array.of(-1))).toThrow(DuskError);
  });
});
