/**
 * `ChunkedArray`, the lazy n-d array (dask.array for Node): a thin façade over an `ArrayNode`.
 * Every method builds a new node (checking shapes and types at once, so mistakes throw where
 * they are made) and nothing runs until `compute()`.
 */
import type { ArrayDType } from '../cpu/kernels/array-block.js';
import type { BinaryOp, UnaryOp } from '../cpu/kernels/array-expr.js';
import type { ArrayReduceOp } from '../cpu/kernels/array-reduce.js';
import { PlanError } from '../errors.js';
import type { ArrayNode } from './array-node.js';
import type { ChunksInput } from './chunks.js';
import { computeArrays, type ArrayResult, type ArrayComputeOptions } from './compute-arrays.js';
import { binaryNode, castNode, unaryNode, whereNode, type Operand } from './elementwise.js';
import { reduceNode, type ReduceOptions, type VarianceOptions } from './reduce-node.js';
import {
  concatNode, mapBlocksNode, matmulNode, rechunkNode, sliceNode, stackNode, transposeNode,
} from './structure.js';

/** What elementwise methods take: another array or a number. */
export type ArrayOperand = ChunkedArray | number;

function operand(x: ArrayOperand, what: string): Operand {
  if (typeof x === 'number') return x;
  if (x instanceof ChunkedArray) return x.node;
  throw new PlanError('BAD_OPERAND', `${what}: an operand must be a chunked array or a number, not ${typeof x}`);
}

/** A function `mapBlocks` runs on each block. */
export type BlockFunction = (block: { data: Float32Array | Float64Array | Int32Array; shape: number[]; dtype: ArrayDType }, index: number[]) => {
  data: Float32Array | Float64Array | Int32Array; shape: number[]; dtype?: ArrayDType;
};

/**
 * A lazy, chunked n-d array of float32, float64 or int32, cut into blocks by `chunks`.
 *
 * @example
 * const x = array.random([10000, 10000], { chunks: [2000, 2000], dtype: 'float32', seed: 1 });
 * const { data, shape } = await x.add(1).mean({ axis: 0 }).compute();
 */
export class ChunkedArray {
  /** @internal */
  constructor(readonly node: ArrayNode) {}

  get shape(): number[] { return [...this.node.shape]; }
  /** Block sizes per dimension, e.g. `[[2000, 2000, 1000], [500]]`. */
  get chunks(): number[][] { return this.node.chunks.map((c) => [...c]); }
  get dtype(): ArrayDType { return this.node.dtype; }
  get ndim(): number { return this.node.shape.length; }
  get size(): number { return this.node.shape.reduce((a, b) => a * b, 1); }
  /** The graph key: equal for the same expression built twice. */
  get key(): string { return this.node.key; }

  private bin(op: BinaryOp, other: ArrayOperand): ChunkedArray { return new ChunkedArray(binaryNode(op, this.node, operand(other, op))); }
  private un(op: UnaryOp): ChunkedArray { return new ChunkedArray(unaryNode(op, this.node)); }
  private red(op: ArrayReduceOp, options?: VarianceOptions): ChunkedArray { return new ChunkedArray(reduceNode(this.node, op, options)); }

  /** @example x.add(1).add(y) */
  add(other: ArrayOperand): ChunkedArray { return this.bin('add', other); }
  /** @example x.sub(x.mean()) */
  sub(other: ArrayOperand): ChunkedArray { return this.bin('sub', other); }
  /** @example x.mul(2) */
  mul(other: ArrayOperand): ChunkedArray { return this.bin('mul', other); }
  /** True division (int32 / int32 gives float64). @example x.div(y) */
  div(other: ArrayOperand): ChunkedArray { return this.bin('div', other); }
  /** numpy's `mod`: the sign of the divisor; int32 mod 0 gives 0. @example x.mod(3) */
  mod(other: ArrayOperand): ChunkedArray { return this.bin('mod', other); }
  /** Power, always in floating point (int32 operands give float64). @example x.pow(2) */
  pow(other: ArrayOperand): ChunkedArray { return this.bin('pow', other); }
  /** Elementwise maximum, NaN propagating. @example x.maximum(0) */
  maximum(other: ArrayOperand): ChunkedArray { return this.bin('maximum', other); }
  /** Elementwise minimum, NaN propagating. @example x.minimum(y) */
  minimum(other: ArrayOperand): ChunkedArray { return this.bin('minimum', other); }
  /** Comparisons give int32 0/1. @example x.eq(0) */
  eq(other: ArrayOperand): ChunkedArray { return this.bin('eq', other); }
  /** @example x.ne(y) */
  ne(other: ArrayOperand): ChunkedArray { return this.bin('ne', other); }
  /** @example x.lt(0.5) */
  lt(other: ArrayOperand): ChunkedArray { return this.bin('lt', other); }
  /** @example x.le(y) */
  le(other: ArrayOperand): ChunkedArray { return this.bin('le', other); }
  /** @example x.gt(0) */
  gt(other: ArrayOperand): ChunkedArray { return this.bin('gt', other); }
  /** @example x.ge(y) */
  ge(other: ArrayOperand): ChunkedArray { return this.bin('ge', other); }
  /** @example x.neg() */
  neg(): ChunkedArray { return this.un('neg'); }
  /** @example x.abs() */
  abs(): ChunkedArray { return this.un('abs'); }
  /** @example x.sqrt() */
  sqrt(): ChunkedArray { return this.un('sqrt'); }
  /** @example x.exp() */
  exp(): ChunkedArray { return this.un('exp'); }
  /** Natural logarithm. @example x.log() */
  log(): ChunkedArray { return this.un('log'); }
  /** @example x.sin() */
  sin(): ChunkedArray { return this.un('sin'); }
  /** @example x.cos() */
  cos(): ChunkedArray { return this.un('cos'); }
  /** @example x.tanh() */
  tanh(): ChunkedArray { return this.un('tanh'); }
  /** @example x.floor() */
  floor(): ChunkedArray { return this.un('floor'); }
  /** @example x.ceil() */
  ceil(): ChunkedArray { return this.un('ceil'); }
  /** Half to even, as numpy. @example x.round() */
  round(): ChunkedArray { return this.un('round'); }
  /** Limits to [lo, hi] (numpy's clip: minimum(maximum(x, lo), hi)). @example x.clip(0, 1) */
  clip(lo: ArrayOperand, hi: ArrayOperand): ChunkedArray { return this.maximum(lo).minimum(hi); }
  /** `this` where `cond` is not 0, else `other`. @example x.where(x.gt(0), 0) */
  where(cond: ArrayOperand, other: ArrayOperand): ChunkedArray { return where(cond, this, other); }
  /** Converted to `dtype` (float → int32 truncates toward zero). @example x.astype('float32') */
  astype(dtype: ArrayDType): ChunkedArray { return new ChunkedArray(castNode(this.node, dtype)); }

