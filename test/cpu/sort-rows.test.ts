/**
 * sortPermutation / sortRows against a reference: the boxed values sorted by
 * Array.prototype.sort with the contract's comparator (compareValues: NaN above +Infinity, -0
 * equal to 0, strings by code point; nulls first or last whatever the direction; ties in row
 * order). The permutation itself is compared, so stability is checked, not only the values.
 * Also radixSort alone (every path: insertion, LSD, one split, skewed buckets split again).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PlanError, SchemaError } from '../../src/errors.js';
import { compareValues, type Value } from '../../src/cpu/kernels/compare-values.js';
import { radixSort } from '../../src/cpu/kernels/radix-sort.js';
import { sortPermutation, sortRows } from '../../src/cpu/kernels/sort-rows.js';
import { makeVector } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();

type Gen = (r: Random) => Value;

/** A pick from `special` a third of the time, else `plain`, and null at `nullRate`. */
function mixed(special: readonly Value[], plain: Gen, nullRate = 0.1): Gen {
  return (r) => (r.next() < nullRate ? null : special.length > 0 && r.next() < 0.3 ? special[r.int(0, special.length - 1)]! : plain(r));
}

const F64_SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1];
const STRINGS = ['', 'a', 'a\0', 'a\0\0', 'ab', 'abcdefg', 'abcdefgh', 'abcdefghijklmn', 'abcdefghijklmno', 'é', 'z', '\uff5e', '𝄞', '𝄞a', 'Z'];
const common = 'a-long-shared-prefix-of-thirty-';

/** A string of random length over a small alphabet (many shared prefixes and repeats). */
function randomString(r: Random): string {
  const alphabet = ['a', 'b', '\0', 'é', '𝄞', 'z'];
  const prefix = r.next() < 0.4 ? common : '';
  return prefix + Array.from({ length: r.int(0, 18) }, () => alphabet[r.int(0, alphabet.length - 1)]).join('');
}

interface Spec {
  name: string;
  /** Builds the column from the values, in `chunks` pieces (each piece its own Arrow chunk). */
  build(values: Value[], chunks: number): arrow.Vector;
  gen: Gen;
}

function pieces<T>(values: T[], chunks: number): T[][] {
  const size = Math.ceil(values.length / chunks);
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}

function numeric(dtype: Parameters<typeof makeVector>[0]) {
  return (values: Value[], chunks: number): arrow.Vector => {
    const sizes = pieces(values, chunks).map((p) => p.length);
    return makeVector(dtype, values as (number | bigint | null)[], { chunks: sizes, offset: chunks > 1 ? 3 : 0 });
  };
}

function fromArray(type: () => arrow.DataType) {
  return (values: Value[], chunks: number): arrow.Vector =>
    new arrow.Vector(pieces(values, chunks).flatMap((p) => arrow.vectorFromArray(p as never[], type()).data));
}

const SPECS: Spec[] = [
  { name: 'int32', build: numeric('int32'), gen: mixed([-(2 ** 31), 2 ** 31 - 1, 0, -1], (r) => r.int(-50, 50)) },
  { name: 'int8', build: numeric('int8'), gen: mixed([-128, 127, 0], (r) => r.int(-128, 127)) },
  { name: 'uint16', build: numeric('uint16'), gen: mixed([0, 65535], (r) => r.int(0, 65535)) },
  { name: 'uint32', build: numeric('uint32'), gen: mixed([0, 2 ** 32 - 1, 2 ** 31], (r) => r.int(0, 2 ** 32 - 1)) },
  { name: 'int64', build: numeric('int64'), gen: mixed([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 32n, -(2n ** 32n)], (r) => r.bits64(true) >> BigInt(r.int(0, 60))) },
  { name: 'uint64', build: numeric('uint64'), gen: mixed([0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n], (r) => r.bits64(false) >> BigInt(r.int(0, 63))) },
  { name: 'float32', build: numeric('float32'), gen: mixed(F64_SPECIAL.map(Math.fround), (r) => Math.fround((r.next() - 0.5) * 10 ** r.int(-40, 38))) },
  { name: 'float64', build: numeric('float64'), gen: mixed(F64_SPECIAL, (r) => (r.next() - 0.5) * 10 ** r.int(-300, 300)) },
  { name: 'bool', build: fromArray(() => new arrow.Bool()), gen: mixed([], (r) => r.next() < 0.5) },
  { name: 'date32', build: fromArray(() => new arrow.DateDay()), gen: mixed([0], (r) => r.int(-20000, 20000) * 86_400_000) },
  { name: 'timestamp', build: fromArray(() => new arrow.TimestampMillisecond()), gen: mixed([0, -1], (r) => r.int(-(2 ** 40), 2 ** 40)) },
  { name: 'float16', build: fromArray(() => new arrow.Float16()), gen: mixed([NaN, Infinity, -Infinity, -0, 0, 65504, -65504], (r) => r.int(-64, 64) / 4) },
  { name: 'time32', build: fromArray(() => new arrow.TimeSecond()), gen: mixed([0, 86399], (r) => r.int(0, 86399)) },
  { name: 'duration', build: fromArray(() => new arrow.Duration(arrow.TimeUnit.MILLISECOND)), gen: mixed([-(2n ** 63n), 2n ** 63n - 1n], (r) => r.bits64(true) >> 3n) },
  { name: 'utf8', build: fromArray(() => new arrow.Utf8()), gen: mixed(STRINGS, randomString) },
  { name: 'large-utf8', build: fromArray(() => new arrow.LargeUtf8()), gen: mixed(STRINGS, randomString) },
  { name: 'dictionary', build: fromArray(() => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())), gen: mixed(STRINGS, (r) => `k${r.int(0, 30)}`) },
];

