/**
 * The CPU hash group-by against a plain reference (test/cpu/group-by-reference.ts): every
 * aggregate over every value type, with 0, 1 and 2 key columns of every key type (nulls, NaN,
 * -0, chunks with their own dictionaries, sliced chunks), computed in one shot, from partitions
 * merged in several tree shapes (after a structured-clone round trip of the states), and split
 * into hash buckets merged bucket by bucket.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  finalizeGroupBy, mergeGroupPartials, partialGroupBy, splitGroupPartial, transferables,
  type AggFn, type AggRequest, type GroupPartial,
} from '../../src/cpu/kernels/group-by.js';
import { Random, testSeed } from '../util/random.js';
import {
  ALL_TYPES, buildTable, expectGroups, keyString, randomCells, referenceGroups, rowCells, tableRows,
  type ColType, type ColumnSpec, type GenOptions,
} from './group-by-reference.js';

const seed = testSeed();

const NUMERIC_FNS: AggFn[] = ['sum', 'mean', 'var', 'std'];
const ANY_FNS: AggFn[] = ['count', 'nunique', 'min', 'max', 'first', 'last'];

/** Every valid (fn, column) over the value columns, plus size. */
function allAggs(values: readonly ColumnSpec[]): { aggs: AggRequest[]; names: string[] } {
  const aggs: AggRequest[] = [{ fn: 'size', column: null }];
  for (const c of values) {
    const numeric = c.type !== 'bool' && c.type !== 'utf8' && c.type !== 'dict';
    for (const fn of [...ANY_FNS, ...(numeric ? NUMERIC_FNS : [])]) aggs.push({ fn, column: c.name });
  }
  return { aggs, names: aggs.map((a) => (a.column === null ? 'size' : `${a.column}_${a.fn}`)) };
}

/** Ships a partial's states the way the engine does: structured clone, buffers transferred. */
function ship(p: GroupPartial): GroupPartial {
  const states = structuredClone(p.states, { transfer: transferables(p) });
  return { keys: p.keys, groups: p.groups, states };
}

interface Case {
  keys: ColumnSpec[];
  values: ColumnSpec[];
}

function makeCase(rnd: Random, n: number, keyTypes: readonly ColType[], keyOpts: GenOptions): Case {
  const keys = keyTypes.map((type, j) => ({ name: `k${j}`, type, values: randomCells(rnd, type, n, keyOpts) }));
  const values = ALL_TYPES.map((type) => ({ name: `v_${type}`, type, values: randomCells(rnd, type, n, { specials: true, nullRate: 0.15 }) }));
  return { keys, values };
}

/** Cuts [0, n) into `parts` random contiguous lengths (some may be empty). */
function cuts(rnd: Random, n: number, parts: number): number[] {
  const points = Array.from({ length: parts - 1 }, () => rnd.int(0, n)).sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const p of [...points, n]) {
    out.push(p - prev);
    prev = p;
  }
  return out;
}

function slice(c: Case, start: number, end: number): ColumnSpec[] {
  return [...c.keys, ...c.values].map((s) => ({ ...s, values: s.values.slice(start, end) }));
}

