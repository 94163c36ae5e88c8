/**
 * Group-by edge cases: exact int64 sums (partials and running sums that overflow while the
 * total fits, totals that do not fit), sums past 2^53 that need the carried accumulators, float
 * sums that cancel (against an exact rational reference), 1e6 groups through split and merge,
 * output types, and the errors for columns and types the kernel does not take.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DuskError, PlanError, SchemaError } from '../../src/errors.js';
import {
  aggOutputType, finalizeGroupBy, mergeGroupPartials, partialGroupBy, splitGroupPartial,
  type AggFn, type AggRequest,
} from '../../src/cpu/kernels/group-by.js';
import { BucketTakes } from '../../src/cpu/kernels/group-by/state-kernel.js';
import { makeData } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';
import { exactFloatSum, rowCells, tableRows } from './group-by-reference.js';

const seed = testSeed();
const I64 = (xs: (bigint | null)[]): arrow.Vector => arrow.makeVector(makeData('int64', xs));
const U64 = (xs: (bigint | null)[]): arrow.Vector => arrow.makeVector(makeData('uint64', xs));

function sumOf(t: arrow.Table, keys: string[], aggs: AggRequest[]): unknown[][] {
  return tableRows(finalizeGroupBy(partialGroupBy(t, keys, aggs), keys, aggs, aggs.map((_, i) => `a${i}`)));
}

describe('exact integer sums', () => {
  const big = 2n ** 62n;

  it('a running sum past int64 that comes back in range is exact, one shot and merged', () => {
    const xs = [big, big, big, -big, -big, 5n];
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'mean', column: 'v' }];
    expect(sumOf(new arrow.Table({ v: I64(xs) }), [], aggs)).toEqual([[big + 5n, Number(big + 5n) / 6]]);
    // Each partial overflows int64 on its own; the total does not.
    const a = partialGroupBy(new arrow.Table({ v: I64(xs.slice(0, 3)) }), [], aggs);
    const b = partialGroupBy(new arrow.Table({ v: I64(xs.slice(3)) }), [], aggs);
    const out = finalizeGroupBy(mergeGroupPartials([a, b], [], aggs), [], aggs, ['s', 'm']);
    expect(rowCells(out, 0)).toEqual([big + 5n, Number(big + 5n) / 6]);
  });

  it('fits down to -2^63 and up to 2^63 - 1 exactly', () => {
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }];
    expect(sumOf(new arrow.Table({ v: I64([-big, -big]) }), [], aggs)).toEqual([[-(2n ** 63n)]]);
    expect(sumOf(new arrow.Table({ v: U64([2n ** 63n - 2n, 1n]) }), [], aggs)).toEqual([[2n ** 63n - 1n]]);
  });

  it('raises OVERFLOW naming the column only when a group total does not fit', () => {
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'amount' }];
    const cases: (bigint | null)[][] = [[big, big], [-big, -big, -1n], [2n ** 63n - 1n, 1n, null]];
    for (const xs of cases) {
      const t = new arrow.Table({ amount: I64(xs) });
      const p = partialGroupBy(t, [], aggs);
      let err: unknown;
      try {
        finalizeGroupBy(p, [], aggs, ['s']);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DuskError);
      expect((err as DuskError).code).toBe('OVERFLOW');
      expect((err as DuskError).message).toContain("'amount'");
    }
    const u = new arrow.Table({ amount: U64([2n ** 64n - 1n]) });
    expect(() => finalizeGroupBy(partialGroupBy(u, [], aggs), [], aggs, ['s'])).toThrow(/amount/);
    // The mean of the same values is fine: it never needs an int64.
    const m: AggRequest[] = [{ fn: 'mean', column: 'amount' }];
    expect(sumOf(u, [], m)).toEqual([[2 ** 64 - 1]]);
  });

  it('overflow in one group of several names the column and does not depend on the others', () => {
    const t = new arrow.Table({ k: arrow.vectorFromArray([1, 2, 1, 2], new arrow.Int32()), v: I64([big, 1n, big, 2n]) });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }];
    expect(() => sumOf(t, ['k'], aggs)).toThrow(/'v'/);
  });

  it('stays exact past 2^53 in one group (accumulators carried every 2^20 rows)', () => {
    const n = 5_000_000;
    const i32 = new Int32Array(n).fill(2 ** 31 - 1);
    i32[7] = -(2 ** 31);
    const u32 = new Uint32Array(n).fill(2 ** 32 - 1);
    // int64 values whose low words alone sum past 2^53.
    const i64 = new BigInt64Array(n).fill((1n << 40n) + 0xffffffffn);
    const t = new arrow.Table({
      a: arrow.makeVector(i32), b: arrow.makeVector(u32), c: arrow.makeVector(i64),
    });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'a' }, { fn: 'sum', column: 'b' }, { fn: 'sum', column: 'c' }];
    const want = [
      BigInt(n - 1) * (2n ** 31n - 1n) - 2n ** 31n,
      BigInt(n) * (2n ** 32n - 1n),
      BigInt(n) * ((1n << 40n) + 0xffffffffn),
    ];
    expect(sumOf(t, [], aggs)).toEqual([want]);
  });
});

/**
 * Random float data that cancels within each group: large values with their negatives (same
 * key), small values between, shuffled. Plain summation loses the small values.
 */
