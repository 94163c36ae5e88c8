/**
 * The native filter mask (native/src/filter-mask.cpp, reached through evalColumn's nativeMask)
 * against the lane evaluator it stands in for (DUSK_NATIVE=off): random predicates of numeric
 * comparisons with number literals under and / or, over every column type it takes, with
 * nulls, NaN, ±Infinity and -0 in the data and in the literals, on 0, 1, 127/128/129 rows, sizes
 * past its 2048-row blocks, and batches that start at an offset into their buffers; and the rows
 * filterTable keeps with the native bit scan, for masks chunked like the table or otherwise. The kernel's
 * own checks of its program and arrays are tested directly. In CI (CI=true) the addon must load.
 */
import * as arrow from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import type { NumericDType } from '../../src/dtype.js';
import { col, lit, type Expr } from '../../src/plan/expr.js';
import { evalColumn } from '../../src/cpu/kernels/eval-column.js';
import { tableSchema } from '../../src/cpu/kernels/eval-expr.js';
import { nativeMask } from '../../src/cpu/kernels/eval-column/native-mask.js';
import { filterTable } from '../../src/cpu/kernels/filter-table.js';
import { nativeAddon } from '../../src/cpu/kernels/native-addon.js';
import { makeData, type Value } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const addon = nativeAddon();

afterEach(() => {
  delete process.env.DUSK_NATIVE;
});

const TYPES: NumericDType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];

function value(dtype: NumericDType, random: Random): Value {
  if (random.next() < 0.1) return null;
  if (dtype.startsWith('float') && random.next() < 0.2) return SPECIALS[random.int(0, SPECIALS.length - 1)]!;
  if (dtype === 'int32' && random.next() < 0.05) return random.int(0, 1) * (2 ** 32 - 1) - 2 ** 31;
  if (dtype === 'uint32' && random.next() < 0.05) return 2 ** 32 - 1;
  const x = random.int(-5, 5);
  return dtype.startsWith('u') ? Math.abs(x) : dtype.startsWith('float') && random.next() < 0.5 ? x + 0.5 : x;
}

function table(n: number, random: Random, nulls: boolean): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  for (const t of TYPES) {
    const values = Array.from({ length: n }, () => value(t, random)).map((v) => (nulls ? v : v ?? 1));
    columns[t] = arrow.makeVector(makeData(t, values));
  }
  const whole = new arrow.Table(columns);
  if (n < 20) return whole;
  const cut = random.int(1, n - 1);
  return whole.slice(0, cut).concat(whole.slice(cut));
}

