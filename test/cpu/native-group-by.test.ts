/**
 * The native group-by loops (native/src/group-by.cpp and dictionary.cpp, loaded by
 * nativeGroupBy) against the TypeScript loops they replace: the same group ids, first rows and
 * sizes (integer and dictionary keys), and the same state arrays bit for bit (integer sums,
 * double-double float sums, Welford's moments, their merges and takes), through partialGroupBy,
 * mergeGroupPartials and splitGroupPartial run with the addon and with DUSK_NATIVE=off, on
 * random data with the hard cases: empty, one row, 127/128/129 rows, chunks at an offset,
 * nulls, NaN, ±Infinity, -0, int32 and uint32 extremes, int64 values past 2^53 of both signs,
 * one group and many groups. The kernels' own argument checks are tested directly. In CI
 * (CI=true) the addon must be built and load; elsewhere the native cases run only when it did.
 */
import * as arrow from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import type { NumericDType } from '../../src/dtype.js';
import {
  finalizeGroupBy, mergeGroupPartials, partialGroupBy, splitGroupPartial, type AggRequest, type GroupPartial,
} from '../../src/cpu/kernels/group-by.js';
import { nativeGroupBy } from '../../src/cpu/kernels/native-group-by.js';
import { makeData, type Value } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';
import { tableRows } from './group-by-reference.js';

const seed = testSeed();
const native = nativeGroupBy();

afterEach(() => {
  delete process.env.DUSK_NATIVE;
});

function withoutNative<T>(fn: () => T): T {
  process.env.DUSK_NATIVE = 'off';
  try {
    return fn();
  } finally {
    delete process.env.DUSK_NATIVE;
  }
}

const SPECIAL_FLOATS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e308, -1e308, 5e-324];

/** One random value of `dtype`: extremes and specials one time in eight, nulls one in ten. */
function value(dtype: NumericDType, random: Random, nulls: boolean): Value {
  if (nulls && random.next() < 0.1) return null;
  const extreme = random.next() < 0.125;
  switch (dtype) {
    case 'int8': return extreme ? random.int(0, 1) * 255 - 128 : random.int(-20, 20);
    case 'uint8': return extreme ? 255 : random.int(0, 20);
    case 'int16': return extreme ? random.int(0, 1) * 65535 - 32768 : random.int(-300, 300);
    case 'uint16': return extreme ? 65535 : random.int(0, 300);
    case 'int32': return extreme ? random.int(0, 1) * (2 ** 32 - 1) - 2 ** 31 : random.int(-1e6, 1e6);
    case 'uint32': return extreme ? 2 ** 32 - 1 : random.int(0, 1e6);
    case 'int64': return extreme ? BigInt(random.int(0, 1) * 2 - 1) * 2n ** 55n + BigInt(random.int(-9, 9)) : BigInt(random.int(-1e6, 1e6));
    case 'float32':
    case 'float64':
      return extreme ? SPECIAL_FLOATS[random.int(0, SPECIAL_FLOATS.length - 1)]! : (random.next() - 0.3) * 1e3;
    default: throw new Error(`no generator for ${dtype}`);
  }
}

function column(dtype: NumericDType, n: number, random: Random, nulls: boolean): arrow.Vector {
  return arrow.makeVector(makeData(dtype, Array.from({ length: n }, () => value(dtype, random, nulls))));
}

function keyColumn(dtype: NumericDType, n: number, groups: number, random: Random, nulls: boolean): arrow.Vector {
  const lo = dtype.startsWith('u') ? 0 : -Math.floor(groups / 2);
  return arrow.makeVector(makeData(dtype, Array.from({ length: n }, () => (nulls && random.next() < 0.05 ? null : lo + random.int(0, groups - 1)))));
}

