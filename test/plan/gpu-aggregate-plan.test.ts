/**
 * gpuAggregatePlan on its own: projections substituted away, every filter ANDed into one
 * predicate over the input columns, computed keys and aggregate inputs deduplicated under device
 * names, only the needed columns uploaded, and a reason naming the operator when the GPU cannot.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { col } from '../../src/plan/expr.js';
import { gpuAggregatePlan } from '../../src/plan/gpu-aggregate-plan.js';
import type { StageOp } from '../../src/plan/stage.js';

const input = new arrow.Schema([
  new arrow.Field('id1', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), true),
  new arrow.Field('id4', new arrow.Int32(), true),
  new arrow.Field('v1', new arrow.Int32(), true),
  new arrow.Field('v3', new arrow.Float64(), true),
  new arrow.Field('s', new arrow.Utf8(), true),
  new arrow.Field('t', new arrow.Date_(arrow.DateUnit.DAY), true),
  new arrow.Field('unused', new arrow.Int64(), true),
]);

describe('gpuAggregatePlan', () => {
  it('folds filters and projections into expressions over the input columns', () => {
    const ops: StageOp[] = [
      { kind: 'filter', predicate: col('v3').gt(10) },
      { kind: 'project', exprs: [{ name: 'k', expr: col('id4').mod(3) }, { name: 'w', expr: col('v1').add(col('id4')) }, { name: 'key', expr: col('id1') }] },
      { kind: 'filter', predicate: col('w').lt(8) },
    ];
    const d = gpuAggregatePlan(input, col('v1').ge(1), ops, ['k', 'key'], [
      { fn: 'sum', column: 'w', name: 'w_sum' }, { fn: 'max', column: 'w', name: 'w_max' }, { fn: 'size', column: null, name: 'n' },
    ]);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const { plan } = d;
    expect(plan.predicate?.key).toBe(col('v1').ge(1).and(col('v3').gt(10)).and(col('v1').add(col('id4')).lt(8)).key);
    expect(plan.computed.map((c) => [c.name, c.expr.key])).toEqual([
      ['__gpu0', col('id4').mod(3).key],
      ['__gpu1', col('v1').add(col('id4')).key], // once, for both aggregates
    ]);
    expect(plan.deviceKeys).toEqual(['__gpu0', 'id1']);
    expect(plan.keyNames).toEqual(['k', 'key']);
    expect(plan.aggs).toEqual([{ fn: 'sum', column: '__gpu1' }, { fn: 'max', column: '__gpu1' }, { fn: 'size', column: null }]);
    expect(plan.columns).toEqual(['id1', 'id4', 'v1', 'v3']);
  });

  it('says why, naming the operator or column, when the GPU cannot run the stage', () => {
    const why = (ops: StageOp[], keys: string[], fn: 'sum' | 'nunique', column: string): string => {
      const d = gpuAggregatePlan(input, null, ops, keys, [{ fn, column, name: 'x' }]);
      return d.ok ? 'ok' : d.why;
    };
    expect(why([{ kind: 'head', n: 5 }], ['id4'], 'sum', 'v1')).toMatch(/head\(\)/);
    expect(why([], ['id4'], 'nunique', 'v1')).toMatch(/nunique\(v1\)/);
    expect(why([], ['v3'], 'sum', 'v1')).toMatch(/float key column 'v3'/);
    expect(why([], ['s'], 'sum', 'v1')).toBe('ok'); // plain strings are interned on upload
    expect(why([], ['t'], 'sum', 'v1')).toMatch(/'t'/);
    expect(why([{ kind: 'filter', predicate: col('s').contains('x') }], ['id4'], 'sum', 'v1')).toMatch(/contains/);
  });
});