const LITERALS = [2, -1, 0, -0, 0.5, 3.25, 2 ** 31 - 1, -(2 ** 31), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

function comparison(random: Random): Expr {
  const column = col(TYPES[random.int(0, TYPES.length - 1)]!);
  const literal = lit(LITERALS[random.int(0, LITERALS.length - 1)]!);
  const op = OPS[random.int(0, OPS.length - 1)]!;
  return random.next() < 0.5 ? column[op](literal) : literal[op](column);
}

function predicate(random: Random, depth: number): Expr {
  if (depth === 0 || random.next() < 0.3) return comparison(random);
  const a = predicate(random, depth - 1);
  const b = predicate(random, depth - 1);
  return random.next() < 0.5 ? a.and(b) : a.or(b);
}

function cells(v: arrow.Vector): (boolean | null)[] {
  return Array.from({ length: v.length }, (_, i) => v.get(i) as boolean | null);
}

describe('the native filter mask', () => {
  it('is built and loads in CI', () => {
    if (process.env.CI === 'true') expect(addon, 'CI builds native/ (npm install runs native/build.mjs)').not.toBeNull();
  });

  for (const n of [0, 1, 7, 127, 128, 129, 2047, 2048, 2049, 5000]) {
    it.runIf(addon !== null)(`matches the lane evaluator on ${n} rows (seed ${seed})`, () => {
      const random = new Random(seed + n);
      for (const nulls of [false, true]) {
        const t = table(n, random, nulls);
        for (let k = 0; k < 25; k++) {
          const expr = predicate(random, 3);
          const got = evalColumn(expr, t);
          process.env.DUSK_NATIVE = 'off';
          const want = evalColumn(expr, t);
          const wantKept = tableCells(filterTable(t, want));
          // A mask chunked otherwise than the table, as filterTable also takes.
          const rechunked = rechunk(want, random);
          const wantRechunked = tableCells(filterTable(t, rechunked));
          delete process.env.DUSK_NATIVE;
          expect(cells(got), `${expr.key}${nulls ? ', with nulls' : ''}`).toEqual(cells(want));
          expect(got.nullCount).toBe(want.nullCount);
          expect(tableCells(filterTable(t, got))).toEqual(wantKept);
          expect(tableCells(filterTable(t, rechunked))).toEqual(wantRechunked);
          expect(wantRechunked).toEqual(wantKept);
        }
      }
    });
  }

  it.runIf(addon !== null)('takes only numeric comparisons with number literals under and / or', () => {
    const t = table(50, new Random(seed), true);
    const schema = tableSchema(t);
    expect(nativeMask(col('int32').gt(2).and(col('float64').le(0.5)), t, schema)).not.toBeNull();
    expect(nativeMask(lit(2).lt(col('uint8')), t, schema)).not.toBeNull();
    for (const e of [col('int32').gt(col('int8')), col('int32').gt(2).not(), col('int32').gt(2 ** 40), col('int32').gt(2n), col('int32').isNull(), col('int32').gt(null)]) {
      expect(nativeMask(e, t, schema), e.key).toBeNull();
    }
    process.env.DUSK_NATIVE = 'off';
    expect(nativeMask(col('int32').gt(2), t, schema)).toBeNull();
  });

  it.runIf(addon !== null)('refuses programs and arrays that do not fit', () => {
    const x = Int32Array.of(1, 2, 3);
    const out = (): Uint8Array => new Uint8Array(1);
    const run = (program: number[], constants = [1], columns: Int32Array[] = [x], length = 3): number =>
      addon!.filterMask(columns, columns.map(() => null), new Float64Array(columns.length), length, Int32Array.from(program), Float64Array.from(constants), out(), out());
    expect(run([0, 0, 4, 0])).toBe(0);
    expect(() => run([0, 1, 4, 0])).toThrow(RangeError);
    expect(() => run([0, 0, 9, 0])).toThrow(RangeError);
    expect(() => run([0, 0, 4, 1])).toThrow(RangeError);
    expect(() => run([0, 0, 4, 0, 1])).toThrow(RangeError);
    expect(() => run([0, 0, 4, 0, 0, 0, 4, 0])).toThrow(RangeError);
    expect(() => run([0, 0, 4, 0], [1], [x], 4)).toThrow(TypeError);
    expect(() => addon!.filterMask([x], [Uint8Array.of()], Float64Array.of(0), 3, Int32Array.of(0, 0, 4, 0), Float64Array.of(1), out(), out())).toThrow(TypeError);
  });
});

/** The same mask values in chunks cut at other places (slices at an offset into their bitmaps). */
function rechunk(mask: arrow.Vector, random: Random): arrow.Vector {
  const n = mask.length;
  if (n < 3) return mask;
  const whole = arrow.makeVector(arrow.vectorFromArray(cells(mask), new arrow.Bool()).data[0]!);
  const a = random.int(1, n - 2);
  return new arrow.Vector([...whole.slice(0, a).data, ...whole.slice(a).data]);
}

function tableCells(t: arrow.Table): unknown[][] {
  const columns = t.schema.fields.map((_, j) => t.getChildAt(j)!);
  return Array.from({ length: t.numRows }, (_, i) => columns.map((c) => c.get(i)));
}
