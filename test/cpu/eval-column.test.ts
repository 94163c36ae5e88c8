/**
 * The columnar evaluator against the row-at-a-time reference: random tables (every numeric
 * dtype with nulls, NaN, ±Infinity, -0 and extremes; bool, Utf8, LargeUtf8, dictionary strings,
 * a timestamp and a Null column; chunked and offset-sliced) and random expressions of depth 1-4
 * over every operator. Results must agree exactly — type, chunking, values (Object.is), null
 * positions — and where the reference throws, evalColumn throws the same class, code and message.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { evalColumn } from '../../src/cpu/kernels/eval-column.js';
import { evalExprVector } from '../../src/cpu/kernels/eval-expr.js';
import type { NumericDType } from '../../src/dtype.js';
import { col, lit, when, type CastType, type Expr, type LiteralValue } from '../../src/plan/expr.js';
import { ALL_DTYPES, makeVector, type Value } from '../util/columns.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const rnd = new Random(seed);

function pick<T>(xs: readonly T[]): T {
  return xs[rnd.int(0, xs.length - 1)]!;
}

const WORDS = ['apple', 'Apricot', 'banana', 'ab', '', 'ÄÖü', 'b', 'abc', 'zeta', '日本', '😀x', 'a\u0000b'];
const EXTREMES: Record<NumericDType, Value[]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n],
  uint8: [0, 255], uint16: [65535], uint32: [2 ** 32 - 1], uint64: [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n],
  float32: [Math.fround(3.4e38), -Math.fround(3.4e38), Math.fround(1e-45)], float64: [Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, 2 ** 63, 2 ** 53 + 2],
};
const FLOAT_SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 2.5, -2.5, 0.5, -0.5, 1.4999];

function numericValue(dtype: NumericDType): Value {
  const r = rnd.next();
  if (r < 0.15) return null;
  if (r < 0.22) return pick(EXTREMES[dtype]);
  const float = dtype === 'float32' || dtype === 'float64';
  if (float && r < 0.35) return pick(FLOAT_SPECIAL);
  const unsigned = dtype.startsWith('u');
  const small = rnd.int(unsigned ? 0 : -9, 9);
  if (dtype === 'int64' || dtype === 'uint64') return rnd.next() < 0.1 ? rnd.bits64(dtype === 'int64') : BigInt(small);
  if (float) {
    const v = rnd.next() < 0.5 ? small : (rnd.next() - 0.5) * 10 ** rnd.int(-2, 4);
    return dtype === 'float32' ? Math.fround(v) : v;
  }
  return small;
}

/** Random chunk lengths adding up to n: often one chunk, else 2 to 4 (empty ones allowed). */
function chunks(n: number): number[] {
  if (rnd.next() < 0.6) return [n];
  const cuts = Array.from({ length: rnd.int(1, 3) }, () => rnd.int(0, n)).sort((a, b) => a - b);
  return [...cuts, n].map((c, i, all) => c - (i === 0 ? 0 : all[i - 1]!));
}

/** `full(values)` laid out as random chunks of a vector sliced to an offset. */
function arrange<T>(values: T[], full: (values: T[]) => arrow.Vector, filler: T): arrow.Vector {
  const pad = rnd.next() < 0.5 ? 0 : rnd.int(1, 9);
  const whole = full([...Array<T>(pad).fill(filler), ...values, ...Array<T>(pad).fill(filler)]).slice(pad, pad + values.length);
  let at = 0;
  return new arrow.Vector(chunks(values.length).flatMap((len) => {
    const part = whole.slice(at, at + len);
    at += len;
    return part.data;
  }));
}

function randomTable(n: number): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  for (const dtype of ALL_DTYPES) {
    const values = Array.from({ length: n }, () => numericValue(dtype));
    columns[dtype] = makeVector(dtype, values, { chunks: chunks(n), offset: rnd.next() < 0.5 ? 0 : rnd.int(1, 5) });
  }
  const words = Array.from({ length: n }, () => (rnd.next() < 0.15 ? null : pick(WORDS)));
  columns.b = arrange(Array.from({ length: n }, () => (rnd.next() < 0.15 ? null : rnd.next() < 0.5)), (v) => arrow.vectorFromArray(v, new arrow.Bool()), true);
  columns.s = arrange(words, (v) => arrow.vectorFromArray(v, new arrow.Utf8()), 'pad');
  columns.d = arrange(words, (v) => arrow.vectorFromArray(v, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())), 'pad');
  columns.ls = arrange(words, (v) => arrow.vectorFromArray(v, new arrow.LargeUtf8()), 'pad');
  columns.ts = arrange(Array.from({ length: n }, (_, i) => (rnd.next() < 0.2 ? null : i * 1000)), (v) => arrow.vectorFromArray(v, new arrow.TimestampMillisecond()), 0);
  columns.nul = arrow.vectorFromArray(Array<null>(n).fill(null), new arrow.Null());
  return new arrow.Table(columns);
}

