/**
 * The physical plan: a chain of stages. A stage runs one fused task per input partition
 * (read or take the partition, then filter/project/head in one pass), and ends by collecting
 * the partitions, keeping the first rows (head), or aggregating: partials per partition, a tree
 * of merges, and a finalize, on the CPU workers or as GPU reductions.
 */
import type * as arrow from 'apache-arrow';
import type { Expr } from './expr.js';
import type { GpuAggregatePlan } from './gpu-aggregate-plan.js';
import type { GpuCollectPlan } from './gpu-collect-plan.js';
import type { AggSpec, ScanNode } from './logical-plan.js';

export type StageOp =
  | { kind: 'filter'; predicate: Expr }
  | { kind: 'project'; exprs: { name: string; expr: Expr }[] }
  | { kind: 'head'; n: number };

export type StageEnd =
  | {
    kind: 'collect';
    /** How the GPU runs the stage (scheduler 'gpu'), or why not (absent when the GPU was not asked). */
    gpuPlan?: GpuCollectPlan;
    why?: string;
  }
  | { kind: 'head'; n: number }
  | {
    kind: 'aggregate';
    keys: string[];
    aggs: AggSpec[];
    orderBy: { column: string; descending: boolean }[];
    device: 'cpu' | 'gpu';
    why: string;
    /** How the GPU runs a grouped aggregation (absent: whole-frame reductions on the GPU, or the CPU). */
    gpuPlan?: GpuAggregatePlan;
  };

export interface Stage {
  input: { kind: 'scan'; scan: ScanNode } | { kind: 'stage'; stage: Stage };
  ops: StageOp[];
  end: StageEnd;
  /** Columns of the stage's output. */
  schema: arrow.Schema;
}