function checkCase(rnd: Random, c: Case, label: string): void {
  const n = c.values[0].values.length;
  const keyNames = c.keys.map((k) => k.name);
  const { aggs, names } = allAggs(c.values);
  const ref = referenceGroups(c.keys, c.values, aggs);

  // One shot, over a table of several chunks with different dictionaries.
  const whole = buildTable(rnd, [...c.keys, ...c.values], cuts(rnd, n, 3));
  const one = partialGroupBy(whole, keyNames, aggs);
  const table = finalizeGroupBy(one, keyNames, aggs, names);
  expect(table.schema.fields.map((f) => f.name)).toEqual([...keyNames, ...names]);
  expectGroups(table, keyNames.length, ref, `${label} one-shot`);

  // Groups come out in order of first appearance.
  const order = [...ref.keys()];
  const keyOrder = (t: arrow.Table): string[] => tableRows(t).map((cells) => keyString(cells.slice(0, keyNames.length)));
  expect(keyOrder(table)).toEqual(order);

  // Partitions, each its own table, merged in several shapes.
  const lengths = cuts(rnd, n, 5);
  const parts: GroupPartial[] = [];
  let at = 0;
  for (const len of lengths) {
    parts.push(ship(partialGroupBy(buildTable(rnd, slice(c, at, at + len)), keyNames, aggs)));
    at += len;
  }
  // Merging one partial gives it back as it is: shipping that would detach the input.
  const merge = (ps: GroupPartial[]): GroupPartial => (ps.length === 1 ? ps[0] : ship(mergeGroupPartials(ps, keyNames, aggs)));
  const shapes: [string, GroupPartial][] = [
    ['flat', merge(parts)],
    ['left fold', parts.slice(1).reduce((acc, p) => merge([acc, p]), parts[0])],
    ['right fold', parts.slice(0, -1).reduceRight((acc, p) => merge([p, acc]), parts[parts.length - 1])],
    ['balanced', merge([merge(parts.slice(0, 2)), merge(parts.slice(2, 3)), merge(parts.slice(3))])],
  ];
  for (const [shape, merged] of shapes) {
    const t = finalizeGroupBy(merged, keyNames, aggs, names);
    expectGroups(t, keyNames.length, ref, `${label} merged (${shape})`);
    expect(keyOrder(t)).toEqual(order);
  }

  // Split every partition's partial into buckets by key hash; merge and finalize bucket by bucket.
  if (keyNames.length > 0) {
    const buckets = 3;
    const split = parts.map((p) => splitGroupPartial(p, keyNames, buckets).map(ship));
    const seen = new Map<string, number>();
    let rows = 0;
    for (let b = 0; b < buckets; b++) {
      const merged = mergeGroupPartials(split.map((s) => s[b]), keyNames, aggs);
      const t = finalizeGroupBy(merged, keyNames, aggs, names);
      for (const k of keyOrder(t)) {
        if (seen.has(k)) expect.fail(`${label}: group ${k} in buckets ${seen.get(k)} and ${b}`);
        seen.set(k, b);
      }
      rows += t.numRows;
      const part = new Map([...ref].filter(([k]) => seen.get(k) === b));
      expectGroups(t, keyNames.length, part, `${label} bucket ${b}`);
    }
    expect(rows).toBe(ref.size);
  }
}

const KEY_SETS: [string, ColType[], GenOptions][] = [
  ['no keys', [], {}],
  ['int8', ['int8'], { distinct: 6 }],
  ['int32 wide', ['int32'], {}],
  ['uint32', ['uint32'], { distinct: 9 }],
  ['int64', ['int64'], { distinct: 11 }],
  ['uint64 wide', ['uint64'], { int64Bound: 2 ** 52 }],
  ['float64 NaN/-0', ['float64'], { distinct: 7, specials: true }],
  ['float32 NaN/-0', ['float32'], { distinct: 7, specials: true }],
  ['bool', ['bool'], {}],
  ['utf8', ['utf8'], { distinct: 8 }],
  ['dictionary', ['dict'], { distinct: 8 }],
  ['dictionary + int16', ['dict', 'int16'], { distinct: 4 }],
  ['utf8 + float64', ['utf8', 'float64'], { distinct: 5, specials: true }],
  ['bool + uint8', ['bool', 'uint8'], { distinct: 5 }],
];

describe(`group-by against the reference (seed ${seed})`, () => {
  KEY_SETS.forEach(([label, types, opts], i) => {
    it(`${label}: every aggregate over every value type`, () => {
      const rnd = new Random(seed + i);
      checkCase(rnd, makeCase(rnd, 600, types, { nullRate: 0.1, ...opts }), label);
    });
  });

  it('two keys with a large code space (int32 × utf8) hash their pairs', () => {
    const rnd = new Random(seed + 100);
    checkCase(rnd, makeCase(rnd, 800, ['int32', 'utf8'], { nullRate: 0.05 }), 'int32 × utf8');
  });

  it('one row', () => {
    const rnd = new Random(seed + 101);
    checkCase(rnd, makeCase(rnd, 1, ['dict', 'float64'], {}), 'one row');
  });

  it('every row its own group', () => {
    const rnd = new Random(seed + 102);
    const c = makeCase(rnd, 500, ['int64'], { nullRate: 0 });
    c.keys[0].values = c.keys[0].values.map((_, i) => BigInt(i) * 7919n - 10000n);
    checkCase(rnd, c, 'own groups');
  });

  it('one group', () => {
    const rnd = new Random(seed + 103);
    const c = makeCase(rnd, 500, ['utf8'], { nullRate: 0 });
    c.keys[0].values = c.keys[0].values.map(() => 'only');
    checkCase(rnd, c, 'one group');
  });
});

