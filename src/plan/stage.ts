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
import type { ShippedFunction } from '../exec/ship-function.js';
import type { AggSpec, JoinNode, ScanNode, SortKey } from './logical-plan.js';

export type StageOp =
  | { kind: 'filter'; predicate: Expr }
  | { kind: 'project'; exprs: { name: string; expr: Expr }[] }
  | { kind: 'head'; n: number }
  | { kind: 'mapPartitions'; fn: ShippedFunction; schema: arrow.Schema };

/**
 * An operation that moves rows between partitions: it runs its input stages to the end, then
 * hands the next stage new partitions (src/exec/shuffle/).
 */
export type Shuffle =
  | {
    kind: 'join';
    left: Stage;
    right: Stage;
    spec: Pick<JoinNode, 'how' | 'leftOn' | 'rightOn' | 'suffixes'>;
    /**
     * Sides that may be broadcast (joined whole to each partition of the other side) for this
     * `how`, in order of preference; empty: both sides are split by key hash.
     */
    broadcastSides: ('left' | 'right')[];
    /** A broadcastable side of at most this many bytes, once computed, is broadcast (Infinity: always; 0: never). */
    broadcastBytes: number;
  } & ShuffleDevice
  | { kind: 'distinct'; input: Stage; subset: string[]; keep: 'first' | 'last' | false } & ShuffleDevice
  | { kind: 'sort'; input: Stage; by: SortKey[]; nullsLast: boolean } & ShuffleDevice
  | { kind: 'repartition'; input: Stage; target: { npartitions: number } | { partitionSize: number } };

/** Where a shuffle's bucket tasks run (the GPU: its kernels on the main thread's device), and why. */
export interface ShuffleDevice {
  device: 'cpu' | 'gpu';
  why: string;
}

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
  input: { kind: 'scan'; scan: ScanNode } | { kind: 'stage'; stage: Stage } | { kind: 'shuffle'; shuffle: Shuffle };
  ops: StageOp[];
  end: StageEnd;
  /** Columns of the stage's output. */
  schema: arrow.Schema;
}

/** How many stages run before `stage` on its longest input path (0 for a stage that reads a scan). */
export function stageDepth(stage: Stage): number {
  const input = stage.input;
  if (input.kind === 'scan') return 0;
  if (input.kind === 'stage') return stageDepth(input.stage) + 1;
  const sh = input.shuffle;
  return (sh.kind === 'join' ? Math.max(stageDepth(sh.left), stageDepth(sh.right)) : stageDepth(sh.input)) + 1;
}
