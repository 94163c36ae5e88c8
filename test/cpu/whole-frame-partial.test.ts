/**
 * wholeFramePartial (the one-group partial straight from the columns under a selection mask,
 * group-by/whole-frame-partial.ts, with its native tally native/src/column-tally.cpp and the
 * TypeScript twin tally-piece.ts) against partialGroupBy(filterTable(table, mask), [], aggs):
 * the same partial bit for bit (every state array, -0 apart from 0, NaN as NaN), with the addon
 * and with DUSK_NATIVE=off, and the same errors. Random tables of every column type (chunks at
 * offsets, nulls, NaN, ±Infinity, -0, dictionaries with null entries and without, int64 and
 * uint64 extremes whose sums overflow), masks chunked otherwise than the table (with nulls, all
 * false, all true, none), at 0, 1, 127, 128, 129 and more rows, and every aggregate function.
 */
import * as arrow from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { filterTable } from '../../src/cpu/kernels/filter-table.js';
import { finalizeGroupBy, partialGroupBy, type AggFn, type AggRequest, type GroupPartial } from '../../src/cpu/kernels/group-by.js';
import { wholeFramePartial } from '../../src/cpu/kernels/group-by/whole-frame-partial.js';
import { nativeAddon } from '../../src/cpu/kernels/native-addon.js';
import { makeData } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';
import { ALL_TYPES, buildTable, randomCells, tableRows, type ColType } from './group-by-reference.js';

const seed = testSeed();
const addon = nativeAddon();
const native = addon !== null && typeof addon.columnTally === 'function';

afterEach(() => {
  delete process.env.DUSK_NATIVE;
});

/** Runs fn with the addon on, then off; both must agree with the reference taken the same way. */
function bothWays(fn: (way: string) => void): void {
  if (native) fn('native');
  process.env.DUSK_NATIVE = 'off';
  try {
    fn('DUSK_NATIVE=off');
  } finally {
    delete process.env.DUSK_NATIVE;
  }
}

/** A double as a string that tells -0 from 0 and every NaN alike (bit patterns of NaN may differ). */
function bitsOf(x: number | bigint): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (Number.isNaN(x)) return 'NaN';
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Everything a partial holds, with typed arrays element by element. */
function contents(p: GroupPartial): unknown {
  const plain = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, bitsOf);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return { groups: p.groups, keyColumns: p.keys.numCols, keyRows: p.keys.numRows, states: p.states.map(plain) };
}

function reference(table: arrow.Table, aggs: readonly AggRequest[], mask: arrow.Vector | null): GroupPartial {
  return partialGroupBy(mask === null ? table : filterTable(table, mask), [], aggs);
}

function expectSame(table: arrow.Table, aggs: readonly AggRequest[], mask: arrow.Vector | null, what: string): void {
  bothWays((way) => {
    const want = reference(table, aggs, mask);
    const got = wholeFramePartial(table, aggs, mask);
    expect(contents(got), `${what}, ${way}`).toEqual(contents(want));
    // The partial finalizes as the reference does (overflowing int64 sums fail alike).
    const names = aggs.map((_, i) => `a${i}`);
    const out = (p: GroupPartial): unknown => {
      try {
        return tableRows(finalizeGroupBy(p, [], aggs, names)).map((r) => r.map((c) => (typeof c === 'number' ? bitsOf(c) : c)));
      } catch (error) {
        return String(error);
      }
    };
    expect(out(got), `${what}, ${way}, finalized`).toEqual(out(want));
  });
}

const FNS: Record<'numeric' | 'other', AggFn[]> = {
  numeric: ['sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique'],
  other: ['count', 'min', 'max', 'first', 'last', 'nunique'],
};

function aggsFor(names: readonly { name: string; type: ColType }[]): AggRequest[] {
  const out: AggRequest[] = [{ fn: 'size', column: null }];
  for (const { name, type } of names) {
    const numeric = type !== 'bool' && type !== 'utf8' && type !== 'dict';
    for (const fn of FNS[numeric ? 'numeric' : 'other']) out.push({ fn, column: name });
  }
  return out;
}

/** 64-bit extremes (and values near them) whose sums overflow int64 / uint64. */
function extremes(type: 'int64' | 'uint64', n: number, random: Random): (bigint | null)[] {
  const pool = type === 'int64'
    ? [2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n + 5n, -(2n ** 53n) - 1n, 0n, -1n]
    : [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 0n, 1n];
  return Array.from({ length: n }, () => (random.next() < 0.1 ? null : pool[random.int(0, pool.length - 1)]!));
}

/** Random cut points: chunk lengths adding up to n. */
function cuts(n: number, random: Random): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const len = Math.min(left, random.int(1, Math.max(1, n >> 1)));
    out.push(len);
    left -= len;
  }
  return out.length > 0 ? out : [0];
}

