/**
 * keyEncodings and keyWords: for every pair of comparable key types, random columns drawn from
 * one pool of values (int extremes of every width, uint64 above int64's max, NaN, -0, ±Infinity,
 * strings in chunks with their own dictionaries, null dictionary entries, sliced chunks) are
 * written as words on both sides with one interner, and for every pair of rows the words are
 * equal exactly when the boxed values are (compared by value, as the join compares them).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { KeyInterner, keyEncodings, keyWords, type KeyWords } from '../../src/cpu/kernels/key-words.js';
import type { NumericDType } from '../../src/dtype.js';
import { PlanError } from '../../src/errors.js';
import { makeVector } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';
import { buildTable, WORDS, type Cell, type ColType } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);

const INTS: readonly NumericDType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];
const BITS: Record<string, number> = { int8: 8, int16: 16, int32: 32, int64: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64 };
const INT_POOL: readonly bigint[] = [
  0n, 1n, -1n, 5n, 127n, -128n, 128n, 255n, 32767n, -32768n, 65535n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, 2n ** 32n - 1n,
  2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, -(2n ** 32n) - 1n,
];
const FLOAT_POOL: readonly number[] = [
  0, -0, Number.NaN, -Number.NaN, 1.5, -2.25, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Math.fround(0.1), 0.1, 1e300, 3,
];

function inRange(t: NumericDType, v: bigint): boolean {
  const bits = BigInt(BITS[t]!);
  return t[0] === 'u' ? v >= 0n && v < 2n ** bits : v >= -(2n ** (bits - 1n)) && v < 2n ** (bits - 1n);
}

/** `n` random cells of a type from the shared pools (nulls included). */
function cells(type: ColType, n: number, nullRate = 0.15): Cell[] {
  let pool: Cell[];
  if (type === 'float32') pool = FLOAT_POOL.filter((x) => Number.isNaN(x) || Math.fround(x) === x);
  else if (type === 'float64') pool = [...FLOAT_POOL];
  else if (type === 'bool') pool = [true, false];
  else if (type === 'utf8' || type === 'dict') pool = WORDS.slice(0, 9);
  else {
    const ints = INT_POOL.filter((v) => inRange(type, v));
    pool = type === 'int64' || type === 'uint64' ? ints : ints.map(Number);
  }
  return Array.from({ length: n }, () => (rnd.next() < nullRate ? null : pool[rnd.int(0, pool.length - 1)]!));
}

/** A column of the cells, in a few chunks (some sliced, dictionaries differing per chunk). */
function column(type: ColType, values: Cell[]): arrow.Vector {
  const n = values.length;
  const cut = rnd.int(0, n);
  return buildTable(rnd, [{ name: 'k', type, values }], cut === 0 || cut === n ? [n] : [cut, n - cut]).getChild('k')!;
}

/** Value equality as the join compares: integers by value, -0 = 0, NaN = NaN. */
function sameKey(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return false;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) ? Number.isNaN(b) : a === b;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return BigInt(a) === BigInt(b);
  return a === b;
}

function rowEqual(a: KeyWords, i: number, b: KeyWords, j: number): boolean {
  for (let k = 0; k < a.width; k++) if (a.words[i * a.width + k] !== b.words[j * b.width + k]) return false;
  return true;
}

function expectValidity(k: KeyWords, values: readonly Cell[], label: string): void {
  for (let i = 0; i < values.length; i++) {
    const valid = k.valid === null || k.valid[i] === 1;
    if (valid !== (values[i] !== null)) expect.fail(`${label}: row ${i} (${String(values[i])}) valid = ${valid}`);
  }
}

