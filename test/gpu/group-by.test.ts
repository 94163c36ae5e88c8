/**
 * The GPU hash group-by against its CPU twin: `groupByPartial` on an uploaded table must
 * finalize to what `partialGroupBy` on the host table finalizes to — the same groups in the
 * same order (first appearance), the same key and result types, integers exact, float sums
 * and means within 1e-12, var and std within 1e-9.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { mergeGroupPartials, partialGroupBy, type AggRequest } from '../../src/cpu/kernels/group-by.js';
import { groupByPartial, groupBySupport } from '../../src/gpu/kernels/group-by.js';
import { collidingLow, slotHash } from '../../src/gpu/kernels/group-by/slot-hash.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { ALL_AGGS, expectSameTable, expectTwins, finalize, randomTable, tableOf, type Values } from './group-by-cases.js';

const t = useClient();

/** x = m · 2^e exactly, m an integer. */
function exactParts(x: number | bigint): { m: bigint; e: number } {
  if (typeof x === 'bigint') return { m: x, e: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = exp === 0 ? frac : frac | (1n << 52n);
  return { m: bits >> 63n ? -m : m, e: (exp === 0 ? 1 : exp) - 1075 };
}

/** The sample variance of xs, computed exactly and rounded once. */
function exactVariance(xs: readonly (number | bigint)[]): number {
  const parts = xs.map(exactParts);
  const low = Math.min(...parts.map((p) => p.e));
  const ints = parts.map((p) => p.m << BigInt(p.e - low));
  const n = BigInt(xs.length);
  const s = ints.reduce((a, b) => a + b, 0n);
  const q = ints.reduce((a, b) => a + b * b, 0n);
  const num = n * q - s * s;
  const den = n * (n - 1n);
  const bits = (v: bigint): number => v.toString(2).length;
  const shift = Math.max(0, bits(num) - 100);
  const dShift = Math.max(0, bits(den) - 100);
  return (Number(num >> BigInt(shift)) / Number(den >> BigInt(dShift))) * 2 ** (shift - dShift + 2 * low);
}
const seed = testSeed();
const rnd = new Random(seed);
const LONG = 120_000;

describe('GPU group-by matches partialGroupBy', () => {
  for (const n of [0, 1, 255, 257, 1000, 3001]) {
    it(`${n} rows, int32 key, every aggregate (seed ${seed})`, async () => {
      await expectTwins(t.client.gpu!, randomTable(rnd, n), ['k32'], ALL_AGGS, `n=${n}`);
      t.countGpuCheck();
    });
  }

  it(`no keys: one group, also over no rows (seed ${seed})`, async () => {
    await expectTwins(t.client.gpu!, randomTable(rnd, 700), [], ALL_AGGS, 'no keys');
    await expectTwins(t.client.gpu!, randomTable(rnd, 0), [], ALL_AGGS, 'no keys, no rows');
    const gpu = t.client.gpu!;
    const table = tableOf(randomTable(rnd, 333));
    const bare = uploadTable(gpu, table, [], 'no columns');
    try {
      const r = await groupByPartial(gpu, bare, [], [{ fn: 'size', column: null }]);
      if ('unsupported' in r) return expect.fail(r.unsupported);
      expect(finalize(r.partial, [], [{ fn: 'size', column: null }]).getChild('a0')!.toArray()).toEqual(BigInt64Array.of(333n));
    } finally {
      bare.release();
    }
    t.countGpuCheck();
  });

  it(`one group (seed ${seed})`, async () => {
    await expectTwins(t.client.gpu!, randomTable(rnd, 2000, { groups: 0, nulls: 0 }), ['k32'], ALL_AGGS, 'one group');
    t.countGpuCheck();
  });

  it(`every row its own group (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 1500);
    cols.k32!.values = cols.k32!.values.map((_, i) => i * 7 - 5000);
    await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, 'unique keys');
    t.countGpuCheck();
  });

  it(`null keys form their own group (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 1200, { nulls: 0.4, groups: 3 });
    await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, 'null int32 keys');
    await expectTwins(t.client.gpu!, cols, ['kd'], ALL_AGGS, 'null dictionary keys');
    await expectTwins(t.client.gpu!, cols, ['k64'], ALL_AGGS, 'null int64 keys');
    t.countGpuCheck();
  });

  it(`int64 keys at the extremes (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 1000);
    cols.k64!.values = cols.k64!.values.map((v, i) => (v === null ? null : i % 2 === 0 ? -(2n ** 63n) + BigInt(i % 5) : 2n ** 63n - 1n - BigInt(i % 3)));
    await expectTwins(t.client.gpu!, cols, ['k64'], ALL_AGGS, 'extreme int64 keys');
    const top = 2n ** 64n - 1n;
    cols.u64 = { type: new arrow.Uint64(), values: cols.k64!.values.map((_, i) => (i % 4 === 0 ? null : top - BigInt(rnd.int(0, 3) * (i % 2)))) };
    const wide: AggRequest[] = [
      { fn: 'min', column: 'u64' }, { fn: 'max', column: 'u64' }, { fn: 'mean', column: 'u64' }, { fn: 'last', column: 'u64' },
      { fn: 'min', column: 'k64' }, { fn: 'max', column: 'k64' }, { fn: 'mean', column: 'k64' }, { fn: 'std', column: 'k64' },
    ];
    await expectTwins(t.client.gpu!, cols, ['k32'], wide, 'extreme 64-bit values');
    t.countGpuCheck();
  });

  it(`several key columns: int32 + dictionary + int64 (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 3000, { groups: 4 });
    await expectTwins(t.client.gpu!, cols, ['k32', 'kd', 'k64'], ALL_AGGS, 'three keys');
    await expectTwins(t.client.gpu!, cols, ['kd', 'b'], ALL_AGGS, 'dictionary + bool keys');
    await expectTwins(t.client.gpu!, cols, ['u8'], [{ fn: 'size', column: null }, { fn: 'sum', column: 'i32' }], 'uint8 key');
    t.countGpuCheck();
  });

  it(`int64 keys whose hashes are equal are told apart (seed ${seed})`, async () => {
    const n = 600;
    const his = Array.from({ length: 40 }, (_, j) => 1000 + j * 7919);
    const keys = his.map((hi) => (BigInt(hi) << 32n) | BigInt(collidingLow(0, 12345, his[0]!, hi)));
    const words = keys.map((k) => [Number(k & 0xffffffffn), Number(k >> 32n)] as const);
    expect(new Set(words.map(([lo, hi]) => slotHash(0, lo, hi, false))).size).toBe(1);
    expect(new Set(keys).size).toBe(keys.length);
    const cols = randomTable(rnd, n);
    cols.k64!.values = cols.k64!.values.map(() => keys[rnd.int(0, keys.length - 1)]!);
    await expectTwins(t.client.gpu!, cols, ['k64'], ALL_AGGS, 'equal hashes');
    t.countGpuCheck();
  });

  it(`int32 keys that all probe from one slot (seed ${seed})`, async () => {
    const n = 1000;
    const capacity = 2048; // the first table: 2 × rows, rounded up to a power of two
    const target = slotHash(0, 0, 0, false) & (capacity - 1);
    const same: number[] = [];
    for (let k = 0; same.length < 60; k++) if ((slotHash(0, k, 0, false) & (capacity - 1)) === target) same.push(k);
    const cols = randomTable(rnd, n);
    cols.k32!.values = cols.k32!.values.map(() => same[rnd.int(0, same.length - 1)]!);
    await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, 'one start slot');
    t.countGpuCheck();
  });

  it(`a table that fills is retried larger (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 2500, { groups: 400 });
    const r = await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, 'tiny table', { capacity: 2 });
    expect(r.hashRuns).toBeGreaterThan(1);
    const two = await expectTwins(t.client.gpu!, cols, ['kd', 'k32'], ALL_AGGS, 'tiny tables, two keys', { capacity: 1 });
    expect(two.hashRuns).toBeGreaterThan(2);
    t.countGpuCheck();
  });

  it(`more than 1e5 groups (seed ${seed})`, async () => {
    const cols = randomTable(rnd, LONG, { nulls: 0.05 });
    cols.k32!.values = cols.k32!.values.map((_, i) => (i * 2654435761) | 0);
    const aggs: AggRequest[] = [
      { fn: 'size', column: null }, { fn: 'sum', column: 'f64' }, { fn: 'sum', column: 'i64' }, { fn: 'max', column: 'i32' },
    ];
    await expectTwins(t.client.gpu!, cols, ['k32'], aggs, '1e5+ groups');
    t.countGpuCheck();
  }, 120_000);

  it(`a mask with nulls selects rows without compaction (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 2000);
    await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, 'mask', { mask: 'm' });
    await expectTwins(t.client.gpu!, cols, [], ALL_AGGS, 'mask, no keys', { mask: 'm' });
    cols.m!.values = cols.m!.values.map(() => false);
    await expectTwins(t.client.gpu!, cols, ['kd', 'k32'], ALL_AGGS, 'mask selects nothing', { mask: 'm' });
    t.countGpuCheck();
  });

  it(`NaN and ±Infinity propagate through float sums, means and variances (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 3000, { specials: true, groups: 6 });
    const aggs: AggRequest[] = [
      { fn: 'sum', column: 'f64' }, { fn: 'mean', column: 'f32' }, { fn: 'var', column: 'f64' }, { fn: 'std', column: 'f32' },
      { fn: 'min', column: 'f64' }, { fn: 'max', column: 'f64' }, { fn: 'min', column: 'f32' }, { fn: 'max', column: 'f32' },
    ];
    await expectTwins(t.client.gpu!, cols, ['kd'], aggs, 'specials');
    const only: Values = {
      k: { type: new arrow.Int32(), values: [0, 0, 1, 1, 2, 2, 3, 3, 4] },
      v: { type: new arrow.Float64(), values: [Infinity, 1, -Infinity, 2, Infinity, -Infinity, NaN, 5, -0] },
    };
    const few: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'mean', column: 'v' }, { fn: 'var', column: 'v' }, { fn: 'min', column: 'v' }, { fn: 'max', column: 'v' }];
    await expectTwins(t.client.gpu!, only, ['k'], few, 'each special');
    t.countGpuCheck();
  });

  it(`integer sums past 2^53 stay exact (seed ${seed})`, async () => {
    const n = 3000;
    const cols: Values = {
      k: { type: new arrow.Int32(), values: Array.from({ length: n }, (_, i) => i % 3) },
      big: { type: new arrow.Int64(), values: Array.from({ length: n }, (_, i) => (i % 3 === 2 ? -1n : 1n) * (2n ** 52n + BigInt(rnd.int(0, 1e6)))) },
      u: { type: new arrow.Uint64(), values: Array.from({ length: n }, () => 2n ** 50n + BigInt(rnd.int(0, 1e6))) },
      w: { type: new arrow.Uint32(), values: Array.from({ length: n }, () => 4294967295 - rnd.int(0, 5)) },
    };
    const aggs: AggRequest[] = [
      { fn: 'sum', column: 'big' }, { fn: 'mean', column: 'big' }, { fn: 'sum', column: 'u' }, { fn: 'sum', column: 'w' },
      { fn: 'min', column: 'u' }, { fn: 'max', column: 'big' }, { fn: 'mean', column: 'w' },
    ];
    await expectTwins(t.client.gpu!, cols, ['k'], aggs, 'big sums');
    t.countGpuCheck();
  });

  // Far from zero the CPU twin's Welford loses ~cond · 2^-53 (1e-7 here), so these are
  // checked against the exact variance instead, to 1e-12.
  it(`var and std of data far from zero are exact to 1e-12 (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const n = 2000;
    const cols: Values = {
      k: { type: new arrow.Int32(), values: Array.from({ length: n }, (_, i) => i % 5) },
      x: { type: new arrow.Float64(), values: Array.from({ length: n }, (_, i) => 1e9 * (1 + (i % 5)) + rnd.next()) },
      y: { type: new arrow.Int64(), values: Array.from({ length: n }, () => 2n ** 60n + BigInt(rnd.int(-1000, 1000))) },
      f: { type: new arrow.Float32(), values: Array.from({ length: n }, () => Math.fround(3e4 + rnd.next())) },
    };
    const aggs: AggRequest[] = [{ fn: 'var', column: 'x' }, { fn: 'std', column: 'y' }, { fn: 'var', column: 'f' }];
    const resident = uploadTable(gpu, tableOf(cols), undefined, 'far');
    try {
      const r = await groupByPartial(gpu, resident, ['k'], aggs);
      if ('unsupported' in r) return expect.fail(r.unsupported);
      const out = finalize(r.partial, ['k'], aggs);
      const keys = out.getChild('k')!.toArray() as Int32Array;
      aggs.forEach((req, j) => {
        const got = out.getChild(`a${j}`)!.toArray() as Float64Array;
        keys.forEach((key, g) => {
          const xs = cols[req.column!]!.values.filter((_, i) => cols.k!.values[i] === key) as (number | bigint)[];
          const v = exactVariance(xs);
          const want = req.fn === 'std' ? Math.sqrt(v) : v;
          expect(Math.abs(got[g]! - want) / want, `${req.fn}(${req.column}) of group ${key}`).toBeLessThan(1e-12);
        });
      });
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });

  it(`a GPU partial merges with a CPU partial (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const cols = randomTable(rnd, 2400);
    const keys = ['kd', 'k32'];
    const whole = tableOf(cols);
    const half = 1200;
    const first = tableOf(cols, (i) => i < half);
    const second = tableOf(cols, (i) => i >= half);
    const resident = uploadTable(gpu, first, undefined, 'first half');
    try {
      const r = await groupByPartial(gpu, resident, keys, ALL_AGGS);
      if ('unsupported' in r) return expect.fail(r.unsupported);
      const merged = mergeGroupPartials([r.partial, partialGroupBy(second, keys, ALL_AGGS)], keys, ALL_AGGS);
      expectSameTable(finalize(merged, keys, ALL_AGGS), finalize(partialGroupBy(whole, keys, ALL_AGGS), keys, ALL_AGGS), ALL_AGGS, 'mixed merge');
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });

  it(`the same input gives the same bits every run (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const table = tableOf(randomTable(rnd, 4000, { groups: 3 }));
    const resident = uploadTable(gpu, table, undefined, 'twice');
    try {
      const aggs: AggRequest[] = [{ fn: 'sum', column: 'f64' }, { fn: 'var', column: 'f32' }, { fn: 'mean', column: 'i64' }];
      const a = await groupByPartial(gpu, resident, ['k32'], aggs);
      const b = await groupByPartial(gpu, resident, ['k32'], aggs);
      if ('unsupported' in a || 'unsupported' in b) return expect.fail('unsupported');
      expect(b.partial.states).toEqual(a.partial.states);
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });

  it('buffers go back to the pool', async () => {
    const gpu = t.client.gpu!;
    const table = tableOf(randomTable(rnd, 900));
    const before = gpu.pool.snapshot().bytesInUse;
    const resident = uploadTable(gpu, table, undefined, 'pool');
    await groupByPartial(gpu, resident, ['k32', 'kd'], ALL_AGGS, { mask: resident.column('m'), capacity: 4 });
    resident.release();
    expect(gpu.pool.snapshot().bytesInUse).toBe(before);
    t.countGpuCheck();
  });
});