const NUM_LITS: LiteralValue[] = [
  0, 1, -1, 2, 3, 7, -5, 100, 127, 128, -129, 255, 256, 32767, -32769, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 40, 2 ** 53 + 2,
  0.5, -2.5, 1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300, 3n, -7n, 2n ** 63n - 1n, 2n ** 64n - 1n, -(2n ** 63n), null,
];
const CAST_NUMERIC: CastType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];

function numLit(): LiteralValue {
  return rnd.next() < 0.6 ? rnd.int(-3, 9) : pick(NUM_LITS);
}

function num(d: number): Expr {
  if (d <= 0 || rnd.next() < 0.15) return rnd.next() < 0.85 ? col(pick(ALL_DTYPES)) : lit(numLit());
  const sub = (): Expr => num(d - 1);
  const side = (): Expr => (rnd.next() < 0.4 ? lit(numLit()) : sub());
  switch (rnd.int(0, 9)) {
    case 0:
    case 1: {
      const op = pick(['add', 'sub', 'mul', 'div', 'mod'] as const);
      return rnd.next() < 0.8 ? sub()[op](side()) : lit(numLit())[op](sub());
    }
    case 2: return rnd.next() < 0.5 ? sub().neg() : sub().abs();
    case 3: return sub()[pick(['sqrt', 'exp', 'log', 'log10', 'log2'] as const)]();
    case 4: return sub()[pick(['round', 'floor', 'ceil'] as const)]();
    case 5: return (rnd.next() < 0.8 ? sub() : bool(d - 1)).cast(pick(CAST_NUMERIC));
    case 6: return sub().fillNull(side());
    case 7: {
      const chain = when(bool(d - 1)).then(side());
      return (rnd.next() < 0.5 ? chain.when(bool(d - 1)).then(side()) : chain).otherwise(side());
    }
    case 8: return rnd.next() < 0.5 ? col('nul').add(sub()) : sub().mul(lit(null));
    default: return col(pick(ALL_DTYPES));
  }
}

function str(d: number): Expr {
  if (d <= 0 || rnd.next() < 0.3) return rnd.next() < 0.85 ? col(pick(['s', 'd', 'ls'])) : lit(pick(WORDS));
  switch (rnd.int(0, 4)) {
    case 0: return str(d - 1)[pick(['lower', 'upper'] as const)]();
    case 1: return num(d - 1).cast('string');
    case 2: return str(d - 1).fillNull(rnd.next() < 0.5 ? lit(pick(WORDS)) : str(d - 1));
    case 3: return when(bool(d - 1)).then(str(d - 1)).otherwise(rnd.next() < 0.3 ? lit(null) : str(d - 1));
    default: return col(pick(['s', 'd', 'ls']));
  }
}

function bool(d: number): Expr {
  if (d <= 0 || rnd.next() < 0.15) return rnd.next() < 0.8 ? col('b') : lit(pick([true, false, null]));
  const cmp = pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const);
  switch (rnd.int(0, 11)) {
    case 0:
    case 1: return num(d - 1)[cmp](rnd.next() < 0.5 ? lit(numLit()) : num(d - 1));
    case 2: return rnd.next() < 0.5 ? str(d - 1)[cmp](lit(pick(WORDS))) : lit(pick(WORDS))[cmp](str(d - 1));
    case 3: return str(d - 1)[cmp](str(d - 1));
    case 4: return bool(d - 1)[pick(['and', 'or'] as const)](bool(d - 1));
    case 5: return bool(d - 1).not();
    case 6: {
      const arg = pick([num(d - 1), str(d - 1), bool(d - 1), col('ts'), col('nul')]);
      return rnd.next() < 0.5 ? arg.isNull() : arg.isNotNull();
    }
    case 7: {
      const list = Array.from({ length: rnd.int(0, 12) }, numLit);
      return num(d - 1).isIn(list);
    }
    case 8: {
      const list: LiteralValue[] = Array.from({ length: rnd.int(0, 12) }, () => pick(WORDS));
      if (rnd.next() < 0.3) list.push(null);
      return str(d - 1).isIn(list);
    }
    case 9: return rnd.next() < 0.5 ? num(d - 1).cast('bool') : bool(d - 1).eq(bool(d - 1));
    case 10: return bool(d - 1).fillNull(rnd.next() < 0.5 ? lit(rnd.next() < 0.5) : bool(d - 1));
    default: return when(bool(d - 1)).then(bool(d - 1)).otherwise(bool(d - 1));
  }
}

