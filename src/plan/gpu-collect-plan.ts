/**
 * How a stage that keeps rows (filters and projections, then the partitions collected) runs on
 * the GPU: one upload per partition, one expression kernel computing the combined predicate and
 * every computed output column, the compaction kernel keeping the rows where the predicate holds,
 * and one readback of the result. `gpuCollectPlan` decides whether the GPU can run the stage and
 * says why not, for `explain()`.
 */
import type * as arrow from 'apache-arrow';
import { gpuExprSupport } from '../gpu/expr/compile-exprs.js';
import { deviceLayout } from '../gpu/upload-table.js';
import type { Expr } from './expr.js';
import { exprColumns } from './expr-columns.js';
import { foldStage, isColumn, type ComputedColumn } from './gpu-aggregate-plan.js';
import type { StageOp } from './stage.js';

export interface GpuCollectPlan {
  /** Input columns to upload, in input order. */
  columns: string[];
  /** Every filter of the stage ANDed, over input columns; null when none. */
  predicate: Expr | null;
  /** Output columns that are expressions, named `__gpu0`, ... */
  computed: ComputedColumn[];
  /** For each output column (in order), the device column holding it. */
  outputs: { name: string; device: string }[];
}

export type GpuCollectDecision = { ok: true; plan: GpuCollectPlan } | { ok: false; why: string };

/**
 * The GPU plan of a stage reading `input`, applying `scanPredicate` then `ops`, and producing
 * `output` — or why it stays on the CPU (a plain string column, an operator without a kernel).
 *
 * @example
 * const d = gpuCollectPlan(readSchema, scan.predicate, stage.ops, stage.schema);
 */
export function gpuCollectPlan(input: arrow.Schema, scanPredicate: Expr | null, ops: readonly StageOp[], output: arrow.Schema): GpuCollectDecision {
  const folded = foldStage(input, scanPredicate, ops);
  if ('why' in folded) return { ok: false, why: folded.why };
  const { schema, bindings, predicate } = folded;
  if (output.fields.length === 0) return { ok: false, why: 'a stage with no output columns counts rows on the CPU' };
  if (predicate === null && ops.every((op) => op.kind !== 'project')) {
    return { ok: false, why: 'nothing to compute: the partitions are read as they are' };
  }
  const computed: ComputedColumn[] = [];
  const outputs = output.fields.map((f) => {
    const expr = bindings.get(f.name)!;
    const plain = isColumn(expr);
    if (plain !== null) return { name: f.name, device: plain };
    const device = `__gpu${computed.length}`;
    computed.push({ name: device, expr });
    return { name: f.name, device };
  });
  for (const f of output.fields) {
    if (deviceLayout(f.type) === null) return { ok: false, why: `column '${f.name}' of type ${String(f.type)} cannot go to the GPU` };
  }
  for (const e of [...(predicate === null ? [] : [predicate]), ...computed.map((c) => c.expr)]) {
    const support = gpuExprSupport(e, schema);
    if (!support.ok) return { ok: false, why: support.why };
  }
  const used = new Set<string>();
  for (const e of [...(predicate === null ? [] : [predicate]), ...computed.map((c) => c.expr)]) exprColumns(e, used);
  for (const o of outputs) if (schema.has(o.device)) used.add(o.device);
  for (const c of used) {
    const field = input.fields.find((f) => f.name === c)!;
    if (deviceLayout(field.type) === null) return { ok: false, why: `column '${c}' of type ${String(field.type)} cannot go to the GPU` };
  }
  return { ok: true, plan: { columns: input.fields.map((f) => f.name).filter((c) => used.has(c)), predicate, computed, outputs } };
}
