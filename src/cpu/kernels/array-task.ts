/**
 * The `array` kernel family: every task a chunked array's graph runs, as one tagged union, and
 * `runArrayTask`, which the worker threads (and the main thread, for `scheduler: 'sync'`) call.
 * Input blocks arrive inside the task (shared memory, so nothing is cloned); the result is a
 * block or a reduction partial, also in shared memory. A task that makes a block may carry its
 * `BlockTarget`: memory lent for the block (`out`) and a box of the computed array to copy it
 * into (`place`), so the worker writes into pages the process has touched before and the main
 * thread does not assemble the result afterwards.
 */
import { reviveFunction, type ShippedFunction } from '../../exec/ship-function.js';
import { KernelError } from '../../errors.js';
import {
  ARRAY_DTYPES, type ArrayDType, type Block, type BlockTarget, dtypeOfData, outBlock, sizeOf, stridesOf,
} from './array-block.js';
import { runFused, type FusedTask } from './array-fused.js';
import { copyStrided, runGather, runTranspose, type GatherTask, type TransposeTask } from './array-gather.js';
import { runGenerate, type GenerateTask } from './array-generate.js';
import {
  combinePartials, finishPartial, reducePartial, type ArrayReduceOp, type ReduceFinish, type ReducePartial,
} from './array-reduce.js';
import { matmulBlock } from './matmul-block.js';

/**
 * One block of a reduction: its partial, or the result when the block is the whole reduction
 * (only then does its `BlockTarget` apply; a chain's own `out` holds the block it reduces).
 */
export interface ReduceTask extends BlockTarget {
  kind: 'reduce';
  op: ArrayReduceOp;
  axes: number[];
  /** The block, or the fused chain that makes it (a chain feeding a reduction runs in the same task). */
  input: Block | FusedTask;
  offset: number[];
  arrayShape: number[];
  finish: ReduceFinish | null;
}

/** Merges partials; `finish` makes the result block at the root of the tree. */
export interface CombineTask extends BlockTarget {
  kind: 'combine';
  op: ArrayReduceOp;
  parts: ReducePartial[];
  finish: ReduceFinish | null;
}

/** C_ij = Σ_k A_ik · B_kj for one output block. */
export interface MatmulTask extends BlockTarget {
  kind: 'matmul';
  pairs: [Block, Block][];
  shape: [number, number];
  dtype: ArrayDType;
}

/** A user function on one block (`mapBlocks`), shipped as source text. */
export interface MapBlocksTask extends BlockTarget {
  kind: 'map';
  fn: ShippedFunction;
  input: Block;
  index: number[];
  /** The dtype the result must have (the input's unless mapBlocks was told otherwise). */
  dtype: ArrayDType;
}

export type ArrayTask = FusedTask | GenerateTask | GatherTask | TransposeTask | ReduceTask | CombineTask | MatmulTask | MapBlocksTask;

export type ArrayTaskResult = Block | ReducePartial;

function runMapBlocks(task: MapBlocksTask): Block {
  const what = `mapBlocks: '${task.fn.name}' on block [${task.index.join(', ')}]`;
  const out = reviveFunction(task.fn)({ data: task.input.data, shape: [...task.input.shape], dtype: task.input.dtype }, task.index) as Partial<Block> | null;
  if (typeof out !== 'object' || out === null || !Array.isArray(out.shape)) {
    throw new KernelError('MAP_BLOCKS_RESULT', `${what} must return { data, shape, dtype }`);
  }
  const dtype = dtypeOfData(out.data, what);
  if (out.dtype !== undefined && (!ARRAY_DTYPES.includes(out.dtype) || out.dtype !== dtype)) {
    throw new KernelError('MAP_BLOCKS_RESULT', `${what} returned dtype '${String(out.dtype)}' with a ${out.data!.constructor.name}`);
  }
  if (dtype !== task.dtype) throw new KernelError('MAP_BLOCKS_RESULT', `${what} returned ${dtype} data; the array's dtype is ${task.dtype} (pass { dtype } to mapBlocks)`);
  const same = out.shape.length === task.input.shape.length && out.shape.every((s, d) => s === task.input.shape[d]);
  if (!same || sizeOf(out.shape) !== out.data!.length) {
    throw new KernelError('MAP_BLOCKS_RESULT', `${what} returned shape [${out.shape.join(', ')}] with ${out.data!.length} values; it must keep the block's shape [${task.input.shape.join(', ')}]`);
  }
  // Copied into shared memory: the function may return a view of its input or a plain buffer.
  const block = outBlock(dtype, out.shape, task.out);
  block.data.set(out.data!);
  return block;
}

