/**
 * The CPU expression kernel against DuckDB: the same random table (with nulls, NaN, ±Infinity,
 * -0 and integer extremes) is written to Parquet, DuckDB evaluates the SQL twin of each
 * expression over the file, and every row must agree. Where Dusk's contract departs from DuckDB
 * (IEEE float math where DuckDB raises, float-to-int rounding), unit cases below pin Dusk's answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { DuskError } from '../../src/index.js';
import { evalExpr, evalExprVector } from '../../src/cpu/kernels/eval-expr.js';
import { col, lit, when, type Expr } from '../../src/plan/expr.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const rnd = new Random(seed);
const N = 3000;
const dir = mkdtempSync(join(tmpdir(), 'dusk-expr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

function maybe<T>(v: T, nullRate = 0.1): T | null {
  return rnd.next() < nullRate ? null : v;
}

const WORDS = ['apple', 'Apricot', 'banana', 'ab', '', 'ÄÖü', 'b', 'abc', 'zeta', '日本'];
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 2.5, -2.5, 0.5, -0.5, 1e300];

const data = {
  i8: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rnd.int(-128, 127))), new arrow.Int8()),
  i32: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rnd.int(-1e9, 1e9))), new arrow.Int32()),
  i64: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(BigInt(rnd.int(-1e9, 1e9)) * 1000003n)), new arrow.Int64()),
  f32: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(Math.fround((rnd.next() - 0.5) * 100))), new arrow.Float32()),
  f64: arrow.vectorFromArray(
    Array.from({ length: N }, () => maybe(rnd.next() < 0.1 ? SPECIAL[rnd.int(0, SPECIAL.length - 1)]! : (rnd.next() - 0.5) * 10 ** rnd.int(-3, 6))),
    new arrow.Float64(),
  ),
  s: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(WORDS[rnd.int(0, WORDS.length - 1)]!)), new arrow.Utf8()),
  b: arrow.vectorFromArray(Array.from({ length: N }, () => maybe(rnd.next() < 0.5)), new arrow.Bool()),
};
const table = new arrow.Table(data);
const file = join(dir, 'data.parquet');
writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))));

type Plain = number | bigint | string | boolean | null;

function same(a: Plain, b: Plain, approx: boolean): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    return approx && Math.abs(a - b) <= 1e-15 * Math.abs(b);
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a as bigint) === BigInt(b as bigint);
  return a === b;
}

/** [description, Dusk expression, DuckDB SQL, transcendental (compare to 1e-15)] */
const PAIRS: [string, Expr, string, boolean?][] = [
  ['int32 + int8', col('i32').add(col('i8')), 'i32 + i8'],
  ['int64 - int32', col('i64').sub(col('i32')), 'i64 - i32'],
  ['int8 cast up, times a literal', col('i8').cast('int32').mul(3), 'i8::INTEGER * 3'],
  ['float64 * float32', col('f64').mul(col('f32')), 'f64 * f32'],
  ['float32 + float32', col('f32').add(col('f32')), 'f32 + f32'],
  ['float64 / float64', col('f64').div(col('f32')), 'f64 / f32'],
  ['int32 // int8 (by zero: null)', col('i32').div(col('i8')), 'i32 // i8'],
  ['int32 % int8 (sign of dividend)', col('i32').mod(col('i8')), 'i32 % i8'],
  ['int64 // literal', col('i64').div(7), 'i64 // 7'],
  ['float64 > float32', col('f64').gt(col('f32')), 'f64 > f32'],
  ['float64 = float64 (NaN = NaN)', col('f64').eq(col('f64')), 'f64 = f64'],
  ['float64 >= literal (NaN above +inf)', col('f64').ge(1e299), 'f64 >= 1e299'],
  ['int64 <= int32', col('i64').le(col('i32')), 'i64 <= i32'],
  ['int64 vs float64', col('i64').lt(col('f64')), 'i64 < f64'],
  ['string < string', col('s').lt('b'), "s < 'b'"],
  ['string = literal', col('s').eq('apple'), "s = 'apple'"],
  ['bool = true', col('b').eq(true), 'b = true'],
  ['and with nulls', col('f64').gt(0).and(col('b')), '(f64 > 0) AND b'],
  ['or with nulls', col('f64').gt(0).or(col('b')), '(f64 > 0) OR b'],
  ['not', col('b').not(), 'NOT b'],
  ['isNull', col('s').isNull(), 's IS NULL'],
  ['isNotNull', col('f64').isNotNull(), 'f64 IS NOT NULL'],
  ['fillNull', col('i32').fillNull(0), 'coalesce(i32, 0)'],
  ['isIn', col('i8').isIn([1, 2, 3, -5]), 'i8 IN (1, 2, 3, -5)'],
  ['isIn with null', col('i8').isIn([1, null]), 'i8 IN (1, NULL)'],
  ['isIn strings', col('s').isIn(['ab', 'zeta']), "s IN ('ab', 'zeta')"],
  ['between', col('f64').between(-1, 1), 'f64 BETWEEN -1 AND 1'],
  ['cast int to float64', col('i32').cast('float64'), 'CAST(i32 AS DOUBLE)'],
  ['cast int to string', col('i8').cast('string'), 'CAST(i8 AS VARCHAR)'],
  ['cast int64 to int32 in range', col('i8').cast('int64'), 'CAST(i8 AS BIGINT)'],
  ['lower', col('s').lower(), 'lower(s)'],
  ['upper', col('s').upper(), 'upper(s)'],
  ['startsWith', col('s').startsWith('ab'), "starts_with(s, 'ab')"],
  ['contains', col('s').contains('b'), "contains(s, 'b')"],
  ['abs', col('i32').abs(), 'abs(i32)'],
  ['neg', col('f64').neg(), '-f64'],
  ['sqrt of abs', col('f64').abs().sqrt(), 'sqrt(abs(f64))'],
  ['exp', col('f32').div(10).exp(), 'exp(f32 / 10)', true],
  ['log of abs + 1', col('f64').abs().add(1).log(), 'ln(abs(f64) + 1)', true],
  ['log10', col('f64').abs().add(1).log10(), 'log10(abs(f64) + 1)', true],
  ['log2', col('f64').abs().add(1).log2(), 'log2(abs(f64) + 1)', true],
  ['round (half away from zero)', col('f64').round(), 'round(f64)'],
  ['floor', col('f64').floor(), 'floor(f64)'],
  ['ceil', col('f32').ceil(), 'ceil(f32)'],
  ['when / then / otherwise', when(col('i8').gt(0)).then(col('f64')).when(col('b')).then(col('f32')).otherwise(-1), 'CASE WHEN i8 > 0 THEN f64 WHEN b THEN f32 ELSE -1 END'],
];