describe('empty input', () => {
  const t = new arrow.Table({
    k: arrow.vectorFromArray([] as number[], new arrow.Int32()),
    v: arrow.vectorFromArray([] as number[], new arrow.Float64()),
    s: arrow.vectorFromArray([] as string[], new arrow.Utf8()),
  });
  const aggs: AggRequest[] = [
    { fn: 'count', column: 'v' }, { fn: 'sum', column: 'v' }, { fn: 'size', column: null }, { fn: 'min', column: 's' },
    { fn: 'nunique', column: 'v' }, { fn: 'std', column: 'v' },
  ];
  const names = ['count', 'sum', 'size', 'min', 'nunique', 'std'];

  it('with no keys gives one row: count 0, sum null', () => {
    const p = partialGroupBy(t, [], aggs);
    expect(p.groups).toBe(1);
    const out = finalizeGroupBy(p, [], aggs, names);
    expect(out.numRows).toBe(1);
    expect(rowCells(out, 0)).toEqual([0n, null, 0n, null, 0n, null]);
    const merged = finalizeGroupBy(mergeGroupPartials([p, partialGroupBy(t, [], aggs)], [], aggs), [], aggs, names);
    expect(rowCells(merged, 0)).toEqual([0n, null, 0n, null, 0n, null]);
  });

  it('with keys gives no rows, typed', () => {
    const out = finalizeGroupBy(partialGroupBy(t, ['k'], aggs), ['k'], aggs, names);
    expect(out.numRows).toBe(0);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Int64', 'Float64', 'Int64', 'Utf8', 'Int64', 'Float64']);
  });
});