function randomTable(n: number, random: Random): { table: arrow.Table; columns: { name: string; type: ColType }[] } {
  const columns = [
    ...ALL_TYPES.map((type) => ({ name: type, type, values: randomCells(random, type, n, { specials: true, int64Bound: 2 ** 61 }) })),
    // Finite floats too: one NaN or infinity makes a whole sum uninformative.
    ...(['float32', 'float64'] as const).map((type) => ({ name: `${type}f`, type, values: randomCells(random, type, n) })),
  ];
  const base = buildTable(random, columns, cuts(n, random));
  const wide = ['int64', 'uint64'] as const;
  const fields: Record<string, arrow.Vector> = {};
  for (const f of base.schema.fields) fields[f.name] = base.getChild(f.name)!;
  // Extremes in the table's own chunks (built as one chunk each, then cut like the table).
  const lengths = base.batches.map((b) => b.numRows);
  for (const t of wide) {
    const whole = makeData(t, extremes(t, n, random));
    let at = 0;
    fields[`${t}x`] = new arrow.Vector(lengths.map((len) => whole.slice((at += len) - len, len)));
  }
  // A dictionary column without null entries (its rows may still be null).
  const words = Array.from({ length: n }, () => (random.next() < 0.1 ? null : `w${random.int(0, 9)}`));
  const dict = arrow.vectorFromArray(words, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())).data[0]!;
  let at = 0;
  fields.dictClean = new arrow.Vector(lengths.map((len) => dict.slice((at += len) - len, len)));
  const table = new arrow.Table(fields);
  const names = [
    ...columns.map(({ name, type }) => ({ name, type })),
    { name: 'int64x', type: 'int64' as ColType }, { name: 'uint64x', type: 'uint64' as ColType }, { name: 'dictClean', type: 'dict' as ColType },
  ];
  return { table, columns: names };
}

/** A bool mask of n rows (true with probability p, null with probability q), cut into its own chunks at offsets. */
function randomMask(n: number, p: number, q: number, random: Random): arrow.Vector {
  const values = Array.from({ length: n + 5 }, () => (random.next() < q ? null : random.next() < p));
  const whole = arrow.vectorFromArray(values, new arrow.Bool()).data[0]!.slice(5, n);
  const chunks: arrow.Data[] = [];
  let at = 0;
  for (const len of cuts(n, random)) {
    chunks.push(whole.slice(at, len));
    at += len;
  }
  return new arrow.Vector(chunks);
}