function dictColumn(n: number, groups: number, random: Random, nulls: boolean): arrow.Vector {
  const strings = Array.from({ length: n }, () => (nulls && random.next() < 0.05 ? null : `key-${random.int(0, groups - 1)}`));
  return arrow.vectorFromArray(strings, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
}

/** The table cut into chunks at random places, so chunks start at an offset into their buffers. */
function chunked(table: arrow.Table, random: Random): arrow.Table {
  const n = table.numRows;
  if (n < 3) return table;
  const a = random.int(1, n - 2);
  const b = random.int(a + 1, n - 1);
  return table.slice(0, a).concat(table.slice(a, b), table.slice(b));
}

// int64 values stay in TypeScript, but their states merge through the native merge.
const VALUE_TYPES: NumericDType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float32', 'float64'];
const AGGS: AggRequest[] = [
  ...VALUE_TYPES.flatMap((t): AggRequest[] => [
    { fn: 'sum', column: t }, { fn: 'mean', column: t }, { fn: 'var', column: t }, { fn: 'count', column: t },
  ]),
  { fn: 'size', column: null },
];

function table(n: number, groups: number, keyType: NumericDType, random: Random, nulls: boolean): arrow.Table {
  const columns: Record<string, arrow.Vector> = {
    k: keyColumn(keyType, n, groups, random, nulls),
    d: dictColumn(n, groups, random, nulls),
  };
  for (const t of VALUE_TYPES) columns[t] = column(t, n, random, nulls);
  return chunked(new arrow.Table(columns), random);
}

/** Every number of a partial: group count, key rows, and each state's arrays element by element. */
function contents(p: GroupPartial): unknown {
  return {
    groups: p.groups,
    keys: tableRows(p.keys),
    states: p.states.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v]))),
  };
}

function expectSame(got: GroupPartial, want: GroupPartial, what: string): void {
  expect(contents(got), what).toEqual(contents(want));
}

