/**
 * Reduction nodes: `sum mean std var min max argmin argmax` over every element or along axes,
 * with `keepdims`. Result dtypes: sum, mean, var and std are float64 (sums accumulate in float64,
 * exact for int32 inputs up to 2^53); min and max keep the input's dtype; argmin and argmax give
 * int32 indices (flat for a full reduction, along the axis otherwise).
 */
import type { ArrayDType } from '../cpu/kernels/array-block.js';
import type { ArrayReduceOp } from '../cpu/kernels/array-reduce.js';
import { PlanError } from '../errors.js';
import { makeNode, type ArrayNode } from './array-node.js';
import { normalizeAxis } from './structure.js';

export interface ReduceOptions {
  /** The axis or axes reduced (default: all of them). argmin/argmax take one axis at most. */
  axis?: number | readonly number[];
  /** Keep each reduced axis with size 1 (default false). */
  keepdims?: boolean;
}

export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is n − ddof (default 0, as numpy). */
  ddof?: number;
}

/**
 * The node of `op` over `x`.
 *
 * @example
 * reduceNode(x, 'mean', { axis: 0, keepdims: true });
 */
export function reduceNode(x: ArrayNode, op: ArrayReduceOp, options: VarianceOptions = {}): ArrayNode {
  const nd = x.shape.length;
  const arg = op === 'argmin' || op === 'argmax';
  const given = options.axis === undefined ? null : typeof options.axis === 'number' ? [options.axis] : [...options.axis];
  if (arg && given !== null && given.length !== 1) throw new PlanError('BAD_AXIS', `${op}: give one axis or none, not ${JSON.stringify(options.axis)}`);
  const axes = given === null ? x.shape.map((_, d) => d) : given.map((a) => normalizeAxis(a, nd, op)).sort((a, b) => a - b);
  if (new Set(axes).size !== axes.length) throw new PlanError('BAD_AXIS', `${op}: axis ${JSON.stringify(options.axis)} repeats an axis`);
  const ddof = options.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0) throw new PlanError('BAD_OPTION', `${op}: ddof must be a non-negative integer, not ${ddof}`);
  if ((op === 'min' || op === 'max' || arg) && axes.some((a) => x.shape[a] === 0)) {
    throw new PlanError('EMPTY_REDUCTION', `${op}: a zero-size reduction (shape [${x.shape.join(', ')}], axes ${axes.join(', ')}) has no identity`);
  }
  if (arg && x.shape.reduce((a, b) => a * b, 1) > 2147483647) {
    throw new PlanError('TOO_LARGE', `${op}: indices of an array of ${x.shape.join(' × ')} elements do not fit the int32 result`);
  }
  const keepdims = options.keepdims === true;
  const shape: number[] = [];
  const chunks: number[][] = [];
  x.shape.forEach((s, d) => {
    if (!axes.includes(d)) {
      shape.push(s);
      chunks.push([...x.chunks[d]!]);
    } else if (keepdims) {
      shape.push(1);
      chunks.push([1]);
    }
  });
  const dtype: ArrayDType = op === 'min' || op === 'max' ? x.dtype : arg ? 'int32' : 'float64';
  return makeNode({ kind: 'reduce', op, axes, keepdims, ddof: op === 'var' || op === 'std' ? ddof : 0 }, [x], shape, chunks, dtype);
}