function cancelling(rnd: Random, n: number, groups: number): { keys: number[]; xs: number[] } {
  const rows: [number, number][] = [];
  while (rows.length < n) {
    const k = rnd.int(0, groups - 1);
    const big = (rnd.next() - 0.5) * 10 ** rnd.int(10, 18);
    rows.push([k, big], [k, rnd.next() * 10 ** rnd.int(-3, 3)], [k, -big]);
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return { keys: rows.map((r) => r[0]), xs: rows.map((r) => r[1]) };
}

describe(`float sums (seed ${seed})`, () => {
  it('are within 1e-12 of the exact sum even when they cancel, one shot and merged', () => {
    const rnd = new Random(seed);
    const n = 3000;
    const { keys, xs } = cancelling(rnd, n, 5);
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'x' }, { fn: 'mean', column: 'x' }];
    const table = (from: number, to: number): arrow.Table => new arrow.Table({
      k: arrow.vectorFromArray(keys.slice(from, to), new arrow.Int32()),
      x: arrow.vectorFromArray(xs.slice(from, to), new arrow.Float64()),
    });
    const oneShot = finalizeGroupBy(partialGroupBy(table(0, n), ['k'], aggs), ['k'], aggs, ['s', 'm']);
    const parts = [0, 700, 1500, 2900, n].slice(1).map((to, i, a) => partialGroupBy(table(i === 0 ? 0 : a[i - 1], to), ['k'], aggs));
    const merged = finalizeGroupBy(mergeGroupPartials(parts, ['k'], aggs), ['k'], aggs, ['s', 'm']);
    for (const out of [oneShot, merged]) {
      for (const [k, s, m] of tableRows(out) as [number, number, number][]) {
        const group = xs.filter((_, i) => keys[i] === k);
        const exact = exactFloatSum(group);
        expect(Math.abs(s - exact), `sum of group ${k}: ${s} vs ${exact}`).toBeLessThanOrEqual(1e-12 * Math.abs(exact));
        expect(Math.abs(m - exact / group.length)).toBeLessThanOrEqual(1e-12 * Math.abs(exact / group.length));
      }
    }
  });

  it('propagate NaN and infinities as IEEE addition does', () => {
    const t = new arrow.Table({
      k: arrow.vectorFromArray([1, 1, 2, 2, 3, 3, 4], new arrow.Int32()),
      x: arrow.vectorFromArray([Infinity, 1, Infinity, -Infinity, Number.NaN, 2, -Infinity], new arrow.Float64()),
    });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'x' }, { fn: 'mean', column: 'x' }, { fn: 'var', column: 'x' }];
    const rows = sumOf(t, ['k'], aggs);
    expect(rows.map((r) => r.map((v) => String(v)))).toEqual([
      ['1', 'Infinity', 'Infinity', 'NaN'],
      ['2', 'NaN', 'NaN', 'NaN'],
      ['3', 'NaN', 'NaN', 'NaN'],
      ['4', '-Infinity', '-Infinity', 'null'],
    ]);
  });
});