/** Words equal ⇔ values equal, over every pair of non-null rows of the two sides. */
function expectPairs(lt: ColType, rt: ColType, n: number): void {
  const lv = cells(lt, n);
  const rv = cells(rt, n + 3);
  const l = column(lt, lv);
  const r = column(rt, rv);
  const enc = keyEncodings([l.type], [r.type], { left: ['a'], right: ['b'] });
  const interner = new KeyInterner();
  const lk = keyWords([l], enc, interner);
  const rk = keyWords([r], enc, interner);
  const label = `${lt} with ${rt}`;
  expect(lk.width, label).toBe(enc[0]!.words);
  expectValidity(lk, lv, `${label} (left)`);
  expectValidity(rk, rv, `${label} (right)`);
  for (let i = 0; i < lv.length; i++) {
    if (lv[i] === null) continue;
    for (let j = 0; j < rv.length; j++) {
      if (rv[j] === null) continue;
      if (rowEqual(lk, i, rk, j) !== sameKey(lv[i]!, rv[j]!)) {
        expect.fail(`${label}: ${String(lv[i])} and ${String(rv[j])} ${sameKey(lv[i]!, rv[j]!) ? 'are equal but their words differ' : 'differ but their words are equal'}`);
      }
    }
  }
}

describe(`keyEncodings (seed ${seed})`, () => {
  it('picks the narrowest exact encoding for each integer pair', () => {
    const t = (d: NumericDType): arrow.DataType => makeVector(d, []).type;
    const kind = (a: NumericDType, b: NumericDType): string => keyEncodings([t(a)], [t(b)], { left: ['a'], right: ['b'] })[0]!.kind;
    expect(kind('int32', 'int8')).toBe('i32');
    expect(kind('int32', 'uint16')).toBe('i32');
    expect(kind('uint32', 'uint8')).toBe('u32');
    expect(kind('int32', 'uint32')).toBe('i64');
    expect(kind('int8', 'int64')).toBe('i64');
    expect(kind('uint64', 'uint8')).toBe('i64');
    expect(kind('uint64', 'int8')).toBe('i96');
    expect(kind('int64', 'uint64')).toBe('i96');
    expect(kind('float32', 'float64')).toBe('f64');
  });

  it('pairs strings of any layout, booleans, and identical date and time types', () => {
    const dict = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16());
    const enc = keyEncodings(
      [new arrow.Utf8(), dict, new arrow.Bool(), new arrow.TimestampMillisecond(), new arrow.DateDay()],
      [new arrow.LargeUtf8(), new arrow.Utf8(), new arrow.Bool(), new arrow.TimestampMillisecond(), new arrow.DateDay()],
      { left: ['a', 'b', 'c', 'd', 'e'], right: ['a', 'b', 'c', 'd', 'e'] },
    );
    expect(enc).toEqual([
      { kind: 'string', words: 1 }, { kind: 'string', words: 1 }, { kind: 'bool', words: 1 },
      { kind: 'raw', words: 2 }, { kind: 'raw', words: 1 },
    ]);
  });

  it('refuses pairs that do not compare, naming both columns and types', () => {
    const bad: [arrow.DataType, arrow.DataType][] = [
      [new arrow.Int32(), new arrow.Utf8()],
      [new arrow.Int64(), new arrow.Float64()],
      [new arrow.Bool(), new arrow.Int8()],
      [new arrow.TimestampMillisecond(), new arrow.TimestampSecond()],
      [new arrow.DateDay(), new arrow.DateMillisecond()],
      [new arrow.List(new arrow.Field('x', new arrow.Int32())), new arrow.List(new arrow.Field('x', new arrow.Int32()))],
    ];
    for (const [a, b] of bad) {
      let error: unknown = null;
      try {
        keyEncodings([new arrow.Int32(), a], [new arrow.Int32(), b], { left: ['id', 'left_key'], right: ['id', 'right_key'] });
      } catch (e) {
        error = e;
      }
      expect(error, `${String(a)} with ${String(b)}`).toBeInstanceOf(PlanError);
      const { code, message } = error as PlanError;
      expect(code).toBe('JOIN_KEY_TYPE');
      for (const part of ["'left_key'", "'right_key'", String(a), String(b), 'cast']) expect(message).toContain(part);
    }
  });

  it('refuses key lists that do not pair up', () => {
    expect(() => keyEncodings([], [], { left: [], right: [] })).toThrow(PlanError);
    expect(() => keyEncodings([new arrow.Int32()], [new arrow.Int32()], { left: ['a'], right: ['a', 'b'] })).toThrow(/pair up/);
  });
});