function randomExpr(): Expr {
  const depth = rnd.int(1, 4);
  const e = pick([num, num, bool, bool, str])(depth);
  return rnd.next() < 0.1 ? e.alias('out') : e;
}

type Outcome = { vector: arrow.Vector } | { error: { name: string; code: unknown; message: string } };

function outcome(f: () => arrow.Vector): Outcome {
  try {
    return { vector: f() };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return { error: { name: err.constructor.name, code: err.code, message: err.message } };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return typeof a === 'number' && typeof b === 'number' ? Object.is(a, b) : a === b;
}

/** Throws with the first difference between two outcomes. */
function expectSame(got: Outcome, want: Outcome, table: arrow.Table, what: string): void {
  if ('error' in want) {
    expect('error' in got ? got.error : 'no error', what).toEqual(want.error);
    return;
  }
  if ('error' in got) throw new Error(`${what}: reference gave a column, evalColumn threw ${got.error.message}`);
  const g = got.vector;
  const w = want.vector;
  expect(String(g.type), what).toBe(String(w.type));
  expect(g.length, what).toBe(w.length);
  if (table.batches.length > 0) expect(g.data.map((d) => d.length), what).toEqual(table.batches.map((b) => b.numRows));
  for (let i = 0; i < w.length; i++) {
    const x = g.get(i) as unknown;
    const y = w.get(i) as unknown;
    if (!sameValue(x, y)) throw new Error(`${what}: row ${i}: evalColumn ${String(x)}, reference ${String(y)}`);
  }
}

/** Compares both walks of evalColumn — whole batches, and small blocks — with the reference. */
function check(expr: Expr, table: arrow.Table): boolean {
  const want = outcome(() => evalExprVector(expr, table));
  expectSame(outcome(() => evalColumn(expr, table)), want, table, `${expr.key} (seed ${seed})`);
  const blockRows = pick([8, 16, 40]);
  expectSame(outcome(() => evalColumn(expr, table, undefined, { blockRows })), want, table, `${expr.key} in blocks of ${blockRows} (seed ${seed})`);
  return 'vector' in want;
}

describe(`evalColumn equals the reference on random expressions (seed ${seed})`, () => {
  for (const n of [0, 1, 37, 300]) {
    it(`${n} rows`, () => {
      const table = randomTable(n);
      let computed = 0;
      const cases = n === 300 ? 700 : 250;
      for (let c = 0; c < cases; c++) if (check(randomExpr(), table)) computed++;
      // Most cases must compute (not just agree on an error), or the comparison says little.
      expect(computed).toBeGreaterThan(cases * 0.4);
    });
  }
});

describe('evalColumn edge cases', () => {
  const t = new arrow.Table({
    x: arrow.vectorFromArray([2.5, -2.5, 0.5, -0.5, 1e10, Number.NaN, -0, null], new arrow.Float64()),
    n: arrow.vectorFromArray([7, -7, 7, -7, 0, 1, 2, 3], new arrow.Int32()),
    z: arrow.vectorFromArray([0, 0, 2, -2, 0, 0, 0, 0], new arrow.Int32()),
    big: arrow.vectorFromArray([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n, -1n, 5n, null, 9n], new arrow.Int64()),
    ubig: arrow.vectorFromArray([2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 0n, 1n, 5n, null, 9n], new arrow.Uint64()),
    s: arrow.vectorFromArray(['a', 'b', null, 'ab', '', 'ÄÖü', 'a', 'zz'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8())),
  });
  const cases: [string, Expr][] = [
    ['int64 against doubles at 2^53 + 1', col('big').gt(2 ** 53)],
    ['int64 equal to a double that rounds onto it', col('big').eq(2 ** 53)],
    ['uint64 against int64', col('ubig').lt(col('big'))],
    ['int64 overflow on add', col('big').add(1)],
    ['int64 overflow on sub', col('big').sub(1)],
    ['int64 overflow on mul', col('big').mul(col('big'))],
    ['uint64 to int64 conversion overflow', col('ubig').add(col('big'))],
    ['literal out of int64', col('big').fillNull(2n ** 63n)],
    ['int64 min / -1', col('big').div(-1)],
    ['int64 div and mod by zero', col('big').div(col('n').sub(col('n'))).fillNull(col('big').mod(0))],
    ['float to int64 cast rounds half away', col('x').mul(1e8).cast('int64')],
    ['NaN cast to int raises CAST', col('x').cast('int16')],
    ['uint64 cast to float32 (double rounding)', col('ubig').cast('float32')],
    ['int64 cast to uint64 raises on negatives', col('big').cast('uint64')],
    ['neg of -0 stays -0 through sqrt', col('z').neg().cast('float64').sqrt()],
    ['dictionary strings against a literal', col('s').ge('ab')],
    ['dictionary isIn with a null in the list', col('s').isIn(['a', null])],
    ['dictionary column comes back as Utf8', col('s')],
    ['when over strings', when(col('n').gt(0)).then(col('s')).otherwise('neg')],
    ['int32 div by zero and overflow order', col('n').div(col('z'))],
    ['mod keeps the sign of the dividend', col('n').mod(col('z').add(3))],
    ['a lone surrogate in a literal goes to the reference', col('s').lt('a\uD800')],
    ['a lone surrogate in an isIn list goes to the reference', col('s').isIn(['\uDC00', 'a'])],
  ];
  for (const [name, expr] of cases) it(name, () => void check(expr, t));

  it('every comparison of a column with a constant on either side, NaN, -0 and Infinity included', () => {
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
      for (const value of [Number.NaN, -0, 0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 7]) {
        check(col('x')[op](value), t);
        check(lit(value)[op](col('x')), t);
        check(col('n')[op](value), t);
        check(lit(value)[op](col('n')), t);
      }
    }
  });

  it('keeps the batches of a many-batch table and passes a plain column through', () => {
    const n = 100_000;
    const a = makeVector('float64', Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i / 7)), { chunks: [40_000, 0, 60_000] });
    const b = makeVector('int32', Array.from({ length: n }, (_, i) => i % 17), { chunks: [n], offset: 3 });
    const table = new arrow.Table({ a, b });
    check(col('a').mul(col('b')).gt(100).and(col('b').lt(5)), table);
    const direct = evalColumn(col('a'), table);
    expect(direct.data[0]!.values).toBe(table.batches[0]!.data.children[0]!.values);
  });

  it('dictionaries with null entries, and a different dictionary per batch', () => {
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16());
    const dictionary = arrow.vectorFromArray(['a', null, 'c'], new arrow.Utf8());
    const first: arrow.Data = arrow.makeData({ type, length: 5, data: Int16Array.of(0, 1, 2, 1, 0), dictionary });
    const second: arrow.Data = arrow.vectorFromArray(['c', 'zz', null], type).data[0]!;
    const table = new arrow.Table({ d: new arrow.Vector([first, second]) });
    for (const expr of [col('d').eq('a'), col('d').isNull(), col('d').isIn(['c', 'zz']), col('d'), col('d').gt(col('d').fillNull('b'))]) check(expr, table);
  });

  it('a table with no batches gives one empty chunk of the result type', () => {
    const empty = new arrow.Table(new arrow.Schema([new arrow.Field('a', new arrow.Int16())]));
    const v = evalColumn(col('a').add(1), empty);
    expect(String(v.type)).toBe('Int16');
    expect(v.length).toBe(0);
    expect(() => evalColumn(col('a').add(2n ** 64n - 1n), empty)).toThrow(/literal = .* overflows int64/);
  });

  it('type errors are the plan errors of exprType', () => {
    expect(outcome(() => evalColumn(col('s').add(1), t))).toEqual(outcome(() => evalExprVector(col('s').add(1), t)));
    expect(() => evalColumn(col('nope'), t)).toThrow(/column 'nope' not found/);
  });
});