describe('the native group-by loops', () => {
  it('are built and load in CI', () => {
    if (process.env.CI === 'true') expect(native, 'CI builds native/ (npm install runs native/build.mjs)').not.toBeNull();
    process.env.DUSK_NATIVE = 'off';
    expect(nativeGroupBy()).toBeNull();
  });

  const sizes = [0, 1, 2, 127, 128, 129, 1000, 4099];
  for (const keyType of ['int32', 'int8', 'uint16'] as NumericDType[]) {
    for (const n of sizes) {
      for (const groups of [1, 7, Math.max(1, n >> 1)]) {
        it.runIf(native !== null)(`partials and merges match the TypeScript loops bit for bit: ${keyType} and dictionary keys, ${n} rows, ${groups} key values (seed ${seed})`, () => {
          const random = new Random(seed + n * 31 + groups * 7 + keyType.length);
          for (const nulls of [false, true]) {
            const t = table(n, keyType === 'int8' ? Math.min(groups, 200) : groups, keyType, random, nulls);
            for (const keys of [['k'], ['d'], [], ['k', 'd']]) {
              const what = `keys [${keys.join(', ')}], ${nulls ? 'with' : 'without'} nulls`;
              const want = withoutNative(() => partialGroupBy(t, keys, AGGS));
              const got = partialGroupBy(t, keys, AGGS);
              expectSame(got, want, what);
              // Merging partials numbers the partials' key rows again, by the same loops.
              const half = t.slice(0, n >> 1);
              const rest = t.slice(n >> 1);
              const parts = [partialGroupBy(half, keys, AGGS), partialGroupBy(rest, keys, AGGS)];
              const wantParts = withoutNative(() => [partialGroupBy(half, keys, AGGS), partialGroupBy(rest, keys, AGGS)]);
              const merged = mergeGroupPartials(parts, keys, AGGS);
              const wantMerged = withoutNative(() => mergeGroupPartials(wantParts, keys, AGGS));
              expectSame(merged, wantMerged, `${what}, merged`);
              const split = splitGroupPartial(merged, keys, 3);
              withoutNative(() => splitGroupPartial(wantMerged, keys, 3)).forEach((want, b) => expectSame(split[b]!, want, `${what}, bucket ${b}`));
              const names = AGGS.map((_, i) => `a${i}`);
              expect(tableRows(finalizeGroupBy(merged, keys, AGGS, names))).toEqual(tableRows(finalizeGroupBy(wantMerged, keys, AGGS, names)));
            }
          }
        });
      }
    }
  }

  it.runIf(native !== null)('add 32-bit extremes into int64 exactly, one group and many', () => {
    const n = 3000;
    const min = new Int32Array(n).fill(-(2 ** 31));
    const max = new Uint32Array(n).fill(2 ** 32 - 1);
    for (const groups of [1, 3]) {
      const gid = Int32Array.from({ length: n }, (_, i) => i % groups);
      const accMin = new BigInt64Array(groups);
      const accMax = new BigInt64Array(groups);
      native!.sumInts(min, null, 0, n, gid, 0, accMin);
      native!.sumInts(max, null, 0, n, gid, 0, accMax);
      expect(accMin.reduce((a, b) => a + b, 0n)).toBe(BigInt(n) * -(2n ** 31n));
      expect(accMax.reduce((a, b) => a + b, 0n)).toBe(BigInt(n) * (2n ** 32n - 1n));
    }
  });

  it.runIf(native !== null)('skip null rows by the bitmap from its bit offset', () => {
    // Rows 0..9, bitmap read from bit 3: rows 1, 5 and 6 (values 2, 6 and 7) are null.
    const bits = Uint8Array.of(0b11111111 & ~(1 << 4), 0b11111111 & ~(1 << 0) & ~(1 << 1), 0xff);
    const values = Int16Array.from({ length: 10 }, (_, i) => i + 1);
    const gid = Int32Array.from({ length: 12 }, (_, i) => i & 1);
    const acc = new BigInt64Array(2);
    native!.sumInts(values, bits, 3, 10, gid, 2, acc);
    expect([...acc]).toEqual([1n + 3n + 5n + 9n, 4n + 8n + 10n]);
    const hi = new Float64Array(1);
    const lo = new Float64Array(1);
    native!.sumFloats(Float32Array.from(values), bits, 3, 10, new Int32Array(10), 0, hi, lo);
    expect(hi[0]! + lo[0]!).toBe(55 - 2 - 6 - 7);
  });

  it.runIf(native !== null)('find the range of valid integers, and intern dictionary entries by content', () => {
    const range = Float64Array.of(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    // Bits from 1: rows 0 and 3 (values -128 and 127) are null.
    native!.intRange(Int8Array.of(-128, 5, -7, 127, 9), Uint8Array.of(0b10110 << 1), 1, 5, range);
    expect([...range]).toEqual([-7, 9]);
    native!.intRange(Uint32Array.of(2 ** 32 - 1), null, 0, 1, range);
    expect([...range]).toEqual([-7, 2 ** 32 - 1]);
    const bytes = new TextEncoder().encode('abcabcxyz');
    const out = new Int32Array(6);
    // Chunk 1: 'abc', null, 'abc', ''; chunk 2 (offsets at 3): 'abc', 'xyz'.
    const card = native!.internEntries(
      [bytes, bytes], [Int32Array.of(0, 3, 3, 6, 6), Int32Array.of(3, 6, 9)], [Uint8Array.of(0b1101), null],
      Float64Array.of(0, 0), Float64Array.of(4, 2), out,
    );
    expect(card).toBe(4);
    expect(out[1]).toBe(0);
    expect(out[0]).toBe(out[2]);
    expect(out[0]).toBe(out[4]);
    expect(new Set([out[0], out[3], out[5]]).size).toBe(3);
    expect(() => native!.internEntries([bytes], [Int32Array.of(0, 30)], [null], Float64Array.of(0), Float64Array.of(1), out)).toThrow(RangeError);
    expect(native!.bytesEqual(Int32Array.of(1, 2), Int32Array.of(1, 2))).toBe(true);
    expect(native!.bytesEqual(Int32Array.of(1, 2), Int32Array.of(1, 3))).toBe(false);
    expect(native!.bytesEqual(Int32Array.of(1, 2), Uint32Array.of(1, 2))).toBe(false);
    expect(native!.bytesHash(bytes.subarray(0, 3))).toBe(native!.bytesHash(bytes.subarray(3, 6)));
    expect(native!.bytesHash(bytes.subarray(0, 3))).not.toBe(native!.bytesHash(bytes.subarray(6, 9)));
  });

  it.runIf(native !== null)('intern a large dictionary, then small ones, then a large one again, each on a clean table', () => {
    // The table is kept between calls (per thread): a call must not see an earlier call's strings.
    const encode = (strings: string[]): { bytes: Uint8Array; offsets: Int32Array } => {
      const bytes = new TextEncoder().encode(strings.join(''));
      const offsets = new Int32Array(strings.length + 1);
      strings.forEach((x, i) => (offsets[i + 1] = offsets[i]! + x.length));
      return { bytes, offsets };
    };
    const intern = (strings: string[]): Int32Array => {
      const { bytes, offsets } = encode(strings);
      const out = new Int32Array(strings.length);
      const card = native!.internEntries([bytes], [offsets], [null], Float64Array.of(0), Float64Array.of(strings.length), out);
      expect(card).toBe(new Set(strings).size + 1);
      return out;
    };
    const random = new Random(seed);
    for (const n of [50_000, 3, 0, 1, 129, 50_000]) {
      const strings = Array.from({ length: n }, () => `s${random.int(0, Math.max(1, n >> 1))}`);
      const out = intern(strings);
      // Equal strings share a code, different ones do not, codes run from 1 to card - 1.
      const byString = new Map<string, number>();
      strings.forEach((x, i) => {
        const code = out[i]!;
        expect(code).toBeGreaterThan(0);
        if (byString.has(x)) expect(code).toBe(byString.get(x));
        byString.set(x, code);
      });
      expect(new Set(byString.values()).size).toBe(byString.size);
    }
  });

  it.runIf(native !== null)('copy dictionary entries into laid-out offsets, and refuse entries or bytes out of range', () => {
    const bytes = new TextEncoder().encode('abcdefghij');
    const offsets = Int32Array.of(0, 3, 3, 7, 10);
    const entries = Int32Array.of(3, 0, 1, 2);
    const starts = Int32Array.of(0, 3, 6, 6, 10);
    const out = new Uint8Array(10);
    native!.copyEntries(bytes, offsets, entries, 0, 4, starts, out);
    expect(new TextDecoder().decode(out)).toBe('hijabcdefg');
    // Only [from, to) is copied.
    const part = new Uint8Array(10);
    native!.copyEntries(bytes, offsets, entries, 1, 2, starts, part);
    expect(new TextDecoder().decode(part.subarray(3, 6))).toBe('abc');
    expect(part[0]).toBe(0);
    expect(() => native!.copyEntries(bytes, offsets, Int32Array.of(4), 0, 1, Int32Array.of(0, 0), out)).toThrow(RangeError);
    expect(() => native!.copyEntries(bytes, offsets, Int32Array.of(-1), 0, 1, Int32Array.of(0, 0), out)).toThrow(RangeError);
    expect(() => native!.copyEntries(bytes, offsets, entries, 0, 4, Int32Array.of(0, 3, 6, 8), out)).toThrow(RangeError);
    expect(() => native!.copyEntries(bytes, offsets, entries, 0, 5, starts, out)).toThrow(RangeError);
    expect(() => native!.copyEntries(bytes, Int32Array.of(0, 30), Int32Array.of(0), 0, 1, Int32Array.of(0, 0), new Uint8Array(40))).toThrow(RangeError);
  });

  it.runIf(native !== null)('gather dictionary keys of one and of several dictionaries as the TypeScript loop does', () => {
    const random = new Random(seed);
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const strings = (n: number, distinct: number): (string | null)[] =>
      Array.from({ length: n }, () => (random.int(0, 40) === 0 ? null : `key-${random.int(0, distinct)}${'x'.repeat(random.int(0, 40))}`));
    const aggs = [{ fn: 'size' as const, column: null }, { fn: 'count' as const, column: 'k' }];
    const parts = [strings(3000, 500), strings(129, 100), strings(0, 1), strings(2000, 700)]
      .map((xs) => new arrow.Table({ k: arrow.vectorFromArray(xs, dictType) }));
    const keysOf = (p: GroupPartial): unknown[] => tableRows(p.keys);
    for (const t of parts) expect(keysOf(partialGroupBy(t, ['k'], aggs))).toEqual(withoutNative(() => keysOf(partialGroupBy(t, ['k'], aggs))));
    const mergedNative = mergeGroupPartials(parts.map((t) => partialGroupBy(t, ['k'], aggs)), ['k'], aggs);
    const mergedTs = withoutNative(() => mergeGroupPartials(parts.map((t) => partialGroupBy(t, ['k'], aggs)), ['k'], aggs));
    expect(mergedNative.groups).toBeGreaterThan(64);
    expect(keysOf(mergedNative)).toEqual(keysOf(mergedTs));
    const dictionary = mergedNative.keys.getChild('k')!.data[0]!.dictionary!;
    expect(new Set(dictionary.toArray()).size).toBe(dictionary.length);
    const split = splitGroupPartial(mergedNative, ['k'], 3);
    const splitTs = withoutNative(() => splitGroupPartial(mergedTs, ['k'], 3));
    expect(split.map(keysOf)).toEqual(splitTs.map(keysOf));
  });

  it.runIf(native !== null)('refuse ids, codes and arrays out of range instead of writing past them', () => {
    const g = native!;
    const gid = Int32Array.of(0, 1, 5);
    expect(() => g.sumInts(Int32Array.of(1, 2, 3), null, 0, 3, gid, 0, new BigInt64Array(2))).toThrow(RangeError);
    expect(() => g.sumFloats(Float64Array.of(1, 2, 3), null, 0, 3, gid, 0, new Float64Array(2), new Float64Array(2))).toThrow(RangeError);
    expect(() => g.welford(Float64Array.of(1, 2, 3), null, 0, 3, gid, 0, new Float64Array(2), new Float64Array(2), new Float64Array(2))).toThrow(RangeError);
    expect(() => g.sumInts(Int32Array.of(1, 2, 3), null, 0, 3, Int32Array.of(0, 0), 0, new BigInt64Array(2))).toThrow(TypeError);
    expect(() => g.sumInts(Int32Array.of(1, 2), null, 0, 3, Int32Array.of(0, 0, 0), 0, new BigInt64Array(2))).toThrow(TypeError);
    expect(() => g.sumInts(Int32Array.of(1), Uint8Array.of(), 0, 1, Int32Array.of(0), 0, new BigInt64Array(1))).toThrow(TypeError);
    const f = (): Float64Array => new Float64Array(2);
    expect(() => g.mergeIntSums(gid, 0, 3, new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3), f(), f(), f(), f())).toThrow(RangeError);
    expect(() => g.mergeFloatSums(gid, 1, 3, f(), f(), f(), f(), f(), f())).toThrow(RangeError);
    expect(() => g.takeDoubles(f(), Int32Array.of(0, 2), f())).toThrow(RangeError);
    // Value 9 with shift 1 is code 10, past a map of 4 codes.
    const map = new Int32Array(4).fill(-1);
    expect(() => g.groupInts(Int32Array.of(1, 9), null, 0, 2, 1, 0, new Int32Array(2), map, new Int32Array(2), new Float64Array(4), 0)).toThrow(RangeError);
    const entries = new Int32Array(2).fill(-1);
    expect(() => g.groupEntries(Int32Array.of(0, 2), null, 0, 2, Int32Array.of(1, 2), entries, new Float64Array(2), 0,
      new Int32Array(2), new Int32Array(3).fill(-1), new Int32Array(2), 0, new Float64Array(1))).toThrow(RangeError);
  });
});