interface Key {
  values: Value[];
  descending: boolean;
}

/** Row order by the contract's comparator, ties by row. */
function referenceOrder(keys: Key[], nullsLast: boolean, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => {
    for (const { values, descending } of keys) {
      const [x, y] = [values[a]!, values[b]!];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === nullsLast ? 1 : -1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return descending ? -c : c;
    }
    return a - b;
  });
}

function tableOf(columns: Record<string, arrow.Vector>): arrow.Table {
  return new arrow.Table(columns);
}

const SIZES = [0, 1, 2, 127, 128, 129, 3000];

describe('sortPermutation on one key', () => {
  for (const spec of SPECS) {
    it(`${spec.name} (seed ${seed})`, () => {
      for (const n of SIZES) {
        const r = new Random(seed + n);
        const values = Array.from({ length: n }, () => spec.gen(r));
        const chunks = n > 100 ? 3 : 1;
        const table = tableOf({ k: spec.build(values, chunks) });
        for (const descending of [false, true]) {
          for (const nullsLast of [true, false]) {
            const got = [...sortPermutation(table, [{ column: 'k', descending }], nullsLast)];
            expect(got, `n=${n} descending=${descending} nullsLast=${nullsLast}`).toEqual(referenceOrder([{ values, descending }], nullsLast, n));
          }
        }
      }
    });
  }
});

describe('sortPermutation on several keys', () => {
  it(`mixed types and directions, many ties (seed ${seed})`, () => {
    const r = new Random(seed);
    const n = 4000;
    const picks = ['int32', 'utf8', 'float64', 'dictionary', 'int64', 'bool'].map((name) => SPECS.find((s) => s.name === name)!);
    // Narrow the values so that earlier keys tie often and later keys decide.
    const gens: Gen[] = [(x) => (x.next() < 0.1 ? null : x.int(0, 3)), (x) => (x.next() < 0.1 ? null : STRINGS[x.int(0, 3)]!), ...picks.slice(2).map((s) => s.gen)];
    const values = gens.map((g) => Array.from({ length: n }, () => g(r)));
    const table = tableOf(Object.fromEntries(picks.map((s, j) => [`c${j}`, s.build(values[j]!, j % 2 === 0 ? 1 : 4)])));
    for (let trial = 0; trial < 8; trial++) {
      const columns = [0, 1, 2, 3, 4, 5].filter(() => r.next() < 0.7);
      const keys = columns.map((j) => ({ column: `c${j}`, descending: r.next() < 0.5, values: values[j]! }));
      const nullsLast = trial % 2 === 0;
      const got = [...sortPermutation(table, keys, nullsLast)];
      expect(got, JSON.stringify(keys.map((k) => [k.column, k.descending]))).toEqual(referenceOrder(keys, nullsLast, n));
    }
  });

  it('no keys keeps the row order; a repeated key changes nothing', () => {
    const table = tableOf({ a: makeVector('int32', [3, 1, 2]) });
    expect([...sortPermutation(table, [], true)]).toEqual([0, 1, 2]);
    const twice = [{ column: 'a', descending: false }, { column: 'a', descending: true }];
    expect([...sortPermutation(table, twice, true)]).toEqual([1, 2, 0]);
  });

  it('a column with every row null (Null type) keeps the order it is given', () => {
    const table = tableOf({ z: arrow.vectorFromArray([null, null, null], new arrow.Null()), a: makeVector('int32', [2, 1, 2]) });
    expect([...sortPermutation(table, [{ column: 'z', descending: false }, { column: 'a', descending: true }], true)]).toEqual([0, 2, 1]);
  });
});

describe('sortPermutation on a Binary key', () => {
  it(`orders by unsigned bytes, a prefix first (seed ${seed})`, () => {
    const r = new Random(seed);
    const n = 2000;
    const values = Array.from({ length: n }, () => (r.next() < 0.1 ? null : Uint8Array.from({ length: r.int(0, 9) }, () => [0, 1, 127, 128, 255][r.int(0, 4)]!)));
    const table = tableOf({ b: fromArray(() => new arrow.Binary())(values as never[], 2) });
    const bytes = (x: Uint8Array, y: Uint8Array): number => {
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    for (const descending of [false, true]) {
      const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
        const [x, y] = [values[a]!, values[b]!];
        if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
        return (descending ? -bytes(x, y) : bytes(x, y)) || a - b;
      });
      expect([...sortPermutation(table, [{ column: 'b', descending }], true)]).toEqual(want);
    }
  });
});

