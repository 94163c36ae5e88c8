/**
 * sortBoundaries / rangePartition against a reference comparator (compareValues with nulls first
 * or last and a direction per key): the boundaries are the sample's quantile rows; every row
 * lands in the one part whose boundaries bracket its key (so equal keys share a part) and keeps
 * its order there; sorting each part and concatenating gives the global sort, stable even when
 * the parts are filled from several input partitions in order.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PlanError, SchemaError } from '../../src/errors.js';
import { compareValues, type Value } from '../../src/cpu/kernels/compare-values.js';
import { rangePartition, sortBoundaries } from '../../src/cpu/kernels/range-partition.js';
import { sortRows } from '../../src/cpu/kernels/sort-rows.js';
import { takeRows } from '../../src/cpu/kernels/take-rows.js';
import { makeVector } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
type Gen = (r: Random) => Value;

function withNulls(gen: Gen, rate = 0.1): Gen {
  return (r) => (r.next() < rate ? null : gen(r));
}

const WORDS = ['', 'a', 'a\0', 'ab', 'abcdefgh', 'abcdefghi', 'é', '𝄞', '\uff5e', 'zz'];
const FLOATS = [NaN, Infinity, -Infinity, -0, 0, 1.5, -2];

/** Key columns: a builder from values (in `chunks` pieces) and a generator with many ties. */
const KINDS: Record<string, { build: (v: Value[], chunks: number) => arrow.Vector; gen: Gen }> = {
  int32: { build: (v, c) => makeVector('int32', v as number[], { chunks: split(v.length, c) }), gen: withNulls((r) => r.int(-20, 20)) },
  int64: { build: (v, c) => makeVector('int64', v as bigint[], { chunks: split(v.length, c) }), gen: withNulls((r) => (r.next() < 0.2 ? -(2n ** 63n) : BigInt(r.int(-5, 5)) << 40n)) },
  float64: { build: (v, c) => makeVector('float64', v as number[], { chunks: split(v.length, c) }), gen: withNulls((r) => FLOATS[r.int(0, FLOATS.length - 1)]!) },
  // Mostly null: boundaries that are null themselves.
  sparse: { build: (v, c) => makeVector('int32', v as number[], { chunks: split(v.length, c) }), gen: withNulls((r) => r.int(-3, 3), 0.6) },
  bool: { build: (v, c) => chunked(v, c, () => new arrow.Bool()), gen: withNulls((r) => r.next() < 0.5) },
  utf8: { build: (v, c) => chunked(v, c, () => new arrow.Utf8()), gen: withNulls((r) => WORDS[r.int(0, WORDS.length - 1)]!) },
  dictionary: { build: (v, c) => chunked(v, c, () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16())), gen: withNulls((r) => WORDS[r.int(0, WORDS.length - 1)]!) },
};

function split(n: number, chunks: number): number[] {
  const size = Math.ceil(n / chunks) || 1;
  const out: number[] = [];
  for (let at = 0; at < n; at += size) out.push(Math.min(size, n - at));
  return out.length > 0 ? out : [0];
}

function chunked(values: Value[], chunks: number, type: () => arrow.DataType): arrow.Vector {
  const datas: arrow.Data[] = [];
  let at = 0;
  for (const len of split(values.length, chunks)) {
    datas.push(...arrow.vectorFromArray(values.slice(at, at + len) as never[], type()).data);
    at += len;
  }
  return new arrow.Vector(datas);
}

interface Key {
  column: string;
  descending: boolean;
  values: Value[];
}

/** The contract's order of row a of `x` against row b of `y` (their values per key). */
function compareRows(keys: Key[], x: number, y: number, nullsLast: boolean, yValues?: Value[][]): number {
  for (const [j, { values, descending }] of keys.entries()) {
    const a = values[x]!;
    const b = yValues === undefined ? values[y]! : yValues[j]![y]!;
    if (a === null || b === null) {
      if (a === b) continue;
      return (a === null) === nullsLast ? 1 : -1;
    }
    const c = compareValues(a, b);
    if (c !== 0) return descending ? -c : c;
  }
  return 0;
}

function referenceOrder(keys: Key[], n: number, nullsLast: boolean): number[] {
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => compareRows(keys, a, b, nullsLast) || a - b);
}