describe('a million groups', () => {
  it('split into buckets and merged gives every group once, with the right values', () => {
    const rnd = new Random(seed + 1);
    const groups = 1_000_000;
    const n = 2 * groups;
    const key = new Int32Array(n);
    for (let i = 0; i < n; i++) key[i] = i % groups;
    for (let i = n - 1; i > 0; i--) {
      const j = rnd.int(0, i);
      const t = key[i];
      key[i] = key[j];
      key[j] = t;
    }
    const v = new Int32Array(n);
    for (let i = 0; i < n; i++) v[i] = rnd.int(-1000, 1000);
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'size', column: null }, { fn: 'max', column: 'v' }];
    const cutsAt = [0, 600_000, 1_300_000, n];
    const buckets = 4;
    const split = cutsAt.slice(1).map((to, i) => {
      const t = new arrow.Table({ k: arrow.makeVector(key.subarray(cutsAt[i], to)), v: arrow.makeVector(v.subarray(cutsAt[i], to)) });
      return splitGroupPartial(partialGroupBy(t, ['k'], aggs), ['k'], buckets);
    });
    const wantSum = new Float64Array(groups);
    const wantMax = new Float64Array(groups).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      wantSum[key[i]] += v[i];
      wantMax[key[i]] = Math.max(wantMax[key[i]], v[i]);
    }
    const seen = new Uint8Array(groups);
    let total = 0;
    for (let b = 0; b < buckets; b++) {
      const out = finalizeGroupBy(mergeGroupPartials(split.map((s) => s[b]), ['k'], aggs), ['k'], aggs, ['s', 'n', 'm']);
      const k = out.getChild('k')!.toArray() as Int32Array;
      const s = out.getChild('s')!.toArray() as BigInt64Array;
      const size = out.getChild('n')!.toArray() as BigInt64Array;
      const m = out.getChild('m')!.toArray() as Int32Array;
      let bad = 0;
      for (let i = 0; i < out.numRows; i++) {
        const g = k[i];
        if (seen[g] === 1 || Number(s[i]) !== wantSum[g] || size[i] !== 2n || m[i] !== wantMax[g]) bad++;
        seen[g] = 1;
      }
      expect(bad).toBe(0);
      total += out.numRows;
    }
    expect(total).toBe(groups);
  });
});