describe('what the GPU group-by leaves to the CPU', () => {
  const cols = randomTable(new Random(seed), 50);
  const fields = tableOf(cols).schema.fields;

  it('names the column or aggregate it cannot do', () => {
    expect(groupBySupport(fields, ['k32'], ALL_AGGS)).toEqual({ ok: true });
    const why = (keys: string[], aggs: AggRequest[]): string => {
      const s = groupBySupport(fields, keys, aggs);
      return s.ok ? '' : s.why;
    };
    expect(why(['f64'], [])).toContain("'f64'");
    expect(why(['k32'], [{ fn: 'nunique', column: 'i32' }])).toContain('nunique(i32)');
    expect(why(['k32'], [{ fn: 'min', column: 'kd' }])).toContain('string min/max');
    expect(why(['k32'], [{ fn: 'sum', column: 'b' }])).toContain('sum(b)');
    expect(why(['k32', 'k32'], [])).toContain('twice');
  });

  it('answers unsupported instead of computing what it cannot', async () => {
    const gpu = t.client.gpu!;
    const tiny: Values = {
      k: { type: new arrow.Int32(), values: [1, 1, 2] },
      v: { type: new arrow.Float64(), values: [1e-30, 1, 2] },
      f: { type: new arrow.Float32(), values: [1, 2, 3] },
    };
    const resident = uploadTable(gpu, tableOf(tiny), undefined, 'unsupported');
    try {
      const sum = await groupByPartial(gpu, resident, ['k'], [{ fn: 'sum', column: 'v' }]);
      expect('unsupported' in sum && sum.unsupported).toContain("column 'v'");
      const floatKey = await groupByPartial(gpu, resident, ['f'], [{ fn: 'size', column: null }]);
      expect('unsupported' in floatKey && floatKey.unsupported).toContain("'f'");
      const mask = await groupByPartial(gpu, resident, ['k'], [{ fn: 'size', column: null }], { mask: resident.column('k') });
      expect('unsupported' in mask && mask.unsupported).toContain('mask');
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });
});