/** A table of `n` rows with key columns c0.. of the given kinds, and `row`: its row number. */
function makeTable(kinds: string[], n: number, r: Random, chunks: number): { table: arrow.Table; values: Value[][] } {
  const values = kinds.map((k) => Array.from({ length: n }, () => KINDS[k]!.gen(r)));
  const columns: Record<string, arrow.Vector> = Object.fromEntries(kinds.map((k, j) => [`c${j}`, KINDS[k]!.build(values[j]!, chunks)]));
  columns.row = makeVector('int32', Array.from({ length: n }, (_, i) => i), { chunks: split(n, chunks) });
  return { table: new arrow.Table(columns), values };
}

function rowsOf(table: arrow.Table): number[] {
  return [...(table.getChild('row')?.toArray() ?? [])] as number[];
}

const CASES: { kinds: string[]; n: number; parts: number; samples: number }[] = [
  { kinds: ['int32'], n: 2000, parts: 5, samples: 200 },
  { kinds: ['int64'], n: 1500, parts: 4, samples: 100 },
  { kinds: ['float64'], n: 1500, parts: 6, samples: 300 },
  { kinds: ['utf8'], n: 1500, parts: 4, samples: 150 },
  { kinds: ['dictionary'], n: 1500, parts: 3, samples: 90 },
  { kinds: ['bool'], n: 500, parts: 3, samples: 40 },
  { kinds: ['int32', 'utf8', 'float64'], n: 3000, parts: 7, samples: 400 },
  { kinds: ['dictionary', 'int64', 'bool'], n: 2000, parts: 5, samples: 60 },
  { kinds: ['sparse'], n: 1000, parts: 6, samples: 300 },
  { kinds: ['sparse', 'utf8'], n: 1000, parts: 6, samples: 300 },
  // More parts than distinct keys, and than samples: repeated boundaries, empty parts.
  { kinds: ['bool'], n: 300, parts: 9, samples: 5 },
  { kinds: ['int32'], n: 1, parts: 3, samples: 1 },
  { kinds: ['int32'], n: 0, parts: 3, samples: 0 },
];

