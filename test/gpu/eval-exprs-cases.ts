/**
 * Shared by the eval-exprs suites: random partitions with every device layout (narrow, 32- and
 * 64-bit integers, float32/64 with NaN, ±Infinity, -0, subnormals and extremes, bool,
 * dictionary strings with a null entry), random typed expression trees over the operators the
 * GPU takes, and the check that runs them on the GPU and compares with `evalColumn`.
 */
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import { evalColumn } from '../../src/cpu/kernels/eval-column.js';
import { tableSchema } from '../../src/cpu/kernels/eval-expr.js';
import type { NumericDType } from '../../src/dtype.js';
import { downloadColumn } from '../../src/gpu/download-table.js';
import { gpuExprSupport } from '../../src/gpu/expr/compile-exprs.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';
import { evalExprs } from '../../src/gpu/kernels/eval-exprs.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { col, lit, when, type CastType, type Expr, type LiteralValue } from '../../src/plan/expr.js';
import { exprType, type Schema } from '../../src/plan/expr-type.js';
import { makeVector, type Value } from '../util/columns.js';
import type { Random } from '../util/random.js';

export const NUMERIC: Record<string, NumericDType> = {
  i8: 'int8', i32: 'int32', u16: 'uint16', u32: 'uint32', i64: 'int64', u64: 'uint64', f32: 'float32', f64: 'float64',
};
export const WORDS = ['apple', 'banana', 'cherry', 'date', null];

const EXTREMES: Record<NumericDType, Value[]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n],
  uint8: [0, 255], uint16: [65535], uint32: [2 ** 32 - 1], uint64: [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n],
  float32: [Math.fround(3.4e38), -Math.fround(3.4e38), Math.fround(1e-45), Math.fround(1.5e-39)],
  float64: [Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, 2 ** 63, 2 ** 53 + 2, 1e300, -1e-310, 2 ** 64],
};
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 2.5, -2.5, 0.5, -0.5, 1.4999];

export interface TableOptions {
  nullRate?: number;
  extremeRate?: number;
  specialRate?: number;
}

export function randomValue(rnd: Random, dtype: NumericDType, o: TableOptions): Value {
  const r = rnd.next();
  if (r < (o.nullRate ?? 0.15)) return null;
  const pick = <T>(xs: readonly T[]): T => xs[rnd.int(0, xs.length - 1)]!;
  if (rnd.next() < (o.extremeRate ?? 0.05)) return pick(EXTREMES[dtype]);
  const float = dtype === 'float32' || dtype === 'float64';
  if (float && rnd.next() < (o.specialRate ?? 0.15)) return pick(SPECIAL);
  const small = rnd.int(dtype.startsWith('u') ? 0 : -9, 9);
  if (dtype === 'int64' || dtype === 'uint64') return rnd.next() < 0.1 ? rnd.bits64(dtype === 'int64') / 4n : BigInt(small);
  if (float) {
    const v = rnd.next() < 0.4 ? small : (rnd.next() - 0.5) * 10 ** rnd.int(-3, 6);
    return dtype === 'float32' ? Math.fround(v) : v;
  }
  return small;
}

/** A partition with one column per name in NUMERIC plus `flag` (bool) and `word` (dictionary). */
export function randomTable(rnd: Random, n: number, o: TableOptions = {}): arrow.Table {
  const chunks = n > 10 && rnd.next() < 0.5 ? [Math.floor(n / 3), n - Math.floor(n / 3)] : [n];
  const children: Record<string, arrow.Vector> = {};
  for (const [name, dtype] of Object.entries(NUMERIC)) {
    children[name] = makeVector(dtype, Array.from({ length: n }, () => randomValue(rnd, dtype, o)), { chunks });
  }
  const nullRate = o.nullRate ?? 0.15;
  children.flag = arrow.vectorFromArray(Array.from({ length: n }, () => (rnd.next() < nullRate ? null : rnd.next() < 0.5)), new arrow.Bool());
  const dictionary = arrow.vectorFromArray(WORDS, new arrow.Utf8());
  const codes = Int32Array.from({ length: n }, () => rnd.int(0, WORDS.length - 1));
  const valid = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (rnd.next() < nullRate) nulls++;
    else valid[i >> 3]! |= 1 << (i & 7);
  }
  children.word = new arrow.Vector([arrow.makeData({
    type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: n, nullCount: nulls, nullBitmap: valid, data: codes, dictionary,
  })]);
  return new arrow.Table(children);
}

const LITERALS: LiteralValue[] = [0, 1, -1, 3, 7, -9, 2.5, -0.5, 1e300, Number.NaN, 2n ** 62n, 127, 100000, null];
const CASTS: CastType[] = ['int8', 'int32', 'int64', 'uint32', 'uint64', 'float32', 'float64', 'bool'];