  /** float64 sum. @example x.sum({ axis: 1 }) */
  sum(options?: ReduceOptions): ChunkedArray { return this.red('sum', options); }
  /** @example x.mean({ axis: 0, keepdims: true }) */
  mean(options?: ReduceOptions): ChunkedArray { return this.red('mean', options); }
  /** Standard deviation, ddof 0 by default. @example x.std({ ddof: 1 }) */
  std(options?: VarianceOptions): ChunkedArray { return this.red('std', options); }
  /** Variance, ddof 0 by default. @example x.var() */
  var(options?: VarianceOptions): ChunkedArray { return this.red('var', options); }
  /** @example x.min() */
  min(options?: ReduceOptions): ChunkedArray { return this.red('min', options); }
  /** @example x.max({ axis: 1 }) */
  max(options?: ReduceOptions): ChunkedArray { return this.red('max', options); }
  /** int32 index of the first minimum (flat, or along `axis`). @example x.argmin({ axis: 0 }) */
  argmin(options?: { axis?: number; keepdims?: boolean }): ChunkedArray { return this.red('argmin', options); }
  /** @example x.argmax() */
  argmax(options?: { axis?: number; keepdims?: boolean }): ChunkedArray { return this.red('argmax', options); }

  /** Axes reversed. @example x.T.matmul(x) */
  get T(): ChunkedArray { return this.transpose(); }
  /** @example x.transpose([1, 0, 2]) */
  transpose(axes?: readonly number[]): ChunkedArray { return new ChunkedArray(transposeNode(this.node, axes)); }
  /** Matrix product of 2-d arrays. @example a.matmul(b) */
  matmul(other: ChunkedArray): ChunkedArray { return new ChunkedArray(matmulNode(this.node, other.node)); }
  /** @example x.rechunk([5000, 5000]) */
  rechunk(chunks: ChunksInput): ChunkedArray { return new ChunkedArray(rechunkNode(this.node, chunks)); }
  /** `[[start, stop, step?], …]` per dimension, numpy's rules (null for a default). @example x.slice([[0, 100], [null, null, -1]]) */
  slice(ranges: readonly (readonly (number | null | undefined)[])[]): ChunkedArray { return new ChunkedArray(sliceNode(this.node, ranges)); }
  /**
   * `fn` on every block, in the workers; shipped as source text, so it may not use variables
   * from around it. It must keep the block's shape; `dtype` says what it returns.
   *
   * @example
   * x.mapBlocks((b) => ({ data: b.data.map((v) => v * 2), shape: b.shape }));
   */
  mapBlocks(fn: BlockFunction, options: { dtype?: ArrayDType } = {}): ChunkedArray {
    return new ChunkedArray(mapBlocksNode(this.node, fn, options.dtype ?? this.dtype));
  }

  /** Runs the graph: `{ data, shape, dtype }`. @example const { data } = await x.sum().compute(); */
  async compute(options: ArrayComputeOptions = {}): Promise<ArrayResult> {
    const [result] = await computeArrays([this.node], options);
    return result!;
  }
}

/**
 * `a` where `cond` is not 0, else `b`, broadcasting all three.
 *
 * @example
 * array.where(x.gt(0), x, 0);
 */
export function where(cond: ArrayOperand, a: ArrayOperand, b: ArrayOperand): ChunkedArray {
  if (![cond, a, b].some((x) => x instanceof ChunkedArray)) throw new PlanError('BAD_OPERAND', 'where: give at least one chunked array');
  return new ChunkedArray(whereNode(operand(cond, 'where'), operand(a, 'where'), operand(b, 'where')));
}

/** @example array.concat([a, b], 0) */
export function concat(arrays: readonly ChunkedArray[], axis = 0): ChunkedArray {
  return new ChunkedArray(concatNode(arrays.map((x) => x.node), axis));
}

/** @example array.stack([a, b], 0) */
export function stack(arrays: readonly ChunkedArray[], axis = 0): ChunkedArray {
  return new ChunkedArray(stackNode(arrays.map((x) => x.node), axis));
}
