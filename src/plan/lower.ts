/**
 * The optimizer's second stage, lower: turns the simplified logical plan into stages of
 * per-partition tasks (src/plan/stage.ts). Filters, projections and heads become operators of
 * the open stage; an aggregation closes it (partials per partition → tree combine → finalize)
 * and picks its device when the client places work on the GPU: grouped aggregations go to the
 * GPU hash groupby with the stage's filters and projections fused into one expression kernel
 * (gpu-aggregate-plan.ts), whole-frame reductions of numeric columns to the GPU's reduce
 * kernels; what the GPU cannot run stays on the CPU workers, and `why` says so.
 */
import * as arrow from 'apache-arrow';
import type { AggFn } from '../cpu/kernels/group-by.js';
import { exprColumns } from './expr-columns.js';
import { gpuAggregatePlan, type GpuAggregatePlan } from './gpu-aggregate-plan.js';
import { gpuCollectPlan } from './gpu-collect-plan.js';
import { sourceSchema, type AggregateNode, type JoinNode, type PlanNode, type SortNode } from './logical-plan.js';
import { sortKeyKind } from '../cpu/kernels/sort-key-words.js';
import { shuffleSchema } from './shuffle-schema.js';
import type { Shuffle, Stage } from './stage.js';
import { isNumeric, valueTypeOf } from './value-type.js';

export interface LowerOptions {
  /** Whether whole-frame reductions may run on the GPU, and why (for explain()). */
  gpuReductions: { use: boolean; why: string };
}

/** Aggregates the GPU reduce kernels compute. */
const GPU_REDUCE_FNS: ReadonlySet<AggFn> = new Set<AggFn>(['count', 'sum', 'mean', 'min', 'max', 'var', 'std']);

/** The columns a stage's partitions have when read: a scan's outputs and predicate columns, or the previous stage's output. */
function stageInputSchema(stage: Stage): arrow.Schema {
  if (stage.input.kind === 'stage') return stage.input.stage.schema;
  if (stage.input.kind === 'shuffle') return shuffleSchema(stage.input.shuffle);
  const scan = stage.input.scan;
  const needed = new Set(scan.columns);
  if (scan.predicate !== null) exprColumns(scan.predicate, needed);
  return new arrow.Schema(sourceSchema(scan.source).fields.filter((f) => needed.has(f.name)));
}

type Placement = { device: 'cpu' | 'gpu'; why: string; gpuPlan?: GpuAggregatePlan };

function aggregateDevice(node: AggregateNode, stage: Stage, options: LowerOptions): Placement {
  if (!options.gpuReductions.use) return { device: 'cpu', why: options.gpuReductions.why };
  const scanPredicate = stage.input.kind === 'scan' ? stage.input.scan.predicate : null;
  const decision = gpuAggregatePlan(stageInputSchema(stage), scanPredicate, stage.ops, node.keys, node.aggs);
  if (decision.ok) {
    const fused = stage.ops.length > 0 || scanPredicate !== null ? ', filters and expressions fused on the device' : '';
    const what = node.keys.length > 0 ? 'GPU hash groupby' : 'GPU aggregation';
    return { device: 'gpu', why: `${what} (one upload per partition${fused})`, gpuPlan: decision.plan };
  }
  if (node.keys.length > 0) return { device: 'cpu', why: `GPU hash groupby cannot run this: ${decision.why}` };
  // Whole-frame reductions of plain numeric columns can still use the reduce kernels after the
  // stage's operators ran on the CPU.
  const fields = new Map(node.input.schema.fields.map((f) => [f.name, f.type]));
  for (const a of node.aggs) {
    const numeric = a.column !== null && isNumeric(valueTypeOf(fields.get(a.column)!));
    if (!GPU_REDUCE_FNS.has(a.fn) || !numeric) return { device: 'cpu', why: `GPU aggregation cannot run this: ${decision.why}` };
  }
  return { device: 'gpu', why: 'whole-frame numeric reduction: GPU reduce kernels' };
}

function open(stage: Stage): Stage {
  return stage.end.kind === 'collect' ? stage : { input: { kind: 'stage', stage }, ops: [], end: { kind: 'collect' }, schema: stage.schema };
}

/** Default size under which one side of a join is broadcast (`merge(..., { broadcast })` overrides it). */
export const BROADCAST_BYTES = 64e6;

/** The sides a join of this kind can broadcast: the side whose unmatched rows it does not keep. */
function broadcastSides(how: JoinNode['how']): ('left' | 'right')[] {
  switch (how) {
    case 'inner':
      return ['right', 'left'];
    case 'left':
    case 'semi':
    case 'anti':
      return ['right'];
    case 'right':
      return ['left'];
    case 'outer':
      return [];
  }
}