describe('types and errors', () => {
  const table: arrow.Table = new arrow.Table({
    i8: arrow.vectorFromArray([1], new arrow.Int8()),
    u64: arrow.makeVector(makeData('uint64', [1n])),
    f32: arrow.vectorFromArray([1], new arrow.Float32()),
    b: arrow.vectorFromArray([true], new arrow.Bool()),
    s: arrow.vectorFromArray(['a'], new arrow.Utf8()),
    d: arrow.vectorFromArray(['a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8())),
    ts: arrow.vectorFromArray([new Date(0)], new arrow.DateMillisecond()),
  });

  it('output types follow the input, and match what finalize produces', () => {
    const want: Record<string, Partial<Record<AggFn, string>>> = {
      i8: { sum: 'Int64', mean: 'Float64', std: 'Float64', min: 'Int8', first: 'Int8', count: 'Int64', nunique: 'Int64' },
      u64: { sum: 'Int64', var: 'Float64', max: 'Uint64', last: 'Uint64' },
      f32: { sum: 'Float64', mean: 'Float64', min: 'Float32', last: 'Float32' },
      b: { min: 'Bool', first: 'Bool', count: 'Int64', nunique: 'Int64' },
      s: { max: 'Utf8', first: 'Utf8', nunique: 'Int64' },
      d: { min: 'Utf8', last: 'Utf8', count: 'Int64' },
    };
    for (const [column, fns] of Object.entries(want)) {
      for (const [fn, type] of Object.entries(fns) as [AggFn, string][]) {
        expect(String(aggOutputType(fn, table.getChild(column)!.type)), `${fn}(${column})`).toBe(type);
        const aggs: AggRequest[] = [{ fn, column }];
        const out = finalizeGroupBy(partialGroupBy(table, [], aggs), [], aggs, ['x']);
        expect(String(out.schema.fields[0].type), `finalized ${fn}(${column})`).toBe(type);
      }
    }
    expect(String(aggOutputType('size', null))).toBe('Int64');
  });

  it('keys keep their type; dictionary keys come out as Dictionary<Int32, Utf8>', () => {
    const aggs: AggRequest[] = [{ fn: 'size', column: null }];
    const out = finalizeGroupBy(partialGroupBy(table, ['i8', 'u64', 'f32', 'b', 's', 'd'], aggs), ['i8', 'u64', 'f32', 'b', 's', 'd'], aggs, ['n']);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(['Int8', 'Uint64', 'Float32', 'Bool', 'Utf8', 'Dictionary<Int32, Utf8>', 'Int64']);
  });

  it('rejects sums of bool and strings, and unsupported types, naming the column', () => {
    for (const [fn, column] of [['sum', 'b'], ['mean', 's'], ['var', 'd'], ['std', 'b']] as [AggFn, string][]) {
      expect(() => partialGroupBy(table, [], [{ fn, column }])).toThrow(PlanError);
      expect(() => partialGroupBy(table, [], [{ fn, column }])).toThrow(`'${column}'`);
      expect(() => aggOutputType(fn, table.getChild(column)!.type)).toThrow(PlanError);
    }
    expect(() => partialGroupBy(table, [], [{ fn: 'min', column: 'ts' }])).toThrow(/'ts'/);
    expect(() => partialGroupBy(table, ['ts'], [{ fn: 'size', column: null }])).toThrow(PlanError);
    expect(() => partialGroupBy(table, [], [{ fn: 'sum', column: 'nope' }])).toThrow(SchemaError);
    expect(() => partialGroupBy(table, ['nope'], [])).toThrow(/'nope'/);
    expect(() => partialGroupBy(table, ['i8', 'i8'], [])).toThrow(PlanError);
    expect(() => partialGroupBy(table, [], [{ fn: 'count', column: null }])).toThrow(PlanError);
  });

  it('rejects a bad split count and a name list of the wrong length', () => {
    const p = partialGroupBy(table, ['i8'], [{ fn: 'size', column: null }]);
    expect(() => splitGroupPartial(p, ['i8'], 0)).toThrow(PlanError);
    expect(() => finalizeGroupBy(p, ['i8'], [{ fn: 'size', column: null }], [])).toThrow(PlanError);
    expect(() => mergeGroupPartials([], ['i8'], [])).toThrow(PlanError);
  });
});

describe('dictionary keys on one shared dictionary (codes kept across calls by content)', () => {
  const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const table = (dict: (string | null)[], codes: number[]): arrow.Table => {
    const data = arrow.makeData({ type: dictType, length: codes.length, data: Int32Array.from(codes), dictionary: arrow.vectorFromArray(dict, new arrow.Utf8()) });
    const v = arrow.vectorFromArray(codes.map((_, i) => i + 1), new arrow.Int32()).data[0]!;
    // Two batches over one dictionary.
    return new arrow.Table({ k: new arrow.Vector([data.slice(0, 2), data.slice(2, codes.length - 2)]), v: new arrow.Vector([v.slice(0, 2), v.slice(2, codes.length - 2)]) });
  };
  const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }];
  const sums = (t: arrow.Table): Record<string, unknown> => Object.fromEntries(sumOf(t, ['k'], aggs).map((r) => [String(r[0]), r[1]]));

  it('dictionaries with the same length and bytes but other strings, or other null entries, are not confused', () => {
    // Same entry count, same byte length, different strings and order; then a null entry.
    expect(sums(table(['ab', 'cd', 'ab'], [0, 1, 2, 1]))).toEqual({ ab: 4n, cd: 6n });
    expect(sums(table(['cd', 'ab', 'cd'], [0, 1, 2, 1]))).toEqual({ cd: 4n, ab: 6n });
    expect(sums(table(['ba', 'dc', 'ab'], [0, 1, 2, 1]))).toEqual({ ba: 1n, dc: 6n, ab: 3n });
    expect(sums(table(['ab', null, 'ab'], [0, 1, 2, 1]))).toEqual({ ab: 4n, null: 6n });
    // And the first one again (a cache hit) still groups right.
    expect(sums(table(['ab', 'cd', 'ab'], [0, 1, 2, 1]))).toEqual({ ab: 4n, cd: 6n });
  });
});