describe(`keyWords against boxed values (seed ${seed})`, () => {
  it('integers of every pair of widths compare by value', () => {
    for (const a of INTS) for (const b of INTS) expectPairs(a, b, rnd.int(20, 60));
  });

  it('floats: float32 with float64, -0 = 0, every NaN alike, ±Infinity', () => {
    for (const [a, b] of [['float32', 'float64'], ['float64', 'float32'], ['float64', 'float64'], ['float32', 'float32']] as const) {
      for (const n of [1, 127, 128, 129]) expectPairs(a, b, n);
    }
  });

  it('NaNs with different payloads and signs are one key', () => {
    const f64 = new Float64Array(3);
    const w64 = new Uint32Array(f64.buffer);
    [w64[0], w64[1]] = [1, 0xfff80000];
    [w64[2], w64[3]] = [0, 0x7ff00001];
    f64[2] = Number.NaN;
    const f32 = new Float32Array(2);
    new Uint32Array(f32.buffer).set([0xffc00001, 0x7f800001]);
    const a = new arrow.Vector([arrow.makeData({ type: new arrow.Float64(), length: 3, data: f64 })]);
    const b = new arrow.Vector([arrow.makeData({ type: new arrow.Float32(), length: 2, data: f32 })]);
    const enc = keyEncodings([a.type], [b.type], { left: ['x'], right: ['x'] });
    const interner = new KeyInterner();
    const ka = keyWords([a], enc, interner);
    const kb = keyWords([b], enc, interner);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(rowEqual(ka, i, kb, j), `${i} ${j}`).toBe(true);
  });

  it('strings: plain and dictionary chunks, each with its own dictionary and null entries', () => {
    for (const [a, b] of [['dict', 'utf8'], ['utf8', 'dict'], ['dict', 'dict'], ['utf8', 'utf8']] as const) expectPairs(a, b, 150);
  });

  it('booleans', () => {
    expectPairs('bool', 'bool', 129);
  });

  it('LargeUtf8 against Utf8 and a dictionary of LargeUtf8', () => {
    const values = ['a', null, 'bb', '', 'a', '日本'];
    const large = arrow.vectorFromArray(values, new arrow.LargeUtf8());
    const plain = arrow.vectorFromArray(['', 'bb', 'zz', null, '日本', 'a'], new arrow.Utf8());
    const dict = arrow.vectorFromArray(['bb', 'a', null], new arrow.Dictionary(new arrow.LargeUtf8(), new arrow.Int32()));
    const interner = new KeyInterner();
    const enc = keyEncodings([large.type], [plain.type], { left: ['s'], right: ['s'] });
    const [l, p, d] = [large, plain, dict].map((v) => keyWords([v], enc, interner));
    expect([...l.valid!]).toEqual([1, 0, 1, 1, 1, 1]);
    expect(l.words[0]).toBe(p.words[5]);
    expect(l.words[2]).toBe(p.words[1]);
    expect(l.words[3]).toBe(p.words[0]);
    expect(l.words[5]).toBe(p.words[4]);
    expect(d.words[0]).toBe(p.words[1]);
    expect(d.words[1]).toBe(l.words[0]);
    expect(new Set([l.words[0], l.words[2], l.words[3], l.words[5], p.words[2]]).size).toBe(5);
  });

  it('timestamps and dates compare by their bits with the same type', () => {
    const ts = arrow.vectorFromArray([0, 1000, null, -1000, 1000], new arrow.TimestampMillisecond());
    const days = arrow.vectorFromArray([new Date(0), new Date(86_400_000), null], new arrow.DateDay());
    const enc = keyEncodings([ts.type, days.type], [ts.type, days.type], { left: ['t', 'd'], right: ['t', 'd'] });
    const k = keyWords([ts.slice(0, 3), days], enc, new KeyInterner());
    expect(k.width).toBe(3);
    expect([...k.valid!]).toEqual([1, 1, 0]);
    const one = keyWords([ts], [enc[0]!], new KeyInterner());
    expect(rowEqual(one, 1, one, 4)).toBe(true);
    expect(rowEqual(one, 0, one, 1)).toBe(false);
    expect(rowEqual(one, 1, one, 3)).toBe(false);
  });

  it('decimals compare by their 128 bits with the same type', () => {
    const type = new arrow.Decimal(2, 20, 128);
    const words = Uint32Array.of(5, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 5, 0, 0, 0, 5, 0, 0, 1);
    const v = new arrow.Vector([arrow.makeData({ type, length: 4, data: words })]);
    const enc = keyEncodings([type], [type], { left: ['d'], right: ['d'] });
    expect(enc).toEqual([{ kind: 'raw', words: 4 }]);
    const k = keyWords([v], enc, new KeyInterner());
    expect(rowEqual(k, 0, k, 2)).toBe(true);
    expect(rowEqual(k, 0, k, 3)).toBe(false);
    expect(rowEqual(k, 0, k, 1)).toBe(false);
    expect(() => keyEncodings([type], [new arrow.Decimal(3, 20, 128)], { left: ['d'], right: ['d'] })).toThrow(PlanError);
  });

  it('multi-key rows: valid only when every column is, with the null columns flagged', () => {
    const a = makeVector('int32', [1, null, 3, null, 5], { chunks: [2, 3], offset: 3 });
    const b = arrow.vectorFromArray(['x', 'y', null, null, 'x']);
    const enc = keyEncodings([a.type, b.type], [a.type, b.type], { left: ['a', 'b'], right: ['a', 'b'] });
    const k = keyWords([a, b], enc, new KeyInterner());
    expect(k.width).toBe(2);
    expect([...k.valid!]).toEqual([1, 0, 0, 0, 1]);
    expect(k.nullWidth).toBe(1);
    expect([...k.nulls!]).toEqual([0, 1, 2, 3, 0]);
    // A null column writes zero words; the other column keeps its own.
    expect(k.words[2]).toBe(0);
    expect(k.words[3]).not.toBe(k.words[1]);
    expect(k.words[1]).toBe(k.words[9]);
    expect(k.words[4]).toBe(3);
    expect(rowEqual(k, 0, k, 4)).toBe(false);
  });

  it('more than 32 key columns flag their nulls in several words', () => {
    const cols = Array.from({ length: 40 }, (_, j) => makeVector('int16', j === 35 ? [1, null] : [1, 2]));
    const types = cols.map((c) => c.type);
    const names = cols.map((_, j) => `c${j}`);
    const k = keyWords(cols, keyEncodings(types, types, { left: names, right: names }), new KeyInterner());
    expect(k.nullWidth).toBe(2);
    expect([...k.nulls!]).toEqual([0, 0, 0, 1 << 3]);
  });

  it('no valid array when no key is null; empty columns give no rows', () => {
    const v = makeVector('uint64', [0n, 2n ** 64n - 1n]);
    const enc = keyEncodings([v.type], [v.type], { left: ['u'], right: ['u'] });
    const k = keyWords([v], enc, new KeyInterner());
    expect(k.valid).toBeNull();
    expect([...k.words]).toEqual([0, 0, 0xffffffff, 0xffffffff]);
    const empty = keyWords([makeVector('uint64', [])], enc, new KeyInterner());
    expect(empty.rows).toBe(0);
    expect(empty.words.length).toBe(0);
  });

  it('refuses a column that cannot write the encoding given', () => {
    const enc = keyEncodings([new arrow.Int32()], [new arrow.Int32()], { left: ['a'], right: ['a'] });
    expect(() => keyWords([makeVector('int64', [1n])], enc, new KeyInterner())).toThrow(PlanError);
    expect(() => keyWords([arrow.vectorFromArray(['a'])], enc, new KeyInterner())).toThrow(/cannot be written/);
  });
});

describe('KeyInterner', () => {
  it('hashes strings by content, alike under any interner', () => {
    const a = new KeyInterner();
    const b = new KeyInterner();
    const bytes = new TextEncoder().encode('xyz-abc');
    a.intern(bytes, 0, 3);
    const ca = a.intern(bytes, 4, 7);
    const cb = b.intern(bytes, 4, 7);
    expect(ca).toBe(1);
    expect(cb).toBe(0);
    expect(a.hashes()[ca]).toBe(b.hashes()[cb]);
    expect(a.hashes()[0]).not.toBe(a.hashes()[1]);
    for (let i = 0; i < 100; i++) a.intern(new TextEncoder().encode(`s${i}`), 0, `s${i}`.length);
    expect(a.hashes().length).toBeGreaterThanOrEqual(102);
    expect(a.hashes()[ca]).toBe(b.hashes()[cb]);
  });
});