/** Random expression trees over the columns in `names` (plus `flag` and `word`). */
export class ExprGenerator {
  constructor(private readonly rnd: Random, private readonly names: readonly string[]) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rnd.int(0, xs.length - 1)]!;
  }

  num(d: number): Expr {
    const r = this.rnd.next();
    if (d <= 0 || r < 0.25) return r < 0.2 ? lit(this.pick(LITERALS)) : col(this.pick(this.names));
    const a = this.num(d - 1);
    if (r < 0.6) return a[this.pick(['add', 'sub', 'mul', 'div', 'mod'] as const)](this.num(d - 1));
    if (r < 0.7) return a[this.pick(['neg', 'abs', 'round', 'floor', 'ceil', 'sqrt'] as const)]();
    if (r < 0.8) return when(this.bool(d - 1)).then(a).when(this.bool(d - 1)).then(this.num(d - 1)).otherwise(this.num(d - 1));
    if (r < 0.9) return a.fillNull(this.num(d - 1));
    return a.cast(this.pick(CASTS.filter((c) => c !== 'bool')));
  }

  bool(d: number): Expr {
    const r = this.rnd.next();
    if (d <= 0 || r < 0.1) return r < 0.05 ? col('flag') : col('word').eq(this.pick(['apple', 'cherry', 'kiwi']));
    if (r < 0.45) return this.num(d - 1)[this.pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const)](this.num(d - 1));
    if (r < 0.6) return this.bool(d - 1)[this.pick(['and', 'or'] as const)](this.bool(d - 1));
    if (r < 0.65) return this.bool(d - 1).not();
    if (r < 0.72) return this.num(d - 1)[this.pick(['isNull', 'isNotNull'] as const)]();
    if (r < 0.8) return this.num(d - 1).isIn(Array.from({ length: this.rnd.int(1, 4) }, () => this.pick(LITERALS)));
    if (r < 0.87) return this.num(d - 1).between(this.num(0), this.num(0));
    if (r < 0.93) return col('word')[this.pick(['eq', 'ne'] as const)](this.pick(['apple', 'banana', 'kiwi']));
    if (r < 0.97) return col('word').isIn(this.pick([['apple', 'date'], ['kiwi'], ['banana', null]]));
    return this.num(d - 1).cast('bool');
  }

  /** An expression that type-checks and that gpuExprSupport accepts (with its output name). */
  supported(schema: Schema, k: number): Expr {
    for (;;) {
      const e = (this.rnd.next() < 0.5 ? this.num(this.rnd.int(1, 3)) : this.bool(this.rnd.int(1, 3))).alias(`r${k}`);
      try {
        const t = exprType(e, schema);
        if (t === 'null' || t === 'string') continue;
      } catch {
        continue;
      }
      if (gpuExprSupport(e, schema).ok) return e;
    }
  }
}

/**
 * How strictly zeros compare. The CPU reference lets an integer carry -0 (0 * -1 or neg(0) in
 * JS numbers), which shows once it is cast or promoted to a float; an integer has no -0 on the
 * GPU. Suites that build such trees at random compare zeros by value ('loose'); the float
 * suites keep the sign ('exact').
 */
export type ZeroSign = 'exact' | 'loose';

function same(a: unknown, b: unknown, zeros: ZeroSign): boolean {
  if (zeros === 'loose' && a === 0 && b === 0) return true;
  return Object.is(a, b) || (typeof a === 'bigint' && a === b);
}

/** Expects `got` to equal `want` row by row: values (Object.is: -0 and NaN count), nulls, type. */
export function expectSameVector(got: arrow.Vector, want: arrow.Vector, label: string, zeros: ZeroSign = 'exact'): void {
  // A string result stays dictionary-encoded on the device; the CPU makes plain Utf8.
  const gotType = arrow.DataType.isDictionary(got.type) ? got.type.dictionary : got.type;
  expect(String(gotType), `${label}: type`).toBe(String(want.type));
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want.isValid(i) ? want.get(i) : null;
    const g = got.isValid(i) ? got.get(i) : null;
    if (!same(g, w, zeros)) expect(g, `${label}: row ${i}`).toEqual(w);
  }
}

export type GpuCheck = { ran: true } | { ran: false; why: string };

/**
 * Evaluates `exprs` on the GPU over `table` and on the CPU with evalColumn. Where the CPU
 * raises for some expression the GPU must answer `unsupported` (never a wrong column);
 * otherwise every result column must equal the CPU's.
 */
export async function checkOnGpu(gpu: GpuContext, table: arrow.Table, exprs: readonly Expr[], label: string, zeros: ZeroSign = 'exact'): Promise<GpuCheck> {
  const schema = tableSchema(table);
  let cpuError: unknown = null;
  const want: arrow.Vector[] = [];
  for (const e of exprs) {
    try {
      want.push(evalColumn(e, table, schema));
    } catch (error) {
      cpuError = error;
    }
  }
  const resident = uploadTable(gpu, table, undefined, label);
  try {
    const result = await evalExprs(gpu, resident, exprs, schema);
    if ('unsupported' in result) {
      expect(cpuError, `${label}: GPU said "${result.unsupported}" but the CPU did not raise`).not.toBeNull();
      return { ran: false, why: result.unsupported };
    }
    try {
      expect(cpuError, `${label}: the CPU raised but the GPU gave columns`).toBeNull();
      for (const [k, column] of result.columns.entries()) {
        const got = new arrow.Vector([await downloadColumn(gpu, column, table.numRows)]);
        expectSameVector(got, want[k]!, `${label} ${exprs[k]!.key}`, zeros);
      }
    } finally {
      result.release();
    }
    return { ran: true };
  } finally {
    resident.release();
  }
}

/**
 * `checkOnGpu` for the batch, and where the batch fell back (some expression raises on the
 * CPU), for each expression alone, so the others are still compared. Returns how many ran.
 */
export async function checkEach(gpu: GpuContext, table: arrow.Table, exprs: readonly Expr[], label: string, zeros: ZeroSign): Promise<number> {
  const all = await checkOnGpu(gpu, table, exprs, label, zeros);
  if (all.ran) return exprs.length;
  expect(all.why).toMatch(/overflows|cast of a non-finite/);
  let ran = 0;
  for (const e of exprs) {
    const one = await checkOnGpu(gpu, table, [e], `${label} ${e.key}`, zeros);
    if (one.ran) ran++;
    else expect(one.why).toMatch(/overflows|cast of a non-finite/);
  }
  return ran;
}
