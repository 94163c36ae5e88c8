/**
 * Shared by the GPU group-by suites: random tables, and the check that the GPU partial of a
 * table finalizes to the same table as `partialGroupBy`'s (same groups in the same order,
 * same types; integers exact, float sums and means within 1e-12, var and std within 1e-9).
 */
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import {
  finalizeGroupBy, mergeGroupPartials, partialGroupBy, type AggRequest, type GroupPartial,
} from '../../src/cpu/kernels/group-by.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';
import { groupByPartial } from '../../src/gpu/kernels/group-by.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import type { Random } from '../util/random.js';

export type Values = Record<string, { type: arrow.DataType; values: unknown[] }>;

export function tableOf(cols: Values, keep?: (i: number) => boolean): arrow.Table {
  const out: Record<string, arrow.Vector> = {};
  for (const [name, { type, values }] of Object.entries(cols)) {
    const kept = keep === undefined ? values : values.filter((_, i) => keep(i));
    if (arrow.DataType.isDictionary(type)) {
      const words = [...new Set(values.filter((v) => v !== null) as string[])];
      const codes = kept.map((v) => (v === null ? 0 : words.indexOf(v as string)));
      const nulls = kept.map((v) => v === null);
      const validity = new Uint8Array((kept.length + 7) >> 3);
      nulls.forEach((n, i) => { if (!n) validity[i >> 3] |= 1 << (i & 7); });
      const nullCount = nulls.filter(Boolean).length;
      out[name] = new arrow.Vector([arrow.makeData({
        type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
        length: kept.length,
        nullCount,
        nullBitmap: nullCount > 0 ? validity : new Uint8Array(0),
        data: Int32Array.from(codes),
        dictionary: arrow.vectorFromArray(words, new arrow.Utf8()),
      })]);
    } else {
      out[name] = arrow.vectorFromArray(kept, type);
    }
  }
  return new arrow.Table(out);
}

const WORDS = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox', 'gnu', 'hen', 'ibis', 'jay'];
const EXTREMES = [-(2n ** 63n), 2n ** 63n - 1n, -(2n ** 63n) + 1n, 0n, -1n, 2n ** 62n];

/** A random table: keys k32, kd, k64; values f64, f32, i32, i64, u8, b; a mask m. */
export function randomTable(rnd: Random, n: number, opts: { groups?: number; nulls?: number; specials?: boolean } = {}): Values {
  const g = opts.groups ?? 20;
  const p = opts.nulls ?? 0.1;
  const nul = <T>(v: () => T): T | null => (rnd.next() < p ? null : v());
  const float = (): number => {
    if (opts.specials && rnd.next() < 0.01) return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][rnd.int(0, 2)]!;
    return (rnd.next() - 0.3) * 10 ** rnd.int(-3, 6);
  };
  const rows = Array.from({ length: n }, (_, i) => i);
  return {
    k32: { type: new arrow.Int32(), values: rows.map(() => nul(() => rnd.int(-g, g))) },
    kd: { type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), values: rows.map(() => nul(() => WORDS[rnd.int(0, 3)]!)) },
    k64: { type: new arrow.Int64(), values: rows.map(() => nul(() => (rnd.next() < 0.3 ? EXTREMES[rnd.int(0, 5)]! : BigInt(rnd.int(0, 3)) * 2n ** 40n))) },
    f64: { type: new arrow.Float64(), values: rows.map(() => nul(float)) },
    f32: { type: new arrow.Float32(), values: rows.map(() => nul(() => Math.fround(float()))) },
    i32: { type: new arrow.Int32(), values: rows.map(() => nul(() => rnd.int(-2e9, 2e9))) },
    i64: { type: new arrow.Int64(), values: rows.map(() => nul(() => rnd.bits64(true) >> BigInt(rnd.int(14, 40)))) },
    u8: { type: new arrow.Uint8(), values: rows.map(() => nul(() => rnd.int(0, 255))) },
    b: { type: new arrow.Bool(), values: rows.map(() => nul(() => rnd.next() < 0.5)) },
    m: { type: new arrow.Bool(), values: rows.map(() => nul(() => rnd.next() < 0.7)) },
  };
}

