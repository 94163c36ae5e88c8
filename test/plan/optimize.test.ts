import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { memoryScan } from '../../src/frame/sources/memory-scan.js';
import { filter } from '../../src/frame/verbs/filter.js';
import { assign, rename, select } from '../../src/frame/verbs/project.js';
import { col, lit } from '../../src/plan/expr.js';
import { fuse } from '../../src/plan/fuse.js';
import { planInputs, planLines, type PlanNode, type ScanNode } from '../../src/plan/logical-plan.js';
import { lower } from '../../src/plan/lower.js';
import { foldConstants } from '../../src/plan/optimize/fold-constants.js';
import { simplify } from '../../src/plan/optimize/optimize.js';
import { pruneColumns } from '../../src/plan/optimize/prune-columns.js';
import { pushFilters } from '../../src/plan/optimize/push-filters.js';

function scan(): ScanNode {
  const table = new arrow.Table({
    a: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()),
    b: arrow.vectorFromArray([1.5, 2.5, 3.5], new arrow.Float64()),
    c: arrow.vectorFromArray(['x', 'y', 'z'], new arrow.Utf8()),
    d: arrow.vectorFromArray([true, false, true], new arrow.Bool()),
  });
  return memoryScan([table], 'test');
}

function find(plan: PlanNode, kind: PlanNode['kind']): PlanNode | null {
  if (plan.kind === kind) return plan;
  for (const input of planInputs(plan)) {
    const found = find(input, kind);
    if (found !== null) return found;
  }
  return null;
}

const NO_GPU = { gpuReductions: { use: false, why: 'test' } };

describe('simplify rules, each alone', () => {
  it('push-filters: a filter on a scan becomes its predicate', () => {
    const plan = pushFilters(filter(scan(), col('a').gt(1)));
    expect(plan.kind).toBe('scan');
    expect((plan as ScanNode).predicate?.key).toBe(col('a').gt(1).key);
  });

  it('push-filters: consecutive filters become one conjunction', () => {
    const plan = pushFilters(filter(filter(scan(), col('a').gt(1)), col('b').lt(3)));
    expect((plan as ScanNode).predicate?.key).toBe(col('a').gt(1).and(col('b').lt(3)).key);
  });

  it('push-filters: through a rename, with the names rewritten', () => {
    const plan = pushFilters(filter(rename(scan(), { a: 'x' }), col('x').eq(2)));
    expect(plan.kind).toBe('project');
    const s = find(plan, 'scan') as ScanNode;
    expect(s.predicate?.key).toBe(col('a').eq(2).key);
  });

  it('push-filters: not through a computed column', () => {
    const plan = pushFilters(filter(assign(scan(), { e: col('a').mul(2) }), col('e').gt(2)));
    expect(plan.kind).toBe('filter');
    expect((find(plan, 'scan') as ScanNode).predicate).toBeNull();
  });

  it('prune-columns: scans read only what is used', () => {
    const plan = pruneColumns(select(filter(scan(), col('d')), ['a']));
    const s = find(plan, 'scan') as ScanNode;
    expect(s.columns).toEqual(['a', 'd']);
    expect(plan.schema.fields.map((f) => f.name)).toEqual(['a']);
  });

  it('prune-columns: unused computed columns are dropped', () => {
    const plan = pruneColumns(select(assign(scan(), { e: col('a').mul(2), f: col('b').add(1) }), ['f']));
    const p = find(plan.kind === 'project' ? plan.input : plan, 'project');
    expect(p?.kind === 'project' && p.exprs.map((e) => e.name)).toEqual(['f']);
    expect((find(plan, 'scan') as ScanNode).columns).toEqual(['b']);
  });

  it('fold-constants: boolean identities and a filter that folds to true', () => {
    expect(foldConstants(filter(scan(), col('d').and(lit(true)))).kind).toBe('filter');
    const folded = foldConstants(filter(scan(), col('d').or(lit(true))));
    expect(folded.kind).toBe('scan');
    const f = foldConstants(filter(scan(), col('d').and(lit(false)).not()));
    expect(f.kind).toBe('scan');
  });

  it('the framework names a rule that changes the columns', () => {
    const broken = { name: 'drop-everything', apply: (p: PlanNode): PlanNode => ({ ...p, schema: new arrow.Schema([]) }) };
    expect(() => simplify(scan(), [broken])).toThrow(PlanError);
    expect(() => simplify(scan(), [broken])).toThrow(/drop-everything/);
  });

  it('simplify keeps the root schema and pushes everything it can', () => {
    const plan = select(filter(rename(scan(), { a: 'x' }), col('x').ge(2)), ['x', 'c']);
    const out = simplify(plan);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(plan.schema.fields.map((f) => String(f.type)));
    const s = find(out, 'scan') as ScanNode;
    expect(s.columns).toEqual(['a', 'c']);
    expect(s.predicate?.key).toBe(col('a').ge(2).key);
    expect(planLines(out).join('\n')).toContain('predicate=ge(col("a"),lit(2))');
  });
});

describe('lower and fuse', () => {
  it('a chain becomes one stage whose projections fuse into one', () => {
    const plan = assign(assign(filter(scan(), col('a').gt(1)), { e: col('a').mul(2) }), { f: col('e').add(1) });
    const stage = fuse(lower(simplify(plan), NO_GPU));
    expect(stage.input.kind).toBe('scan');
    expect(stage.ops.map((o) => o.kind)).toEqual(['project']);
    const project = stage.ops[0]!;
    const f = project.kind === 'project' ? project.exprs.find((e) => e.name === 'f') : undefined;
    expect(f?.expr.key).toBe(col('a').mul(2).add(1).key);
  });

  it('filters after a computed column stay after it, and fuse together', () => {
    const plan = filter(filter(assign(scan(), { e: col('a').mul(2) }), col('e').gt(2)), col('e').lt(6));
    const stage = fuse(lower(simplify(plan), NO_GPU));
    expect(stage.ops.map((o) => o.kind)).toEqual(['project', 'filter']);
  });

  it('a head ends its stage; what follows starts a new stage', () => {
    const h: PlanNode = { kind: 'head', input: scan(), n: 2, schema: scan().schema };
    const stage = fuse(lower(simplify(select(h, ['a'])), NO_GPU));
    expect(stage.input.kind).toBe('stage');
    expect(stage.input.kind === 'stage' && stage.input.stage.end).toEqual({ kind: 'head', n: 2 });
  });
});
