/**
 * The task graph the array executor runs: one task per output block of each materialized node
 * (plus the partial and combine tasks of reductions), keyed `<node key>/<block index>`, each
 * naming the tasks whose results it reads. Blocks that need no work (views of the user's data)
 * are in `ready` from the start. A task is built into its kernel task only when its inputs are
 * done, so the blocks travel inside it.
 */
import type { Block } from '../cpu/kernels/array-block.js';
import type { ReducePartial } from '../cpu/kernels/array-reduce.js';
import type { ArrayTask, ArrayTaskResult } from '../cpu/kernels/array-task.js';
import { KernelError } from '../errors.js';

export interface GraphTask {
  key: string;
  deps: string[];
  /** The operator errors name (`add`, `sum`, `matmul`, …). */
  operator: string;
  /** The row-major number of the node's block this task makes (or feeds). */
  block: number;
  /** The kernel task, from the results of `deps`. */
  build(get: (key: string) => ArrayTaskResult): ArrayTask;
}

export interface TaskGraph {
  tasks: Map<string, GraphTask>;
  ready: Map<string, ArrayTaskResult>;
}

/** A reference to one block of a node: the task (or ready value) that makes it, and its shape. */
export interface BlockRef {
  key: string;
  shape: number[];
}

/**
 * The result under `ref` as a block of `ref.shape` (a stacked or concatenated block reuses its
 * input's result with another shape of the same size).
 *
 * @example
 * const block = asBlock(get(ref.key), ref);
 */
export function asBlock(result: ArrayTaskResult, ref: BlockRef): Block {
  if (!('data' in result)) throw new KernelError('ARRAY_GRAPH', `array graph: task ${ref.key} made a reduction partial where a block was expected`);
  return result.shape.length === ref.shape.length && result.shape.every((s, d) => s === ref.shape[d]) ? result : { ...result, shape: ref.shape };
}

/** The result under `key` as a reduction partial. */
export function asPartial(result: ArrayTaskResult, key: string): ReducePartial {
  if ('data' in result) throw new KernelError('ARRAY_GRAPH', `array graph: task ${key} made a block where a reduction partial was expected`);
  return result;
}