describe('key equality', () => {
  it('NaNs form one group, -0 and 0 one group, null its own', () => {
    const keys = [Number.NaN, -0, 0, null, -Number.NaN, 1, 0, null, -0];
    const t = new arrow.Table({
      k: arrow.vectorFromArray(keys, new arrow.Float64()),
      f: arrow.vectorFromArray(keys.map((k) => (k === null ? null : Math.fround(k))), new arrow.Float32()),
    });
    for (const key of ['k', 'f']) {
      const aggs: AggRequest[] = [{ fn: 'size', column: null }];
      const out = finalizeGroupBy(partialGroupBy(t, [key], aggs), [key], aggs, ['size']);
      const rows = Array.from({ length: out.numRows }, (_, i) => rowCells(out, i));
      expect(rows.map(([k]) => keyString([k]))).toEqual(['n:NaN', 'n:0', 'null', 'n:1']);
      expect(rows.map(([, s]) => s)).toEqual([2n, 4n, 2n, 1n]);
    }
  });

  it('strings group by content across dictionaries, and by code point', () => {
    const a = arrow.vectorFromArray(['x', 'y', 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const b = arrow.vectorFromArray(['y', 'z', 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()));
    const aggs: AggRequest[] = [{ fn: 'size', column: null }];
    const pa = partialGroupBy(new arrow.Table({ s: a }), ['s'], aggs);
    const pb = partialGroupBy(new arrow.Table({ s: b }), ['s'], aggs);
    const out = finalizeGroupBy(mergeGroupPartials([pa, pb], ['s'], aggs), ['s'], aggs, ['n']);
    expect(String(out.schema.fields[0].type)).toBe('Dictionary<Int32, Utf8>');
    expect(Array.from({ length: out.numRows }, (_, i) => rowCells(out, i))).toEqual([['x', 3n], ['y', 2n], ['z', 1n]]);
  });
});

describe('partials', () => {
  const aggs: AggRequest[] = [
    { fn: 'sum', column: 'v' }, { fn: 'var', column: 'v' }, { fn: 'min', column: 's' }, { fn: 'nunique', column: 's' },
    { fn: 'count', column: 'v' }, { fn: 'mean', column: 'f' },
  ];
  const table = (): arrow.Table => new arrow.Table({
    k: arrow.vectorFromArray(['a', 'b', 'a', null], new arrow.Utf8()),
    v: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Int32()),
    f: arrow.vectorFromArray([1.5, 2, 3, 4], new arrow.Float64()),
    s: arrow.vectorFromArray(['x', 'y', null, 'z'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
  });

  it('transfer every state buffer and none of the input table', () => {
    const t = table();
    const p = partialGroupBy(t, ['k'], aggs);
    const views: ArrayBufferView[] = [];
    const walk = (x: unknown): void => {
      if (ArrayBuffer.isView(x)) views.push(x);
      else if (Array.isArray(x)) x.forEach(walk);
      else if (x !== null && typeof x === 'object') Object.values(x).forEach(walk);
    };
    walk(p.states);
    const before = finalizeGroupBy(p, ['k'], aggs, aggs.map((_, i) => `a${i}`));
    const rowsBefore = tableRows(before);
    const shipped = ship(p);
    expect(views.length).toBeGreaterThan(10);
    expect(views.every((v) => v.byteLength === 0), 'every state array was transferred').toBe(true);
    expect(tableRows(finalizeGroupBy(shipped, ['k'], aggs, aggs.map((_, i) => `a${i}`)))).toEqual(rowsBefore);
    expect(t.getChild('v')!.toArray()).toEqual(Int32Array.of(1, 2, 3, 4));
  });

  it('merge keys that are plain strings in one partition and a dictionary in another', () => {
    const a = partialGroupBy(table(), ['s'], [{ fn: 'size', column: null }]);
    const b = partialGroupBy(new arrow.Table({ s: arrow.vectorFromArray(['z', 'w', null], new arrow.Utf8()) }), ['s'], [{ fn: 'size', column: null }]);
    const out = finalizeGroupBy(mergeGroupPartials([a, b], ['s'], [{ fn: 'size', column: null }]), ['s'], [{ fn: 'size', column: null }], ['n']);
    expect(tableRows(out)).toEqual([['x', 1n], ['y', 1n], [null, 2n], ['z', 2n], ['w', 1n]]);
  });

  it('split buckets keep sum, count and moment states in shared memory: posted without a copy, never transferred', () => {
    const p = partialGroupBy(table(), ['k'], aggs);
    const buckets = splitGroupPartial(p, ['k'], 2);
    expect(buckets.reduce((n, b) => n + b.groups, 0)).toBe(3);
    for (const b of buckets) {
      for (const s of b.states) {
        const arrays = Object.values(s).filter((x): x is Float64Array => x instanceof Float64Array);
        if (s.kind === 'pick' || s.kind === 'distinct') continue;
        expect(arrays.length, s.kind).toBeGreaterThan(0);
        for (const a of arrays) expect(a.buffer, s.kind).toBeInstanceOf(SharedArrayBuffer);
      }
      // Only the pick and distinct states' buffers are left to transfer.
      const shared = transferables(b).filter((x) => (x as ArrayBufferLike) instanceof SharedArrayBuffer);
      expect(shared).toEqual([]);
      // A structured clone shares the memory: the original sees a write through the clone.
      const i = b.states.findIndex((s) => s.kind === 'count');
      const mine = b.states[i]!;
      const theirs = structuredClone(b.states)[i]!;
      if (b.groups > 0 && mine.kind === 'count' && theirs.kind === 'count') {
        const before = mine.count[0]!;
        theirs.count[0] = before + 100;
        expect(mine.count[0]).toBe(before + 100);
        theirs.count[0] = before;
      }
    }
    const merged = mergeGroupPartials(buckets, ['k'], aggs);
    const names = aggs.map((_, i) => `a${i}`);
    const sorted = (t: arrow.Table): string[] => tableRows(t).map((r) => JSON.stringify(r, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))).sort();
    expect(sorted(finalizeGroupBy(merged, ['k'], aggs, names))).toEqual(sorted(finalizeGroupBy(p, ['k'], aggs, names)));
  });

  it('dictionary keys merged from several dictionaries come out over one dictionary of distinct entries', () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const part = (strings: (string | null)[]): GroupPartial =>
      partialGroupBy(new arrow.Table({ s: arrow.vectorFromArray(strings, dictType) }), ['s'], [{ fn: 'size', column: null }]);
    const parts = [part(['b', 'a', 'b', null]), part(['c', 'a', 'a']), part([null, 'c', 'd', 'b'])];
    const merged = mergeGroupPartials(parts, ['s'], [{ fn: 'size', column: null }]);
    const keys = merged.keys.getChild('s')!;
    expect(keys.data).toHaveLength(1);
    const dictionary = keys.data[0]!.dictionary!;
    expect(dictionary.toArray()).toEqual(['b', 'a', 'c', 'd']);
    expect(tableRows(finalizeGroupBy(merged, ['s'], [{ fn: 'size', column: null }], ['n'])))
      .toEqual([['b', 3n], ['a', 3n], [null, 2n], ['c', 2n], ['d', 1n]]);
  });

  it('without keys split into one bucket holding the group and empty ones that stay empty', () => {
    const p = partialGroupBy(table(), [], aggs);
    const buckets = splitGroupPartial(p, [], 3);
    expect(buckets.map((b) => b.groups)).toEqual([1, 0, 0]);
    expect(mergeGroupPartials([buckets[1], buckets[2]], [], aggs).groups).toBe(0);
    const merged = mergeGroupPartials([buckets[0], buckets[1]], [], aggs);
    expect(tableRows(finalizeGroupBy(merged, [], aggs, aggs.map((_, i) => `a${i}`))))
      .toEqual(tableRows(finalizeGroupBy(p, [], aggs, aggs.map((_, i) => `a${i}`))));
  });
});

describe('LargeUtf8', () => {
  it('groups and picks like Utf8, keys coming out as Utf8', () => {
    const t = new arrow.Table({
      k: arrow.vectorFromArray(['b', 'a', null, 'b', 'a'], new arrow.LargeUtf8()),
      s: arrow.vectorFromArray(['x', null, 'q', 'c', 'é'], new arrow.LargeUtf8()),
    });
    const aggs: AggRequest[] = [{ fn: 'min', column: 's' }, { fn: 'last', column: 's' }, { fn: 'nunique', column: 's' }];
    const out = finalizeGroupBy(partialGroupBy(t, ['k'], aggs), ['k'], aggs, ['mn', 'ls', 'nu']);
    expect(String(out.schema.fields[0].type)).toBe('Utf8');
    expect(tableRows(out)).toEqual([['b', 'c', 'c', 2n], ['a', 'é', 'é', 1n], [null, 'q', 'q', 1n]]);
  });
});

describe('min and max', () => {
  it('order strings by code point, NaN above all, and give +0 for zeros', () => {
    const t = new arrow.Table({
      s: arrow.vectorFromArray(['\uffff', '😀', 'a', null], new arrow.Utf8()),
      f: arrow.vectorFromArray([-0, Number.NaN, 0, Number.NEGATIVE_INFINITY], new arrow.Float64()),
      z: arrow.vectorFromArray([-0, -0, null, null], new arrow.Float32()),
    });
    const aggs: AggRequest[] = [
      { fn: 'min', column: 's' }, { fn: 'max', column: 's' }, { fn: 'min', column: 'f' }, { fn: 'max', column: 'f' },
      { fn: 'min', column: 'z' }, { fn: 'first', column: 'z' },
    ];
    const out = finalizeGroupBy(partialGroupBy(t, [], aggs), [], aggs, ['a', 'b', 'c', 'd', 'e', 'g']);
    const [smin, smax, fmin, fmax, zmin, zfirst] = rowCells(out, 0);
    expect([smin, smax]).toEqual(['a', '😀']);
    expect(fmin).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(fmax as number)).toBe(true);
    expect(Object.is(zmin, 0)).toBe(true);
    expect(Object.is(zfirst, -0)).toBe(true);
  });

  it('of a float column holding only NaN is NaN', () => {
    const t = new arrow.Table({ f: arrow.vectorFromArray([Number.NaN, null, Number.NaN], new arrow.Float64()) });
    const aggs: AggRequest[] = [{ fn: 'min', column: 'f' }, { fn: 'max', column: 'f' }, { fn: 'nunique', column: 'f' }];
    const [mn, mx, nu] = rowCells(finalizeGroupBy(partialGroupBy(t, [], aggs), [], aggs, ['a', 'b', 'c']), 0);
    expect(Number.isNaN(mn as number) && Number.isNaN(mx as number)).toBe(true);
    expect(nu).toBe(1n);
  });
});