describe('the takes of split buckets', () => {
  it('share one take per source array and one array of zeros, keep -0 and NaN, and leave the sources alone', () => {
    const into = new BucketTakes(new Map());
    const rows = Int32Array.of(2, 0, 3);
    const counts = Float64Array.of(1, 2, 3, 4);
    const zeros = new Float64Array(4);
    const otherZeros = new Float64Array(4);
    const negativeZero = Float64Array.of(0, 0, -0, 0);
    const nan = Float64Array.of(0, 0, 0, Number.NaN);
    const a = into.take(counts, rows);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...a]).toEqual([3, 1, 4]);
    expect(into.take(counts, rows)).toBe(a);
    const z = into.take(zeros, rows);
    expect([...z]).toEqual([0, 0, 0]);
    expect(into.take(otherZeros, rows)).toBe(z);
    expect(Object.is(into.take(negativeZero, rows)[0], -0)).toBe(true);
    expect([...into.take(nan, rows)]).toEqual([0, 0, Number.NaN]);
    // Another bucket gets its own arrays.
    const other = new BucketTakes(new Map());
    expect(other.take(counts, Int32Array.of(1))).not.toBe(a);
    expect([...counts]).toEqual([1, 2, 3, 4]);
  });

  it('split partials whose states share their counts and hold zero limbs merge back to the whole', () => {
    const random = new Random(seed);
    const n = 5000;
    const t = new arrow.Table({
      k: arrow.vectorFromArray(Array.from({ length: n }, () => random.int(0, 700)), new arrow.Int32()),
      v: arrow.vectorFromArray(Array.from({ length: n }, () => random.int(1, 6)), new arrow.Int32()),
      f: arrow.vectorFromArray(Array.from({ length: n }, () => random.int(0, 100) / 4), new arrow.Float64()),
    });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'mean', column: 'v' }, { fn: 'size', column: null }, { fn: 'sum', column: 'f' }, { fn: 'count', column: 'f' }];
    const names = aggs.map((_, i) => `a${i}`);
    const p = partialGroupBy(t, ['k'], aggs);
    const want = new Set(tableRows(finalizeGroupBy(p, ['k'], aggs, names)).map((r) => JSON.stringify(r, (_, x: unknown) => (typeof x === 'bigint' ? `${x}` : x))));
    const halves = [partialGroupBy(t.slice(0, n / 2), ['k'], aggs), partialGroupBy(t.slice(n / 2), ['k'], aggs)].map((h) => splitGroupPartial(h, ['k'], 3));
    const got = new Set<string>();
    for (let b = 0; b < 3; b++) {
      const merged = mergeGroupPartials([halves[0]![b]!, halves[1]![b]!], ['k'], aggs);
      for (const r of tableRows(finalizeGroupBy(merged, ['k'], aggs, names))) got.add(JSON.stringify(r, (_, x: unknown) => (typeof x === 'bigint' ? `${x}` : x)));
    }
    expect(got).toEqual(want);
  });
});