describe(`evalExpr against DuckDB (seed ${seed})`, () => {
  for (const [name, expr, sql, approx] of PAIRS) {
    it(name, async () => {
      const c = await duck.connection();
      const reader = await c.runAndReadAll(`SELECT ${sql} AS v FROM read_parquet(${sqlPath(file)})`);
      const want = reader.getRows().map((r) => r[0] as Plain);
      const got = evalExpr(expr, table).values;
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        if (!same(got[i]!, want[i]!, approx === true)) {
          throw new Error(`row ${i}: ${expr.key} gave ${String(got[i])}, DuckDB ${String(want[i])} (${sql})`);
        }
      }
    });
  }
});

describe('Dusk semantics where the contract settles them', () => {
  const t = new arrow.Table({
    x: arrow.vectorFromArray([2.5, -2.5, 0.5, -0.5, 1e10, Number.NaN, -0, null], new arrow.Float64()),
    n: arrow.vectorFromArray([7, -7, 7, -7, 0, 1, 2, 3], new arrow.Int32()),
    z: arrow.vectorFromArray([0, 0, 2, -2, 0, 0, 0, 0], new arrow.Int32()),
  });
  const values = (e: Expr): unknown[] => evalExpr(e, t).values;

  it('float math follows IEEE where DuckDB raises', () => {
    expect(values(col('x').sub(col('x')).log())).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, NaN, -Infinity, null]);
    expect(values(lit(-1).cast('float64').add(col('x').mul(0)).sqrt()).slice(0, 2)).toEqual([NaN, NaN]);
    expect(values(col('x').div(0)).slice(0, 2)).toEqual([Infinity, -Infinity]);
  });

  it('integer division and modulo by zero give null; modulo has the sign of the dividend', () => {
    expect(values(col('n').div(col('z')))).toEqual([null, null, 3, 3, null, null, null, null]);
    expect(values(col('n').mod(col('z')))).toEqual([null, null, 1, -1, null, null, null, null]);
    expect(values(col('n').mod(3))).toEqual([1, -1, 1, -1, 0, 1, 2, 0]);
  });

  it('round and float-to-int casts go half away from zero; out of range raises', () => {
    expect(values(col('x').round()).slice(0, 4)).toEqual([3, -3, 1, -1]);
    const small = new arrow.Table({ x: arrow.vectorFromArray([2.5, -2.5, 0.5, -0.5, 1.4999], new arrow.Float64()) });
    expect(evalExpr(col('x').cast('int32'), small).values).toEqual([3, -3, 1, -1, 1]);
    expect(() => evalExpr(col('x').cast('int32'), t)).toThrow(DuskError);
    expect(() => evalExpr(col('x').cast('int64'), new arrow.Table({ x: arrow.vectorFromArray([NaN]) }))).toThrow(/cannot cast NaN/);
  });

  it('integer overflow raises OVERFLOW instead of wrapping', () => {
    const big = new arrow.Table({ a: arrow.vectorFromArray([2147483647], new arrow.Int32()) });
    const error = (() => {
      try {
        evalExpr(col('a').add(1), big);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect((error as DuskError).code).toBe('OVERFLOW');
    const i64 = new arrow.Table({ a: arrow.vectorFromArray([2n ** 63n - 1n], new arrow.Int64()) });
    expect(() => evalExpr(col('a').mul(2), i64)).toThrow(/overflows int64/);
  });

  it('-0 equals 0, and NaN sorts above +Infinity', () => {
    expect(values(col('x').eq(0))[6]).toBe(true);
    expect(values(col('x').gt(Infinity))[5]).toBe(true);
  });

  it('results come back as Arrow vectors of the result type', () => {
    const v = evalExprVector(col('n').add(1).alias('m'), t);
    expect(String(v.type)).toBe('Int32');
    expect(v.toArray()).toEqual(Int32Array.from([8, -6, 8, -6, 1, 2, 3, 4]));
    const s = evalExprVector(col('x').isNull(), t);
    expect([...s]).toEqual([false, false, false, false, false, false, false, true]);
  });
});
