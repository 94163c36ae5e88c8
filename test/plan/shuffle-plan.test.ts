/**
 * The planner around the shuffle layer: projection pushdown through a join keeps the keys and
 * the suffixes stable, filters move below sorts and repartitions but not below joins or
 * dropDuplicates, lowering makes a shuffle stage with the sides a join may broadcast, and
 * explain() says what each shuffle does. Also the verbs' argument checks.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PlanError, SchemaError } from '../../src/errors.js';
import { explainStages } from '../../src/frame/explain.js';
import { memoryScan } from '../../src/frame/sources/memory-scan.js';
import { dropDuplicates } from '../../src/frame/verbs/drop-duplicates.js';
import { filter } from '../../src/frame/verbs/filter.js';
import { merge } from '../../src/frame/verbs/merge.js';
import { repartition } from '../../src/frame/verbs/repartition.js';
import { select } from '../../src/frame/verbs/project.js';
import { sortValues } from '../../src/frame/verbs/sort-values.js';
import { col } from '../../src/plan/expr.js';
import { fuse } from '../../src/plan/fuse.js';
import type { PlanNode, ScanNode } from '../../src/plan/logical-plan.js';
import { lower } from '../../src/plan/lower.js';
import { simplify } from '../../src/plan/optimize/optimize.js';

function scan(names: Record<string, arrow.DataType>, label: string): ScanNode {
  const columns: Record<string, arrow.Vector> = {};
  for (const [n, t] of Object.entries(names)) columns[n] = arrow.vectorFromArray([], t);
  return memoryScan([new arrow.Table(columns)], label);
}

const left = (): ScanNode => scan({ id: new arrow.Int32(), v: new arrow.Float64(), a: new arrow.Utf8(), only: new arrow.Int8() }, 'left');
const right = (): ScanNode => scan({ id: new arrow.Int64(), v: new arrow.Float64(), b: new arrow.Bool() }, 'right');
const NO_GPU = { gpuReductions: { use: false, why: 'test' } };

function columnsOf(plan: PlanNode, kind: 'left' | 'right'): string[] {
  const join = plan.kind === 'project' ? plan.input : plan;
  if (join.kind !== 'join') throw new Error(`expected a join, got ${join.kind}`);
  const side = kind === 'left' ? join.left : join.right;
  return side.schema.fields.map((f) => f.name);
}

describe('shuffle operators in the planner', () => {
  it('merge names columns: the key once, clashing names suffixed', () => {
    const j = merge(left(), right(), { on: 'id', how: 'inner' });
    expect(j.schema.fields.map((f) => f.name)).toEqual(['id', 'v_x', 'a', 'only', 'v_y', 'b']);
    const k = merge(left(), right(), { leftOn: 'id', rightOn: 'id', how: 'semi' });
    expect(k.schema.fields.map((f) => f.name)).toEqual(['id', 'v', 'a', 'only']);
  });

  it('projection pushdown keeps the join keys and both sides of a suffixed pair', () => {
    const plan = simplify(select(merge(left(), right(), { on: 'id' }), ['v_y']));
    expect(columnsOf(plan, 'left')).toEqual(['id', 'v']);
    expect(columnsOf(plan, 'right')).toEqual(['id', 'v']);
    const other = simplify(select(merge(left(), right(), { on: 'id' }), ['b', 'only']));
    expect(columnsOf(other, 'left')).toEqual(['id', 'only']);
    expect(columnsOf(other, 'right')).toEqual(['id', 'b']);
  });

  it('filters move below sorts and repartitions, not below joins or dropDuplicates', () => {
    const sorted = simplify(filter(sortValues(left(), 'v', {}), col('v').gt(1)));
    expect(sorted.kind).toBe('sort');
    expect(sorted.kind === 'sort' && sorted.input.kind === 'scan' && sorted.input.predicate?.key).toBeTruthy();
    const parts = simplify(filter(repartition(left(), { npartitions: 3 }), col('v').gt(1)));
    expect(parts.kind).toBe('repartition');
    expect(simplify(filter(dropDuplicates(left(), { subset: 'a' }), col('v').gt(1))).kind).toBe('filter');
    expect(simplify(filter(merge(left(), right(), { on: 'id', how: 'left' }), col('b'))).kind).toBe('filter');
  });

  it('lowering: a shuffle stage over both sides; broadcastable sides by join kind; explain says so', () => {
    for (const [how, sides] of [['inner', ['right', 'left']], ['left', ['right']], ['right', ['left']], ['outer', []], ['anti', ['right']]] as const) {
      const stage = fuse(lower(simplify(merge(left(), right(), { on: 'id', how })), NO_GPU));
      expect(stage.input.kind).toBe('shuffle');
      if (stage.input.kind !== 'shuffle' || stage.input.shuffle.kind !== 'join') throw new Error('expected a join shuffle');
      expect(stage.input.shuffle.broadcastSides).toEqual(sides);
    }
    const text = explainStages(fuse(lower(simplify(merge(left(), right(), { on: 'id', broadcast: false })), NO_GPU)));
    expect(text).toMatch(/merge inner on \[id\] of stage 1 and stage 2/);
    expect(text).toMatch(/hash shuffle/);
    expect(explainStages(fuse(lower(simplify(sortValues(left(), ['a', 'v'], { ascending: [true, false] })), NO_GPU)))).toMatch(/sortValues by \[a, v desc\]/);
  });

  it('checks arguments when the plan is built', () => {
    expect(() => merge(left(), right(), { on: 'nope' })).toThrow(SchemaError);
    expect(() => merge(left(), right(), { leftOn: 'a', rightOn: 'id' })).toThrow(/JOIN_KEY_TYPE|cannot compare/);
    expect(() => merge(left(), right(), {})).toThrow(PlanError);
    expect(() => merge(left(), right(), { on: 'id', how: 'cross' as never })).toThrow(/how must be/);
    expect(() => merge(left(), right(), { on: 'id', suffixes: ['_a', '_a'] })).toThrow(/suffixes/);
    expect(() => dropDuplicates(left(), { keep: 'middle' as never })).toThrow(/keep/);
    expect(() => sortValues(left(), ['a', 'v'], { ascending: [true] })).toThrow(/ascending/);
    expect(() => sortValues(left(), 'zz', {})).toThrow(SchemaError);
    expect(() => repartition(left(), {})).toThrow(/exactly one/);
    expect(() => repartition(left(), { npartitions: 0 })).toThrow(/positive/);
  });
});
