/**
 * How a stage that ends in a grouped aggregation runs on the GPU: its filters and projections
 * are folded into expressions over the stage's input columns (a projection's names substituted
 * away), so one partition costs one upload, one expression kernel that computes the combined
 * predicate and every computed key and aggregate input, and the hash group-by reading the
 * predicate as a mask (no compaction). `gpuAggregatePlan` decides whether the GPU can run the
 * stage at all and says why not, naming the operator and column, for `explain()`.
 */
import * as arrow from 'apache-arrow';
import type { AggRequest } from '../cpu/kernels/group-by.js';
import { gpuExprSupport } from '../gpu/expr/compile-exprs.js';
import { groupBySupport, type ColumnInfo } from '../gpu/kernels/group-by.js';
import { col, type Expr } from './expr.js';
import { substitute, unalias, exprColumns } from './expr-columns.js';
import { exprType, type Schema } from './expr-type.js';
import type { AggSpec } from './logical-plan.js';
import type { StageOp } from './stage.js';
import { arrowTypeOf, valueTypeOf } from './value-type.js';

/** A column the GPU computes from input columns before grouping. */
export interface ComputedColumn {
  name: string;
  expr: Expr;
}

export interface GpuAggregatePlan {
  /** Input columns to upload, in input order. */
  columns: string[];
  /** Every filter of the stage (scan predicate included) ANDed, over input columns; null when none. */
  predicate: Expr | null;
  /** Keys and aggregate inputs that are expressions, named `__gpu0`, `__gpu1`, ... */
  computed: ComputedColumn[];
  /** Device column of each key, in key order (the partial's key columns are renamed to `keyNames`). */
  deviceKeys: string[];
  keyNames: string[];
  /** The aggregates over device columns. */
  aggs: AggRequest[];
}

export type GpuAggregateDecision = { ok: true; plan: GpuAggregatePlan } | { ok: false; why: string };

/** A stage's filters and projections as one predicate and one expression per output name, over its input columns. */
export interface FoldedStage {
  schema: Schema;
  bindings: Map<string, Expr>;
  predicate: Expr | null;
}

/**
 * Folds a stage's operators into expressions over its input columns: each projection's names
 * substituted by their expressions, every filter (and the scan predicate) ANDed into one.
 *
 * @example
 * const folded = foldStage(schema, null, [{ kind: 'project', exprs: [{ name: 'w', expr: col('a').add(1) }] }]);
 */
export function foldStage(input: arrow.Schema, scanPredicate: Expr | null, ops: readonly StageOp[]): FoldedStage | { why: string } {
  const schema: Schema = new Map(input.fields.map((f) => [f.name, valueTypeOf(f.type)]));
  let bindings = new Map<string, Expr>(input.fields.map((f) => [f.name, col(f.name)]));
  const predicates: Expr[] = scanPredicate === null ? [] : [scanPredicate];
  for (const op of ops) {
    switch (op.kind) {
      case 'filter':
        predicates.push(substitute(op.predicate, bindings));
        break;
      case 'project':
        bindings = new Map(op.exprs.map((e) => [e.name, substitute(unalias(e.expr), bindings)]));
        break;
      case 'head':
        return { why: 'a head() in the stage runs on the CPU' };
      case 'mapPartitions':
        return { why: `the user function '${op.fn.name}' (mapPartitions) runs on the CPU workers` };
    }
  }
  return { schema, bindings, predicate: predicates.length === 0 ? null : predicates.reduce((a, b) => a.and(b)) };
}

/** The input column an expression is, or null when it computes something. */
export function isColumn(expr: Expr): string | null {
  return expr.node.kind === 'col' ? expr.node.name : null;
}

/**
 * The GPU plan of a stage reading `input` (the columns a partition has when read), applying
 * `scanPredicate` then `ops`, and aggregating `aggs` by `keys` — or why it stays on the CPU.
 *
 * @example
 * const d = gpuAggregatePlan(scan.schema, scan.predicate, stage.ops, ['id1'], [{ fn: 'sum', column: 'v1', name: 'v1' }]);
 * if (!d.ok) console.log(d.why);
 */
export function gpuAggregatePlan(
  input: arrow.Schema, scanPredicate: Expr | null, ops: readonly StageOp[], keys: readonly string[], aggs: readonly AggSpec[],
): GpuAggregateDecision {
  const folded = foldStage(input, scanPredicate, ops);
  if ('why' in folded) return { ok: false, why: folded.why };
  const { schema, bindings, predicate } = folded;
  const computed: ComputedColumn[] = [];
  const byKey = new Map<string, string>();
  const deviceColumn = (name: string): string => {
    const expr = bindings.get(name)!;
    const plain = isColumn(expr);
    if (plain !== null) return plain;
    let device = byKey.get(expr.key);
    if (device === undefined) {
      device = `__gpu${computed.length}`;
      byKey.set(expr.key, device);
      computed.push({ name: device, expr });
    }
    return device;
  };
  const deviceKeys = keys.map(deviceColumn);
  const deviceAggs = aggs.map((a): AggRequest => ({ fn: a.fn, column: a.column === null ? null : deviceColumn(a.column) }));
  for (const e of [...(predicate === null ? [] : [predicate]), ...computed.map((c) => c.expr)]) {
    const support = gpuExprSupport(e, schema);
    if (!support.ok) return { ok: false, why: support.why };
  }
  const infos: ColumnInfo[] = [
    ...input.fields.map((f) => ({ name: f.name, type: f.type })),
    ...computed.map((c) => ({ name: c.name, type: arrowTypeOf(exprType(c.expr, schema)) })),
  ];
  const support = groupBySupport(infos, deviceKeys, deviceAggs);
  if (!support.ok) return { ok: false, why: support.why };
  const used = new Set<string>();
  for (const e of [...(predicate === null ? [] : [predicate]), ...computed.map((c) => c.expr)]) exprColumns(e, used);
  for (const c of [...deviceKeys, ...deviceAggs.map((a) => a.column)]) if (c !== null && schema.has(c)) used.add(c);
  // A size-only aggregation over no column still needs one column to count rows on the device.
  if (used.size === 0 && input.fields.length > 0) used.add(input.fields[0]!.name);
  return {
    ok: true,
    plan: {
      columns: input.fields.map((f) => f.name).filter((c) => used.has(c)),
      predicate,
      computed,
      deviceKeys,
      keyNames: [...keys],
      aggs: deviceAggs,
    },
  };
}