/** The GPU radix sort takes one key of 32 or 64 bits (numbers, dates, booleans); other sorts stay on the CPU. */
function sortDevice(plan: SortNode, options: LowerOptions): { device: 'cpu' | 'gpu'; why: string } {
  if (!options.gpuReductions.use) return { device: 'cpu', why: options.gpuReductions.why };
  if (plan.by.length > 1) return { device: 'cpu', why: 'the GPU radix sort takes one key; several keys sort on the CPU workers' };
  const field = plan.input.schema.fields.find((f) => f.name === plan.by[0]!.column)!;
  if (sortKeyKind(field.type) !== 'words') return { device: 'cpu', why: `the GPU radix sort takes 32- and 64-bit keys, not ${String(field.type)}: it sorts on the CPU workers` };
  return { device: 'gpu', why: 'GPU radix sort of each bucket (the rows are gathered on the host)' };
}

/** A stage that starts from a shuffle's output partitions. */
function afterShuffle(shuffle: Shuffle, schema: arrow.Schema): Stage {
  return { input: { kind: 'shuffle', shuffle }, ops: [], end: { kind: 'collect' }, schema };
}

/**
 * The stages of a simplified plan. A final stage that keeps rows is placed on the GPU when the
 * client places work there and its filters and projections all have kernels.
 */
export function lower(plan: PlanNode, options: LowerOptions): Stage {
  const stage = lowerNode(plan, options);
  if (stage.end.kind !== 'collect' || !options.gpuReductions.use) return stage;
  const scanPredicate = stage.input.kind === 'scan' ? stage.input.scan.predicate : null;
  const decision = gpuCollectPlan(stageInputSchema(stage), scanPredicate, stage.ops, stage.schema);
  return { ...stage, end: decision.ok ? { kind: 'collect', gpuPlan: decision.plan, why: 'filters and expressions on the GPU, rows kept by the compaction kernel' } : { kind: 'collect', why: decision.why } };
}

function lowerNode(plan: PlanNode, options: LowerOptions): Stage {
  switch (plan.kind) {
    case 'scan':
      return { input: { kind: 'scan', scan: plan }, ops: [], end: { kind: 'collect' }, schema: plan.schema };
    case 'filter': {
      const s = open(lowerNode(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'filter', predicate: plan.predicate }], schema: plan.schema };
    }
    case 'project': {
      const s = open(lowerNode(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'project', exprs: plan.exprs }], schema: plan.schema };
    }
    case 'head': {
      const s = open(lowerNode(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'head', n: plan.n }], end: { kind: 'head', n: plan.n }, schema: plan.schema };
    }
    case 'aggregate': {
      const s = open(lowerNode(plan.input, options));
      const { device, why, gpuPlan } = aggregateDevice(plan, s, options);
      const end: Stage['end'] = { kind: 'aggregate', keys: plan.keys, aggs: plan.aggs, orderBy: plan.orderBy, device, why };
      if (gpuPlan !== undefined) end.gpuPlan = gpuPlan;
      return { ...s, end, schema: plan.schema };
    }
    case 'mapPartitions': {
      const s = open(lowerNode(plan.input, options));
      return { ...s, ops: [...s.ops, { kind: 'mapPartitions', fn: plan.fn, schema: plan.schema }], schema: plan.schema };
    }
    case 'join': {
      const sides = broadcastSides(plan.how);
      const broadcastBytes = plan.broadcast === null ? BROADCAST_BYTES : plan.broadcast ? Infinity : 0;
      const spec = { how: plan.how, leftOn: plan.leftOn, rightOn: plan.rightOn, suffixes: plan.suffixes };
      const device = options.gpuReductions.use
        ? { device: 'gpu' as const, why: 'GPU hash join: build and probe kernels make the gather maps, the rows are gathered on the host' }
        : { device: 'cpu' as const, why: options.gpuReductions.why };
      return afterShuffle({ kind: 'join', left: lowerNode(plan.left, options), right: lowerNode(plan.right, options), spec, broadcastSides: sides, broadcastBytes, ...device }, plan.schema);
    }
    case 'distinct':
      return afterShuffle({
        kind: 'distinct', input: lowerNode(plan.input, options), subset: plan.subset, keep: plan.keep,
        device: 'cpu', why: options.gpuReductions.use ? 'dropDuplicates has no GPU kernel yet: the CPU workers find the kept rows' : options.gpuReductions.why,
      }, plan.schema);
    case 'sort':
      return afterShuffle({ kind: 'sort', input: lowerNode(plan.input, options), by: plan.by, nullsLast: plan.nullsLast, ...sortDevice(plan, options) }, plan.schema);
    case 'repartition':
      return afterShuffle({ kind: 'repartition', input: lowerNode(plan.input, options), target: plan.target }, plan.schema);
  }
}