describe('sortPermutation on a dictionary with repeated and null entries', () => {
  it('equal entries tie (row order), a null entry makes its rows null', () => {
    const dictionary = arrow.vectorFromArray(['b', null, 'a', 'b'], new arrow.Utf8());
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const data = arrow.makeData({ type, length: 7, nullCount: 0, data: Int32Array.of(0, 1, 2, 3, 2, 1, 0), dictionary });
    const table = tableOf({ d: new arrow.Vector([data]) });
    expect([...sortPermutation(table, [{ column: 'd', descending: false }], true)]).toEqual([2, 4, 0, 3, 6, 1, 5]);
    expect([...sortPermutation(table, [{ column: 'd', descending: true }], false)]).toEqual([1, 5, 0, 3, 6, 2, 4]);
  });
});

describe('sortRows', () => {
  it('gathers every column in the sorted order', () => {
    const table = tableOf({
      k: arrow.vectorFromArray(['b', null, 'a', 'b'], new arrow.Utf8()),
      v: makeVector('float64', [1, 2, 3, 4]),
    });
    const sorted = sortRows(table, [{ column: 'k', descending: true }], false);
    expect(sorted.getChild('k')!.toArray()).toEqual([null, 'b', 'b', 'a']);
    expect([...sorted.getChild('v')!.toArray()]).toEqual([2, 1, 4, 3]);
  });

  it('names an unknown column (SchemaError) and a column it cannot order (PlanError)', () => {
    const table = tableOf({ l: arrow.vectorFromArray([[1], [2]], new arrow.List(new arrow.Field('x', new arrow.Int32()))) });
    expect(() => sortRows(table, [{ column: 'nope', descending: false }], true)).toThrow(SchemaError);
    expect(() => sortRows(table, [{ column: 'nope', descending: false }], true)).toThrow(/'nope'/);
    expect(() => sortRows(table, [{ column: 'l', descending: false }], true)).toThrow(PlanError);
    expect(() => sortRows(table, [{ column: 'l', descending: false }], true)).toThrow(/'l'/);
  });
});

/** Stable order of unsigned keys by a plain comparator (high word, low word, row). */
function referenceWords(words: Uint32Array, width: 1 | 2, rows: number): number[] {
  const hi = (i: number): number => (width === 1 ? 0 : words[2 * i + 1]!);
  const lo = (i: number): number => words[width * i]!;
  return Array.from({ length: rows }, (_, i) => i).sort((a, b) => hi(a) - hi(b) || lo(a) - lo(b) || a - b);
}

describe('radixSort', () => {
  // 20 and 2000: insertion and LSD; 100_000: one split then LSD buckets (with insertion for
  // the tiny ones); skewed: a split bucket too large for LSD (> 65536 rows) is split again;
  // narrow: only low digits vary.
  const cases: { name: string; rows: number; word: (r: Random, i: number) => number }[] = [
    { name: 'tiny', rows: 20, word: (r) => r.int(0, 2 ** 32 - 1) },
    { name: 'LSD', rows: 2000, word: (r) => r.int(0, 2 ** 32 - 1) },
    { name: 'split', rows: 100_000, word: (r) => r.int(0, 2 ** 32 - 1) },
    { name: 'skewed', rows: 150_000, word: (r) => (r.next() < 0.7 ? 0x12300000 + r.int(0, 3000) : r.int(0, 2 ** 32 - 1)) },
    { name: 'narrow', rows: 100_000, word: (r) => r.int(0, 5000) },
    { name: 'all equal', rows: 30_000, word: () => 7 },
  ];
  for (const c of cases) {
    for (const width of [1, 2] as const) {
      it(`${c.name}, ${width * 32}-bit keys (seed ${seed})`, () => {
        const r = new Random(seed + c.rows);
        const words = new Uint32Array(width * c.rows);
        for (let i = 0; i < words.length; i++) words[i] = c.word(r, i);
        // 64-bit keys whose high words tie often, so the low words decide (skewed keys keep
        // their skewed high words, so the split of a large bucket runs on 64-bit keys too).
        if (width === 2 && c.name !== 'skewed') for (let i = 1; i < words.length; i += 2) words[i] = words[i]! % 7;
        const before = words.slice();
        expect([...radixSort(words, width, c.rows)]).toEqual(referenceWords(words, width, c.rows));
        expect(words).toEqual(before);
      });
    }
  }

  it('sorts a prefix of a longer word array, and rejects too few words', () => {
    expect([...radixSort(Uint32Array.of(3, 1, 2, 0), 1, 3)]).toEqual([1, 2, 0]);
    expect(() => radixSort(new Uint32Array(3), 2, 2)).toThrow(/LENGTH|need 4 words/);
  });
});
