/**
 * evalExprs over partitions larger than one storage binding: a 4 KiB binding cap makes every
 * table here span many row windows (512 rows when a column is 8 bytes a row, 1024 when all are
 * 4), and a two-word result beside 4-byte inputs is written through two bindings per window.
 * Results must still equal evalColumn's, and every buffer must go back to the pool.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { tableSchema } from '../../src/cpu/kernels/eval-expr.js';
import { evalExprs } from '../../src/gpu/kernels/eval-exprs.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { col, when } from '../../src/plan/expr.js';
import { makeVector } from '../util/columns.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { checkEach, checkOnGpu, ExprGenerator, randomTable, randomValue } from './eval-exprs-cases.js';

const seed = testSeed();
const rnd = new Random(seed);
const t = useClient({ maxBindingSize: 4096 });

describe('evalExprs over many binding windows', () => {
  it('the device reports the binding cap', () => {
    expect(t.client.gpu?.maxBindingSize).toBe(4096);
  });

  for (const names of [['i32', 'f64', 'i64'], ['f32', 'u64', 'i8']]) {
    it(`random expressions over ${names.join(', ')}, thousands of rows (seed ${seed})`, async () => {
      const table = randomTable(rnd, rnd.int(2500, 5000));
      const gen = new ExprGenerator(rnd, names);
      const exprs = [0, 1, 2].map((j) => gen.supported(tableSchema(table), j));
      await checkEach(t.client.gpu!, table, exprs, `windows seed ${seed}`, 'loose');
      t.countGpuCheck();
    });
  }

  it(`float64 and int64 results beside 4-byte inputs go through split bindings (seed ${seed})`, async () => {
    const n = rnd.int(3000, 4000);
    const table = new arrow.Table({
      i: makeVector('int32', Array.from({ length: n }, () => randomValue(rnd, 'int32', { extremeRate: 0 }))),
      f: makeVector('float32', Array.from({ length: n }, () => randomValue(rnd, 'float32', {}))),
      flag: arrow.vectorFromArray(Array.from({ length: n }, (_, k) => (k % 7 === 0 ? null : k % 3 === 0)), new arrow.Bool()),
    });
    const gpu = t.client.gpu!;
    const resident = uploadTable(gpu, table, undefined, 'split');
    expect(resident.windowRows * 8).toBeGreaterThan(gpu.maxBindingSize);
    resident.release();
    const r = await checkOnGpu(gpu, table, [
      col('f').cast('float64').mul(col('i')).alias('wide'),
      col('i').cast('int64').sub(col('i')).add(7).alias('i64'),
      when(col('flag')).then(col('f')).otherwise(col('i')).alias('narrow'),
    ], 'split');
    expect(r).toEqual({ ran: true });
    t.countGpuCheck();
  });

  it('every buffer goes back to the pool, and a rerun reuses them', async () => {
    const gpu = t.client.gpu!;
    const table = randomTable(rnd, 3000, { extremeRate: 0 });
    const exprs = [col('f64').add(col('i32')).alias('a'), col('word').eq('apple').and(col('flag')).alias('b')];
    const before = gpu.pool.snapshot();
    for (let k = 0; k < 2; k++) {
      const resident = uploadTable(gpu, table, undefined, 'pool');
      const r = await evalExprs(gpu, resident, exprs, tableSchema(table));
      if ('unsupported' in r) throw new Error(r.unsupported);
      expect(r.columns.map((c) => c.windows.length)).toEqual([6, 6]);
      r.release();
      resident.release();
    }
    expect(gpu.pool.snapshot().bytesInUse).toBe(before.bytesInUse);
    t.countGpuCheck();
  });
});