function runMatmul(task: MatmulTask): Block {
  const out = outBlock(task.dtype, task.shape, task.out);
  // The products add into C: lent memory starts from whatever it held.
  if (task.out !== undefined) out.data.fill(0);
  const [m, n] = task.shape;
  for (const [a, b] of task.pairs) matmulBlock(a.data, b.data, m, a.shape[1]!, n, out.data);
  return out;
}

/**
 * The shape and dtype of the block `task` makes, or null when it makes a reduction partial.
 *
 * @example
 * blockSpec({ kind: 'transpose', input, axes: [1, 0] }); // { shape: [cols, rows], dtype: input.dtype }
 */
export function blockSpec(task: ArrayTask): { shape: number[]; dtype: ArrayDType } | null {
  switch (task.kind) {
    case 'fused':
    case 'generate':
    case 'gather':
    case 'matmul':
      return { shape: [...task.shape], dtype: task.dtype };
    case 'transpose':
      return { shape: task.axes.map((a) => task.input.shape[a]!), dtype: task.input.dtype };
    case 'map':
      return { shape: [...task.input.shape], dtype: task.dtype };
    case 'reduce':
    case 'combine':
      return task.finish === null ? null : { shape: [...task.finish.shape], dtype: task.finish.dtype };
  }
}

/**
 * `result` honouring `task`'s target: a block made elsewhere (the GPU) is copied into `task.out`,
 * and the block is copied into `task.place`. The CPU kernels make their block in `out` already.
 *
 * @example
 * const block = settleBlock(task, await gpuRunner(task));
 */
export function settleBlock(task: ArrayTask, result: ArrayTaskResult): ArrayTaskResult {
  if (!('data' in result)) return result;
  let block = result;
  if (task.out !== undefined && block.data !== task.out) {
    block = outBlock(block.dtype, block.shape, task.out);
    block.data.set(result.data as never);
  }
  if (task.place !== undefined) {
    const { data, base, strides, shape } = task.place;
    if (sizeOf(shape) !== block.data.length) {
      throw new KernelError('ARRAY_OUT', `array block: a block of ${block.data.length} values cannot fill a box of shape [${shape.join(', ')}]`);
    }
    copyStrided(block.data, 0, stridesOf(shape), data, base, strides, shape);
  }
  return block;
}

/**
 * Runs one array task.
 *
 * @example
 * const block = runArrayTask({ kind: 'transpose', input, axes: [1, 0] }) as Block;
 */
export function runArrayTask(task: ArrayTask): ArrayTaskResult {
  return settleBlock(task, runKernel(task));
}

function runKernel(task: ArrayTask): ArrayTaskResult {
  switch (task.kind) {
    case 'fused':
      return runFused(task);
    case 'generate':
      return runGenerate(task);
    case 'gather':
      return runGather(task);
    case 'transpose':
      return runTranspose(task);
    case 'reduce': {
      const block = 'kind' in task.input ? runFused(task.input) : task.input;
      const partial = reducePartial(task.op, block, task.axes, task.offset, task.arrayShape);
      return task.finish === null ? partial : finishPartial(task.op, partial, task.finish, task.out);
    }
    case 'combine': {
      const partial = combinePartials(task.op, task.parts);
      return task.finish === null ? partial : finishPartial(task.op, partial, task.finish, task.out);
    }
    case 'matmul':
      return runMatmul(task);
    case 'map':
      return runMapBlocks(task);
  }
}