describe('sortBoundaries and rangePartition', () => {
  for (const c of CASES) {
    for (const nullsLast of [true, false]) {
      it(`${c.kinds.join('+')}, ${c.n} rows, ${c.parts} parts, nullsLast ${nullsLast} (seed ${seed})`, () => {
        const r = new Random(seed + c.n + c.parts);
        const { table, values } = makeTable(c.kinds, c.n, r, 3);
        const keys: Key[] = c.kinds.map((_, j) => ({ column: `c${j}`, descending: r.next() < 0.5, values: values[j]! }));
        const by = keys.map(({ column, descending }) => ({ column, descending }));
        const sampleRows = Array.from({ length: c.samples }, () => r.int(0, c.n - 1));
        const samples = takeRows(table, Uint32Array.from(sampleRows));
        const boundaries = sortBoundaries(samples, by, nullsLast, c.parts);

        // The boundaries: the sample's rows at the end of each of `parts` equal runs.
        const sampleValues = values.map((v) => sampleRows.map((i) => v[i]!));
        const sampleKeys = keys.map((k, j) => ({ ...k, values: sampleValues[j]! }));
        const sorted = referenceOrder(sampleKeys, c.samples, nullsLast);
        const picks = c.samples === 0 ? [] : Array.from({ length: c.parts - 1 }, (_, k) => sorted[Math.max(0, Math.ceil(((k + 1) * c.samples) / c.parts) - 1)]!);
        expect(boundaries.schema.fields.map((f) => f.name)).toEqual(by.map((k) => k.column));
        for (const k of by) {
          expect(boundaries.getChild(k.column)!.toArray(), k.column).toEqual(takeRows(samples, Uint32Array.from(picks)).getChild(k.column)!.toArray());
        }

        const parts = rangePartition(table, by, boundaries, nullsLast);
        expect(parts).toHaveLength(picks.length + 1);
        const boundValues = values.map((v) => picks.map((p) => v[sampleRows[p]!]!));
        parts.forEach((part, p) => {
          const rows = rowsOf(part);
          // Rows keep their order, and lie after boundary p - 1 and at or before boundary p.
          expect(rows).toEqual([...rows].sort((a, b) => a - b));
          for (const i of rows) {
            if (p > 0) expect(compareRows(keys, i, p - 1, nullsLast, boundValues), `row ${i} part ${p}`).toBeGreaterThan(0);
            if (p < picks.length) expect(compareRows(keys, i, p, nullsLast, boundValues), `row ${i} part ${p}`).toBeLessThanOrEqual(0);
          }
        });
        expect(parts.reduce((s, t) => s + t.numRows, 0)).toBe(c.n);
        const global = parts.flatMap((t) => rowsOf(sortRows(t, by, nullsLast)));
        expect(global).toEqual(referenceOrder(keys, c.n, nullsLast));
      });
    }
  }

  it(`parts filled from several input partitions in order give a stable global sort (seed ${seed})`, () => {
    const r = new Random(seed);
    const { table, values } = makeTable(['utf8', 'int32'], 3000, r, 1);
    const keys: Key[] = [{ column: 'c0', descending: true, values: values[0]! }, { column: 'c1', descending: false, values: values[1]! }];
    const by = keys.map(({ column, descending }) => ({ column, descending }));
    const inputs = [table.slice(0, 700), table.slice(700, 2100), table.slice(2100)];
    const boundaries = sortBoundaries(takeRows(table, Uint32Array.from({ length: 100 }, () => r.int(0, 2999))), by, true, 4);
    const pieces = inputs.map((t) => rangePartition(t, by, boundaries, true));
    const global = [0, 1, 2, 3].flatMap((p) => {
      const bucket = new arrow.Table(pieces.flatMap((ps) => ps[p]!.batches));
      return rowsOf(sortRows(bucket, by, true));
    });
    expect(global).toEqual(referenceOrder(keys, 3000, true));
  });

  it('dictionary rows against plain-string boundaries, several dictionaries', () => {
    const values = ['b', 'a', null, 'c', 'a', 'd', 'b'];
    const table = new arrow.Table({
      k: chunked(values, 3, () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      row: makeVector('int32', [0, 1, 2, 3, 4, 5, 6], { chunks: split(7, 3) }),
    });
    const boundaries = new arrow.Table({ k: arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()) });
    const parts = rangePartition(table, [{ column: 'k', descending: false }], boundaries, true);
    expect(parts.map(rowsOf)).toEqual([[1, 4], [0, 6], [2, 3, 5]]);
    const first = rangePartition(table, [{ column: 'k', descending: false }], boundaries, false);
    expect(first.map(rowsOf)).toEqual([[1, 2, 4], [0, 6], [3, 5]]);
  });

  it('a null dictionary entry is a null key, repeated entries are one key', () => {
    const dictionary = arrow.vectorFromArray(['b', null, 'a', 'b'], new arrow.Utf8());
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const data = arrow.makeData({ type, length: 7, nullCount: 0, data: Int32Array.of(0, 1, 2, 3, 2, 1, 0), dictionary });
    const table = new arrow.Table({ k: new arrow.Vector([data]), row: makeVector('int32', [0, 1, 2, 3, 4, 5, 6]) });
    const by = [{ column: 'k', descending: false }];
    const boundaries = sortBoundaries(table, by, true, 4);
    expect(boundaries.getChild('k')!.toArray()).toEqual(['a', 'b', null]);
    expect(rangePartition(table, by, boundaries, true).map(rowsOf)).toEqual([[2, 4], [0, 3, 6], [1, 5], []]);
    const nullsFirst = sortBoundaries(table, by, false, 2);
    expect(nullsFirst.getChild('k')!.toArray()).toEqual(['a']);
    expect(rangePartition(table, by, nullsFirst, false).map(rowsOf)).toEqual([[1, 2, 4, 5], [0, 3, 6]]);
  });

  it('one part or no samples keep every row in one part', () => {
    const { table } = makeTable(['int32'], 50, new Random(seed), 2);
    const by = [{ column: 'c0', descending: false }];
    expect(sortBoundaries(table, by, true, 1).numRows).toBe(0);
    const none = sortBoundaries(table.slice(0, 0), by, true, 4);
    expect(none.numRows).toBe(0);
    const parts = rangePartition(table, by, none, true);
    expect(parts).toHaveLength(1);
    expect(rowsOf(parts[0]!)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('errors name the column or the bad argument', () => {
    const { table } = makeTable(['int32'], 10, new Random(seed), 1);
    const by = [{ column: 'c0', descending: false }];
    expect(() => sortBoundaries(table, by, true, 0)).toThrow(PlanError);
    expect(() => sortBoundaries(table, [{ column: 'x', descending: false }], true, 2)).toThrow(SchemaError);
    const wide = new arrow.Table({ c0: makeVector('int64', [5n]) });
    expect(() => rangePartition(table, by, wide, true)).toThrow(PlanError);
    expect(() => rangePartition(table, by, wide, true)).toThrow(/'c0'/);
    expect(() => rangePartition(table, [{ column: 'row', descending: false }], wide, true)).toThrow(SchemaError);
  });
});