export const ALL_AGGS: AggRequest[] = [
  { fn: 'size', column: null },
  { fn: 'count', column: 'f64' },
  { fn: 'sum', column: 'f64' },
  { fn: 'mean', column: 'f32' },
  { fn: 'sum', column: 'i32' },
  { fn: 'sum', column: 'i64' },
  { fn: 'mean', column: 'i64' },
  { fn: 'sum', column: 'u8' },
  { fn: 'min', column: 'f64' },
  { fn: 'max', column: 'f32' },
  { fn: 'min', column: 'i64' },
  { fn: 'max', column: 'i32' },
  { fn: 'max', column: 'b' },
  { fn: 'min', column: 'u8' },
  { fn: 'var', column: 'f64' },
  { fn: 'std', column: 'i32' },
  { fn: 'first', column: 'kd' },
  { fn: 'last', column: 'i64' },
];

function tolerance(fn: AggRequest['fn']): number {
  return fn === 'var' || fn === 'std' ? 1e-9 : fn === 'sum' || fn === 'mean' ? 1e-12 : 0;
}

function same(a: unknown, b: unknown, tol: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (!Number.isFinite(a) || !Number.isFinite(b) || tol === 0) return Object.is(a + 0, b + 0);
    return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-300);
  }
  return a === b;
}

/** Finalized output of one partial (all aggregate columns named a0, a1, ...). */
export function finalize(p: GroupPartial, keys: readonly string[], aggs: readonly AggRequest[]): arrow.Table {
  return finalizeGroupBy(mergeGroupPartials([p], keys, aggs), keys, aggs, aggs.map((_, i) => `a${i}`));
}

/** Expects two finalized tables to hold the same groups in the same order, within tolerance. */
export function expectSameTable(gpu: arrow.Table, cpu: arrow.Table, aggs: readonly AggRequest[], label: string): void {
  expect(gpu.numRows, `${label}: groups`).toBe(cpu.numRows);
  expect(gpu.schema.fields.map((f) => `${f.name}:${String(f.type)}`), `${label}: types`)
    .toEqual(cpu.schema.fields.map((f) => `${f.name}:${String(f.type)}`));
  const keys = gpu.schema.fields.length - aggs.length;
  gpu.schema.fields.forEach((f, j) => {
    const tol = j < keys ? 0 : tolerance(aggs[j - keys]!.fn);
    const a = gpu.getChildAt(j)!.toArray() as ArrayLike<unknown>;
    const b = cpu.getChildAt(j)!.toArray() as ArrayLike<unknown>;
    const va = gpu.getChildAt(j)!;
    const vb = cpu.getChildAt(j)!;
    for (let r = 0; r < gpu.numRows; r++) {
      const x = va.isValid(r) ? (arrow.DataType.isDictionary(f.type) ? va.get(r) : a[r]) : null;
      const y = vb.isValid(r) ? (arrow.DataType.isDictionary(f.type) ? vb.get(r) : b[r]) : null;
      if (!same(x, y, tol)) {
        expect.fail(`${label}: column ${f.name} row ${r}: GPU ${String(x)} vs CPU ${String(y)}`);
      }
    }
  });
}

/**
 * Runs the GPU twin on `cols` (the rows of `mask` that are true, when given) and expects the
 * CPU twin's answer; returns the GPU result.
 */
export async function expectTwins(
  gpu: GpuContext, cols: Values, keys: readonly string[], aggs: readonly AggRequest[], label: string,
  options: { mask?: string; capacity?: number } = {},
): Promise<{ partial: GroupPartial; hashRuns: number }> {
  const resident = uploadTable(gpu, tableOf(cols), undefined, label);
  try {
    const r = await groupByPartial(gpu, resident, keys, aggs, {
      mask: options.mask === undefined ? undefined : resident.column(options.mask),
      capacity: options.capacity,
    });
    if ('unsupported' in r) return expect.fail(`${label}: unsupported: ${r.unsupported}`);
    const m = options.mask === undefined ? null : cols[options.mask]!.values;
    const host = tableOf(cols, m === null ? undefined : (i) => m[i] === true);
    const cpu = partialGroupBy(host, keys, aggs);
    expect(r.partial.states.map((s) => s.kind), `${label}: state kinds`).toEqual(cpu.states.map((s) => s.kind));
    expectSameTable(finalize(r.partial, keys, aggs), finalize(cpu, keys, aggs), aggs, label);
    return r;
  } finally {
    resident.release();
  }
}
