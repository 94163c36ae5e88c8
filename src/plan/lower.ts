/**
 * The optimizer's second stage, lower: turns the simplified logical plan into stages of
 * per-partition tasks (src/plan/stage.ts). Filters, projections and heads become operators of
 * the open stage; an aggregation closes it (partials per partition → tree combine → finalize)
 * and picks its device: whole-frame reductions of numeric columns go to the GPU's reduce
 * kernels when the client places work there; everything else runs on the CPU workers.
 */
import type { AggFn } from '../cpu/kernels/group-by.js';
import type { AggregateNode, PlanNode } from './logical-plan.js';
import type { Stage } from './stage.js';
import { isNumeric, valueTypeOf } from './value-type.js';

export interface LowerOptions {
  /** Whether whole-frame reductions may run on the GPU, and why (for explain()). */
  gpuReductions: { use: boolean; why: string };
}

/** Aggregates the GPU reduce kernels compute. */
const GPU_REDUCE_FNS: ReadonlySet<AggFn> = new Set<AggFn>(['count', 'sum', 'mean', 'min', 'max', 'var', 'std']);

function aggregateDevice(node: AggregateNode, options: LowerOptions): { device: 'cpu' | 'gpu'; why: string } {
  if (!options.gpuReductions.use) return { device: 'cpu', why: options.gpuReductions.why };
  if (node.keys.length > 0) return { device: 'cpu', why: 'grouped aggregation runs on the CPU workers (GPU hash groupby: not yet)' };
  const fields = new Map(node.input.schema.fields.map((f) => [f.name, f.type]));
  for (const a of node.aggs) {
    if (!GPU_REDUCE_FNS.has(a.fn)) return { device: 'cpu', why: `${a.fn} has no GPU kernel` };
    if (a.column === null || !isNumeric(valueTypeOf(fields.get(a.column)!))) return { device: 'cpu', why: `${a.fn}(${a.column ?? '*'}) is not a numeric reduction` };
  }
  return { device: 'gpu', why: 'whole-frame numeric reduction: GPU reduce kernels' };
}

function open(stage: Stage): Stage {
  return stage.end.kind === 'collect' ? stage : { input: { kind: 'stage', stage }, ops: [], end: { kind: 'collect' }, schema: stage.schema };
}

export function lower(plan: PlanNode, options: LowerOptions): Stage {
  switch (plan.kind) {
    case 'scan':
      return { input: { kind: 'scan', scan: plan }, ops: [], end: { kind: 'collect' }, schema: plan.schema };
    case 'filter': {
      const s = open(lower(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'filter', predicate: plan.predicate }], schema: plan.schema };
    }
    case 'project': {
      const s = open(lower(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'project', exprs: plan.exprs }], schema: plan.schema };
    }
    case 'head': {
      const s = open(lower(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'head', n: plan.n }], end: { kind: 'head', n: plan.n }, schema: plan.schema };
    }
    case 'aggregate': {
      const s = open(lower(plan.input, options));
      const { device, why } = aggregateDevice(plan, options);
      return { ...s, end: { kind: 'aggregate', keys: plan.keys, aggs: plan.aggs, orderBy: plan.orderBy, device, why }, schema: plan.schema };
    }
  }
}