describe('wholeFramePartial', () => {
  it('has its native kernel built and loaded in CI', () => {
    if (process.env.CI === 'true') expect(native, 'CI builds native/ (npm install runs native/build.mjs)').toBe(true);
  });

  for (const n of [0, 1, 2, 127, 128, 129, 1000, 3001]) {
    it(`matches partialGroupBy over the filtered rows bit for bit, ${n} rows, every column type and aggregate (seed ${seed})`, () => {
      const random = new Random(seed + n);
      const { table, columns } = randomTable(n, random);
      const aggs = aggsFor(columns);
      const masks: [string, arrow.Vector | null][] = [
        ['no mask', null],
        ['a mask with nulls', randomMask(n, 0.5, 0.2, random)],
        ['a sparse mask', randomMask(n, 0.05, 0.05, random)],
        ['a dense mask', randomMask(n, 0.97, 0, random)],
        ['a mask keeping no row', randomMask(n, 0, 0.3, random)],
        ['a mask keeping every row', randomMask(n, 1, 0, random)],
      ];
      for (const [what, mask] of masks) expectSame(table, aggs, mask, what);
    });
  }

  it(`decides per request: one request on the fast path, the next gathered (seed ${seed})`, () => {
    const random = new Random(seed + 7);
    const { table } = randomTable(300, random);
    const mask = randomMask(300, 0.4, 0.1, random);
    const aggs: AggRequest[] = [
      { fn: 'nunique', column: 'float64' }, { fn: 'sum', column: 'float64' }, { fn: 'max', column: 'utf8' }, { fn: 'size', column: null },
      { fn: 'count', column: 'dict' }, { fn: 'count', column: 'dictClean' }, { fn: 'min', column: 'bool' }, { fn: 'std', column: 'int64' },
    ];
    expectSame(table, aggs, mask, 'mixed requests');
    expectSame(table, [{ fn: 'size', column: null }], mask, 'size alone');
    expectSame(table, [{ fn: 'first', column: 'utf8' }, { fn: 'last', column: 'dictClean' }], mask, 'strings');
  });

  it('sums more kept rows than one accumulator flush (2^20) exactly', () => {
    const n = (1 << 20) + 4099;
    const random = new Random(seed + 11);
    const i32 = Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -(2 ** 31) : 2 ** 31 - 1 - (i & 7)));
    const u32 = Uint32Array.from({ length: n }, (_, i) => 2 ** 32 - 1 - (i & 3));
    const i64 = BigInt64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -(2n ** 63n) : 2n ** 63n - 1n - BigInt(i & 15)));
    const table = new arrow.Table({
      i32: arrow.makeVector(i32), u32: arrow.makeVector(u32), i64: arrow.makeVector(i64),
    });
    const mask = randomMask(n, 0.98, 0.01, random);
    const aggs: AggRequest[] = ['i32', 'u32', 'i64'].flatMap((c) => [{ fn: 'sum', column: c }, { fn: 'mean', column: c }, { fn: 'var', column: c }] as AggRequest[]);
    expectSame(table, aggs, mask, 'large sums');
    expectSame(table, aggs, null, 'large sums, no mask');
  });

  it('keeps int64 sums past the int64 range exact, and they fail to finalize as partialGroupBy fails', () => {
    const table = new arrow.Table({
      i: arrow.makeVector(BigInt64Array.of(2n ** 63n - 1n, 5n, 2n ** 63n - 1n, -(2n ** 63n))),
      u: arrow.makeVector(BigUint64Array.of(2n ** 64n - 1n, 1n, 2n ** 64n - 1n, 7n)),
    });
    const mask = arrow.vectorFromArray([true, true, true, false], new arrow.Bool());
    for (const column of ['i', 'u']) {
      const aggs: AggRequest[] = [{ fn: 'sum', column }];
      expectSame(table, aggs, mask, `${column} overflowing`);
      bothWays(() => {
        expect(() => finalizeGroupBy(wholeFramePartial(table, aggs, mask), [], aggs, ['s'])).toThrow(/does not fit in int64/);
      });
    }
  });

  it('fails as partialGroupBy and filterTable fail', () => {
    const table = new arrow.Table({ a: arrow.makeVector(Float64Array.of(1, 2, 3)), s: arrow.vectorFromArray(['x', 'y', 'z']) });
    const mask = arrow.vectorFromArray([true, false, true], new arrow.Bool());
    const error = (fn: () => unknown): string => {
      try {
        fn();
        return 'no error';
      } catch (e) {
        return `${(e as Error).constructor.name} ${(e as { code?: string }).code} ${(e as Error).message}`;
      }
    };
    const cases: AggRequest[][] = [
      [{ fn: 'sum', column: 'a' }, { fn: 'sum', column: 'nope' }],
      [{ fn: 'nunique', column: 'a' }, { fn: 'mean', column: 's' }],
      [{ fn: 'count', column: null }],
      [{ fn: 'median' as AggFn, column: 'a' }],
    ];
    for (const aggs of cases) {
      const want = error(() => reference(table, aggs, mask));
      expect(want).not.toBe('no error');
      expect(error(() => wholeFramePartial(table, aggs, mask))).toBe(want);
    }
    const short = arrow.vectorFromArray([true, false], new arrow.Bool());
    expect(error(() => wholeFramePartial(table, [{ fn: 'size', column: null }], short))).toBe(error(() => filterTable(table, short)));
    const notBool = arrow.makeVector(Int32Array.of(1, 0, 1));
    expect(error(() => wholeFramePartial(table, [{ fn: 'size', column: null }], notBool))).toMatch(/TYPE_MISMATCH/);
  });

  it.runIf(native)('native kernel: checks its arguments and reads bits from any offset', () => {
    const tally = new Float64Array(13);
    const isum = new BigInt64Array(1);
    tally[2] = tally[3] = tally[9] = tally[11] = -1;
    // Rows 0..9 from bit 3 of the validity (rows 1, 5, 6 null) under a mask from bit 5 keeping even rows.
    const bits = Uint8Array.of(0b11111111 & ~(1 << 4), 0b11111111 & ~(1 << 0) & ~(1 << 1), 0xff);
    const maskBits = new Uint8Array(3);
    for (let i = 0; i < 10; i += 2) maskBits[(5 + i) >> 3]! |= 1 << ((5 + i) & 7);
    const values = Int16Array.from({ length: 10 }, (_, i) => i + 1);
    addon!.columnTally(values, bits, 3, 10, maskBits, null, 5, 100, 1 | 4 | 8, tally, isum);
    // Kept rows 0, 2, 4, 6, 8; row 6 is null: values 1, 3, 5, 9.
    expect([tally[0], tally[1], tally[2], tally[3], tally[9], tally[11]]).toEqual([5, 4, 100, 108, 100, 108]);
    expect(isum[0]).toBe(18n);
    expect(() => addon!.columnTally(values, bits, 3, 11, null, null, 0, 0, 1, tally, isum)).toThrow(RangeError);
    expect(() => addon!.columnTally(values, Uint8Array.of(0xff), 3, 10, null, null, 0, 0, 1, tally, isum)).toThrow(TypeError);
    expect(() => addon!.columnTally(BigInt64Array.of(1n) as unknown as Int32Array, null, 0, 1, null, null, 0, 0, 1, tally, isum)).toThrow(TypeError);
    expect(() => addon!.columnTally(null, null, 0, 1, null, null, 0, 0, 1, tally, isum)).toThrow(TypeError);
    expect(() => addon!.columnTally(values, null, 0, 10, null, null, 0, 0, 1, new Float64Array(12), isum)).toThrow(TypeError);
  });
});
