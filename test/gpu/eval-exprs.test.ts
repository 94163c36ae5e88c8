/**
 * evalExprs (the `expr` GPU kernel) against its CPU twin evalColumn: random partitions and
 * random expression trees over every operator the GPU takes, several expressions per kernel,
 * plus the hard cases one by one — empty, one row, 127/128/129 rows, all nulls, NaN, ±Infinity,
 * -0, subnormals, int64 extremes (overflow answers `unsupported`, as the CPU raises), integer
 * division by zero, float64 values far outside double-float's range, dictionary equality, and a
 * filter predicate that must select exactly the CPU's rows. Results must match bit for bit
 * (float arithmetic is exact IEEE on the GPU), except exp and the logarithms: 1e-12 relative.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { evalColumn } from '../../src/cpu/kernels/eval-column.js';
import { tableSchema } from '../../src/cpu/kernels/eval-expr.js';
import { downloadColumn } from '../../src/gpu/download-table.js';
import { evalExprs } from '../../src/gpu/kernels/eval-exprs.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { col, lit, when, type Expr } from '../../src/plan/expr.js';
import { makeVector } from '../util/columns.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { checkEach, checkOnGpu, ExprGenerator, randomTable } from './eval-exprs-cases.js';

const seed = testSeed();
const rnd = new Random(seed);
const t = useClient();

async function expectRuns(table: arrow.Table, exprs: Expr[], label: string): Promise<void> {
  const r = await checkOnGpu(t.client.gpu!, table, exprs, label);
  expect(r, label).toEqual({ ran: true });
  t.countGpuCheck();
}

describe('evalExprs matches evalColumn', () => {
  const SIZES = [0, 1, 127, 128, 129, 700, 2000];
  const COLUMN_SETS = [['i32', 'f64', 'i64'], ['f32', 'u32', 'i8'], ['u64', 'f64', 'u16'], ['i32', 'f32', 'u64']];
  SIZES.forEach((n, s) => {
    for (let k = 0; k < 2; k++) {
      const names = COLUMN_SETS[(s * 2 + k) % COLUMN_SETS.length]!;
      it(`${n} rows, random expressions over ${names.join(', ')} (seed ${seed})`, async () => {
        const table = randomTable(rnd, n);
        const gen = new ExprGenerator(rnd, names);
        const schema = tableSchema(table);
        const exprs = [0, 1, 2].map((j) => gen.supported(schema, j));
        await checkEach(t.client.gpu!, table, exprs, `seed ${seed} n=${n}`, 'loose');
        t.countGpuCheck();
      });
    }
  });

  it(`arithmetic, comparisons, logic and when on every numeric type without overflow (seed ${seed})`, async () => {
    const table = randomTable(rnd, 500, { extremeRate: 0 });
    const exprs: Expr[] = [
      col('i32').add(col('i8')).mul(2).sub(col('i32').div(col('i8'))).alias('a'),
      col('f64').mul(col('f32')).div(col('i32')).add(col('f64').sub(0.1)).alias('b'),
      col('f32').add(col('f32')).mul(col('f32')).div(3).alias('c'),
      col('i64').add(col('u32')).sub(col('i8')).alias('d'),
      when(col('f64').gt(col('i64')).and(col('flag').or(col('u16').le(4)))).then(col('f32')).when(col('f64').isNull()).then(-1).otherwise(col('i8')).alias('e'),
    ];
    await expectRuns(table, exprs.slice(0, 3), 'arith 1');
    await expectRuns(table, exprs.slice(3), 'arith 2');
  });

  it(`all nulls (seed ${seed})`, async () => {
    const table = randomTable(rnd, 300, { nullRate: 1 });
    await expectRuns(table, [col('i32').add(col('f64')).alias('a'), col('flag').or(col('u32').gt(1)).alias('b'), col('f64').isNull().and(col('word').ne('apple')).alias('c')], 'nulls');
  });

  it('NaN, ±Infinity, -0 and subnormals in float arithmetic and comparisons', async () => {
    const xs = [Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, -2.2250738585072014e-308, 1e-310, 1, -1.5, Number.MAX_VALUE, 2 ** 53 + 2];
    const a: number[] = [];
    const b: number[] = [];
    for (const x of xs) for (const y of xs) { a.push(x); b.push(y); }
    const table = new arrow.Table({
      a: makeVector('float64', a), b: makeVector('float64', b),
      c: makeVector('float32', a.map(Math.fround)), d: makeVector('float32', b.map(Math.fround)),
    });
    await expectRuns(table, [col('a').add(col('b')).alias('s'), col('a').sub(col('b')).alias('d'), col('a').mul(col('b')).alias('m'), col('a').div(col('b')).alias('q')], 'f64 specials');
    await expectRuns(table, [col('c').add(col('d')).alias('s'), col('c').mul(col('d')).alias('m'), col('c').div(col('d')).alias('q'), col('a').round().alias('r')], 'f32 specials');
    await expectRuns(table, [col('a').mod(col('b')).alias('r'), col('c').mod(col('d')).alias('r32')], 'fmod specials');
    await expectRuns(table, [col('a').sqrt().alias('a'), col('c').sqrt().alias('c'), col('a').floor().alias('f'), col('c').ceil().alias('e')], 'sqrt floor ceil');
    await expectRuns(table, [col('a').eq(col('b')).alias('eq'), col('a').lt(col('b')).alias('lt'), col('c').ge(col('a')).alias('ge'), col('a').isIn([0, Number.NaN]).alias('in')], 'compare specials');
  });

  it(`square roots are correctly rounded (seed ${seed})`, async () => {
    const xs = Array.from({ length: 3000 }, (_, k) => (k < 10 ? [2, 3, 1e-320, 4e-300, 1e300, 0.25, 2 ** 1023, 5e-324, 1 - 2 ** -53, 1 + 2 ** -52][k]! : rnd.next() * 10 ** rnd.int(-30, 30)));
    const table = new arrow.Table({ x: makeVector('float64', xs), i: makeVector('int64', xs.map((_, k) => rnd.bits64(k % 2 === 0))) });
    await expectRuns(table, [col('x').sqrt().alias('s'), col('i').abs().sqrt().alias('t')], 'sqrt');
  });

  it(`float arithmetic on random bit patterns (every exponent, subnormals, NaN payloads) is exact (seed ${seed})`, async () => {
    const n = 2000;
    const f64 = new Float64Array(new BigUint64Array(Array.from({ length: 2 * n }, () => rnd.bits64(false))).buffer);
    const f32 = new Float32Array(new Uint32Array(Array.from({ length: 2 * n }, () => rnd.int(0, 0xffffffff))).buffer);
    const table = new arrow.Table({
      a: makeVector('float64', [...f64.subarray(0, n)]), b: makeVector('float64', [...f64.subarray(n)]),
      c: makeVector('float32', [...f32.subarray(0, n)]), d: makeVector('float32', [...f32.subarray(n)]),
      i: makeVector('int64', Array.from({ length: n }, () => rnd.bits64(true))),
    });
    await expectRuns(table, [col('a').add(col('b')).alias('s'), col('a').sub(col('b')).alias('d'), col('a').mul(col('b')).alias('m'), col('a').div(col('b')).alias('q')], 'f64 bits');
    await expectRuns(table, [col('a').mod(col('b')).alias('r'), col('c').mod(col('d')).alias('r32'), col('a').mod(col('c')).alias('rm')], 'fmod bits');
    await expectRuns(table, [col('c').add(col('d')).alias('s'), col('c').sub(col('d')).alias('d'), col('c').mul(col('d')).alias('m'), col('c').div(col('d')).alias('q')], 'f32 bits');
    await expectRuns(table, [col('a').cast('float32').alias('n'), col('i').cast('float32').alias('j'), col('i').lt(col('a')).alias('l'), col('a').round().alias('r')], 'conversions');
  });

  it(`exp and the logarithms are within 1e-12 relative of Math's (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const special = [0, -0, 1, -1, Number.NaN, Infinity, -Infinity, 2, 8, 1024, 1000, 1e-5, 5e-324, Number.MAX_VALUE, 709.78, 709.79, -745.13, -745.2, 1 + 2 ** -52, 1 - 2 ** -53];
    const xs = [...special, ...Array.from({ length: 1500 }, (_, k) => (k % 2 === 0 ? (rnd.next() - 0.5) * 1500 : rnd.next() * 10 ** rnd.int(-300, 300)))];
    const table = new arrow.Table({ x: makeVector('float64', xs), i: makeVector('int32', xs.map((_, k) => k - 700)) });
    const exprs = [col('x').exp().alias('e'), col('x').log().alias('l'), col('x').log2().alias('l2'), col('x').log10().alias('l10'), col('i').exp().alias('ie')];
    const resident = uploadTable(gpu, table, undefined, 'math');
    try {
      const r = await evalExprs(gpu, resident, exprs, tableSchema(table));
      if ('unsupported' in r) throw new Error(r.unsupported);
      for (const [k, e] of exprs.entries()) {
        const got = new arrow.Vector([await downloadColumn(gpu, r.columns[k]!, table.numRows)]);
        const want = evalColumn(e, table);
        for (let i = 0; i < xs.length; i++) {
          const g = got.get(i) as number;
          const w = want.get(i) as number;
          // 1e-12 relative, or one step of the subnormal grid where that is coarser.
          const ok = Object.is(g, w) || Math.abs(g - w) <= Math.max(1e-12 * Math.abs(w), 5e-324);
          if (!ok) expect(g, `${e.key} of ${String(xs[i])}`).toBe(w);
        }
      }
      r.release();
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });

  it('float64 values far outside double-float range are exact (no fallback needed)', async () => {
    const a = [1e300, 1e-300, 5e-324, 2 ** -1000, 1e308, -3e-320, 2 ** 100 + 2 ** 48];
    const b = [1e10, 1e-20, 0.5, 2 ** -60, 10, 7, 2 ** 100];
    const table = new arrow.Table({ a: makeVector('float64', a), b: makeVector('float64', b) });
    await expectRuns(table, [col('a').mul(col('b')).alias('m'), col('a').div(col('b')).alias('q'), col('a').sub(col('b')).alias('d'), col('a').add(col('b')).gt(col('a')).alias('g')], 'range');
  });

  it('int64 extremes: add and subtract in range are exact, overflow falls back to the CPU (which raises)', async () => {
    const max = 2n ** 63n - 1n;
    const min = -(2n ** 63n);
    const table = new arrow.Table({ x: makeVector('int64', [max - 1n, min + 1n, 0n, null, -5n]), y: makeVector('uint64', [2n ** 64n - 1n, 0n, 2n ** 63n, 1n, null]) });
    await expectRuns(table, [col('x').add(1).alias('a'), col('x').sub(1).alias('b'), col('x').gt(col('y')).alias('c'), col('y').eq(2n ** 64n - 1n).alias('d')], 'i64 ok');
    for (const e of [col('x').add(2), col('x').sub(2), col('y').add(1n), col('x').neg().sub(3), col('y').cast('int64'), col('x').add(2).eq(null), col('x').sub(2).isNull()]) {
      const r = await checkOnGpu(t.client.gpu!, table, [e.alias('o')], 'i64 overflow');
      expect(r.ran, e.key).toBe(false);
      t.countGpuCheck();
    }
  });

  it('integer division and modulo by zero give null; int32 overflow falls back', async () => {
    const table = new arrow.Table({ x: makeVector('int32', [7, -7, 2 ** 31 - 1, -(2 ** 31), null, 0]), y: makeVector('int32', [0, 2, 0, 3, 1, 0]) });
    await expectRuns(table, [col('x').div(col('y')).alias('q'), col('x').mod(col('y')).alias('m'), col('x').div(0).isNull().alias('n')], 'div0');
    const r = await checkOnGpu(t.client.gpu!, table, [col('x').div(-1).alias('o')], 'int32 min / -1');
    expect(r.ran).toBe(false);
    t.countGpuCheck();
  });

  it('dictionary strings compare by code; an absent literal equals nothing', async () => {
    const table = randomTable(rnd, 400);
    await expectRuns(table, [
      col('word').eq('banana').alias('a'), col('word').ne('kiwi').alias('b'),
      col('word').isIn(['apple', 'kiwi', null]).alias('c'), lit('cherry').eq(col('word')).or(col('word').isNull()).alias('d'),
    ], 'dictionary');
    // A dictionary column passed through keeps its codes and the partition's dictionary.
    await expectRuns(table, [col('word').alias('w'), col('word').eq(lit('date')).not().alias('e')], 'dictionary pass-through');
  });

  it(`a filter predicate selects exactly the CPU's rows (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    const table = randomTable(rnd, 1500);
    const predicate = col('f64').between(-100, col('i32')).and(col('word').ne('date')).or(col('i64').isIn([0n, 3n]));
    const resident = uploadTable(gpu, table, undefined, 'filter');
    try {
      const r = await evalExprs(gpu, resident, [predicate], tableSchema(table));
      if ('unsupported' in r) throw new Error(r.unsupported);
      const mask = new arrow.Vector([await downloadColumn(gpu, r.columns[0]!, table.numRows)]);
      r.release();
      const want = evalColumn(predicate, table);
      const rows = (v: arrow.Vector): number[] => [...Array(table.numRows).keys()].filter((i) => v.get(i) === true);
      expect(rows(mask)).toEqual(rows(want));
      expect(rows(want).length).toBeGreaterThan(0);
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });
});
