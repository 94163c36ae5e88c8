/**
 * Row-group skipping is sound (a group with a matching row is never skipped: checked by
 * evaluating the predicate on every row of random groups) and useful (groups outside a range
 * are skipped).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { evalExpr } from '../../src/cpu/kernels/eval-expr.js';
import { col, type Expr } from '../../src/plan/expr.js';
import { rowGroupMayMatch, type ColumnStats, type RowGroupStats } from '../../src/plan/row-group-filter.js';
import { Random, testSeed } from '../util/random.js';

type Cell = number | bigint | string | null;

/** Statistics as a writer records them: NaN left out of min/max. */
function statsOf(columns: Record<string, Cell[]>, floats: Set<string>): RowGroupStats {
  const numRows = Object.values(columns)[0]!.length;
  const byName = new Map<string, ColumnStats>();
  for (const [name, cells] of Object.entries(columns)) {
    const present = cells.filter((c) => c !== null && !(typeof c === 'number' && Number.isNaN(c))) as Exclude<Cell, null>[];
    let min: Exclude<Cell, null> | null = null;
    let max: Exclude<Cell, null> | null = null;
    for (const c of present) {
      if (min === null || c < min) min = c;
      if (max === null || c > max) max = c;
    }
    byName.set(name, { min, max, nullCount: cells.filter((c) => c === null).length, float: floats.has(name) });
  }
  return { numRows, column: (name) => byName.get(name) };
}

describe('rowGroupMayMatch', () => {
  const seed = testSeed();
  it(`never skips a group that has a matching row (seed ${seed})`, () => {
    const rnd = new Random(seed);
    let skipped = 0;
    for (let trial = 0; trial < 400; trial++) {
      const rows = rnd.int(1, 12);
      const base = rnd.int(-20, 20);
      const cells = {
        i: Array.from({ length: rows }, () => (rnd.next() < 0.15 ? null : base + rnd.int(0, 8))),
        f: Array.from({ length: rows }, () => (rnd.next() < 0.1 ? null : rnd.next() < 0.1 ? Number.NaN : base + rnd.next() * 8)),
        s: Array.from({ length: rows }, () => (rnd.next() < 0.1 ? null : String.fromCharCode(97 + rnd.int(0, 5)))),
        b: Array.from({ length: rows }, () => (rnd.next() < 0.1 ? null : BigInt(base + rnd.int(0, 8)))),
      };
      const table = new arrow.Table({
        i: arrow.vectorFromArray(cells.i, new arrow.Int32()),
        f: arrow.vectorFromArray(cells.f, new arrow.Float64()),
        s: arrow.vectorFromArray(cells.s, new arrow.Utf8()),
        b: arrow.vectorFromArray(cells.b, new arrow.Int64()),
      });
      const stats = statsOf(cells, new Set(['f']));
      const k = rnd.int(-25, 30);
      const letter = String.fromCharCode(96 + rnd.int(0, 7));
      const predicates: Expr[] = [
        col('i').eq(k), col('i').ne(k), col('i').lt(k), col('i').le(k), col('i').gt(k), col('i').ge(k),
        col('f').gt(k), col('f').lt(k + 0.5), col('f').eq(k), col('f').ne(k), col('f').ge(Number.NaN), col('f').eq(Number.NaN),
        col('s').eq(letter), col('s').gt(letter), col('s').le(letter),
        col('b').lt(BigInt(k)), col('b').eq(k), col('b').ge(k),
        col('i').between(k, k + 2), col('i').isIn([k, k + 10]), col('i').isNull(), col('f').isNotNull(),
        col('i').gt(k).and(col('f').lt(k)), col('i').lt(k).or(col('s').eq(letter)),
      ];
      for (const p of predicates) {
        const matches = evalExpr(p, table).values.some((v) => v === true);
        const maybe = rowGroupMayMatch(p, stats);
        if (matches && !maybe) throw new Error(`skipped a matching group: ${p.key} over ${JSON.stringify(cells, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
        if (!maybe) skipped++;
      }
    }
    expect(skipped).toBeGreaterThan(1000);
  });

  it('skips groups a range predicate rules out, and keeps float groups that may hold NaN', () => {
    const stats: RowGroupStats = {
      numRows: 100,
      column: (name) => (name === 'x' ? { min: 10, max: 20, nullCount: 0, float: false } : { min: 10, max: 20, nullCount: 5, float: true }),
    };
    expect(rowGroupMayMatch(col('x').gt(20), stats)).toBe(false);
    expect(rowGroupMayMatch(col('x').ge(20), stats)).toBe(true);
    expect(rowGroupMayMatch(col('x').lt(10), stats)).toBe(false);
    expect(rowGroupMayMatch(col('x').eq(15).and(col('x').gt(30)), stats)).toBe(false);
    expect(rowGroupMayMatch(col('x').isNull(), stats)).toBe(false);
    expect(rowGroupMayMatch(col('x').isIn([1, 2, 30]), stats)).toBe(false);
    expect(rowGroupMayMatch(col('f').gt(20), stats)).toBe(true); // a NaN row would match
    expect(rowGroupMayMatch(col('f').lt(10), stats)).toBe(false);
    expect(rowGroupMayMatch(col('x').eq(null), stats)).toBe(false);
  });
});
