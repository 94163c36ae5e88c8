/**
 * Nodes that move elements without computing on them: rechunk, transpose, slice (ranges with
 * steps, negative steps too), concat and stack; and the two that run user or linear-algebra
 * code per block: matmul (blocks aligned on the inner dimension by rechunking) and mapBlocks.
 */
import type { ArrayDType } from '../cpu/kernels/array-block.js';
import { PlanError } from '../errors.js';
import { shipFunction } from '../exec/ship-function.js';
import { makeNode, type ArrayNode, type SliceDim } from './array-node.js';
import { chunkOffsets, normalizeChunks, refineChunks, sameChunks, type ChunksInput } from './chunks.js';
import { castNode, promote } from './elementwise.js';

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * `x` cut into `chunks` (the same node when nothing changes).
 *
 * @example
 * rechunkNode(x, [5000, 5000]);
 */
export function rechunkNode(x: ArrayNode, chunks: ChunksInput): ArrayNode {
  const target = normalizeChunks(x.shape, chunks, x.dtype, 'rechunk');
  if (sameChunks(target, x.chunks)) return x;
  return makeNode({ kind: 'rechunk' }, [x], x.shape, target, x.dtype);
}

/** A valid axis of an array of `nd` dimensions (negative counts from the end). */
export function normalizeAxis(axis: number, nd: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) {
    throw new PlanError('BAD_AXIS', `${what}: axis ${axis} is out of range for an array of ${nd} dimension(s)`);
  }
  return axis < 0 ? axis + nd : axis;
}

/**
 * `x` with its axes permuted (reversed by default).
 *
 * @example
 * transposeNode(x); // x.T
 */
export function transposeNode(x: ArrayNode, axes?: readonly number[]): ArrayNode {
  const nd = x.shape.length;
  const perm = axes === undefined ? x.shape.map((_, d) => nd - 1 - d) : axes.map((a) => normalizeAxis(a, nd, 'transpose'));
  if (perm.length !== nd || new Set(perm).size !== nd) {
    throw new PlanError('BAD_AXIS', `transpose: axes ${JSON.stringify(axes)} are not a permutation of ${nd} axes`);
  }
  if (perm.every((a, d) => a === d)) return x;
  return makeNode({ kind: 'transpose', axes: perm }, [x], perm.map((a) => x.shape[a]!), perm.map((a) => x.chunks[a]!), x.dtype);
}

/** One dimension's range, as Python's `slice(start, stop, step).indices(size)`. */
function sliceDim(range: readonly (number | null | undefined)[] | undefined, size: number, d: number): SliceDim {
  const [start, stop, step = 1] = range ?? [];
  const s = step ?? 1;
  if (!Number.isInteger(s) || s === 0) throw new PlanError('BAD_SLICE', `slice: dimension ${d}: step must be a non-zero integer, not ${s}`);
  for (const v of [start, stop]) {
    if (v !== undefined && v !== null && !Number.isInteger(v)) throw new PlanError('BAD_SLICE', `slice: dimension ${d}: bounds must be integers, not ${v}`);
  }
  const clamp = (v: number | null | undefined, fallback: number, lo: number, hi: number): number => {
    if (v === undefined || v === null) return fallback;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, lo), hi);
  };
  const first = s > 0 ? clamp(start, 0, 0, size) : clamp(start, size - 1, -1, size - 1);
  const end = s > 0 ? clamp(stop, size, 0, size) : clamp(stop, -1, -1, size - 1);
  const count = Math.max(0, Math.ceil((end - first) / s));
  return { start: first, step: s, count };
}

/**
 * Where output element k of a sliced dimension comes from, grouped into output blocks that
 * each lie inside one input block (so a slice keeps the input's block structure).
 */
export function sliceChunks(dim: SliceDim, inChunks: readonly number[]): number[] {
  if (dim.count === 0) return [0];
  const offsets = chunkOffsets(inChunks);
  const blockOf = (i: number): number => {
    let b = 0;
    while (b + 1 < offsets.length && offsets[b + 1]! <= i) b++;
    return b;
  };
  const out: number[] = [];
  let prev = -1;
  for (let k = 0; k < dim.count; k++) {
    const b = blockOf(dim.start + k * dim.step);
    if (b === prev) out[out.length - 1]!++;
    else out.push(1);
    prev = b;
  }
  return out;
}

/**
 * `x[start:stop:step, …]`: one `[start, stop, step?]` per dimension (null for a default;
 * dimensions not given are kept whole).
 *
 * @example
 * sliceNode(x, [[0, 100], [null, null, -2]]);
 */
export function sliceNode(x: ArrayNode, ranges: readonly (readonly (number | null | undefined)[])[]): ArrayNode {
  if (!Array.isArray(ranges) || ranges.length > x.shape.length) {
    throw new PlanError('BAD_SLICE', `slice: give at most one [start, stop, step?] per dimension (${x.shape.length}) of shape ${shapeText(x.shape)}`);
  }
  const dims = x.shape.map((size, d) => sliceDim(ranges[d], size, d));
  const chunks = dims.map((dim, d) => sliceChunks(dim, x.chunks[d]!));
  return makeNode({ kind: 'slice', dims }, [x], dims.map((dim) => dim.count), chunks, x.dtype);
}

/** The operands cast to their common dtype and cut alike on every dimension but `skip`. */
function aligned(xs: readonly ArrayNode[], skip: number, what: string): ArrayNode[] {
  if (xs.length === 0) throw new PlanError('BAD_OPERAND', `${what}: give at least one array`);
  const dtype: ArrayDType = promote(xs.map((x) => x.dtype));
  const nd = xs[0]!.shape.length;
  for (const x of xs) {
    const differs = x.shape.length !== nd || x.shape.some((s, d) => d !== skip && s !== xs[0]!.shape[d]);
    if (differs) throw new PlanError('SHAPE_MISMATCH', `${what}: shapes ${xs.map((y) => shapeText(y.shape)).join(' and ')} differ outside axis ${skip}`);
  }
  const chunks = xs[0]!.shape.map((_, d) => (d === skip ? null : refineChunks(xs.map((x) => x.chunks[d]!))));
  return xs.map((x) => rechunkNode(castNode(x, dtype), x.chunks.map((c, d) => chunks[d] ?? c)));
}

/**
 * The arrays joined along an existing axis.
 *
 * @example
 * concatNode([a, b], 0);
 */
export function concatNode(xs: readonly ArrayNode[], axis: number): ArrayNode {
  if (xs.length > 0 && xs[0]!.shape.length === 0) throw new PlanError('BAD_AXIS', 'concat: 0-d arrays cannot be concatenated; stack them');
  const ax = normalizeAxis(axis, xs[0]?.shape.length ?? 0, 'concat');
  const parts = aligned(xs, ax, 'concat');
  const shape = [...parts[0]!.shape];
  shape[ax] = parts.reduce((acc, x) => acc + x.shape[ax]!, 0);
  const along = parts.flatMap((x) => (x.shape[ax] === 0 ? [] : x.chunks[ax]!));
  const chunks = parts[0]!.chunks.map((c, d) => (d === ax ? (along.length === 0 ? [0] : along) : c));
  return makeNode({ kind: 'concat', axis: ax }, parts, shape, chunks, parts[0]!.dtype);
}

/**
 * The arrays (all of one shape) stacked along a new axis.
 *
 * @example
 * stackNode([a, b], 0); // shape [2, ...a.shape]
 */
export function stackNode(xs: readonly ArrayNode[], axis: number): ArrayNode {
  const ax = normalizeAxis(axis, (xs[0]?.shape.length ?? 0) + 1, 'stack');
  const parts = aligned(xs, -1, 'stack');
  const shape = [...parts[0]!.shape];
  shape.splice(ax, 0, parts.length);
  const chunks = parts[0]!.chunks.map((c) => [...c]);
  chunks.splice(ax, 0, parts.map(() => 1));
  return makeNode({ kind: 'stack', axis: ax }, parts, shape, chunks, parts[0]!.dtype);
}

/**
 * The matrix product of two 2-d arrays; the inner dimension is cut alike in both.
 *
 * @example
 * matmulNode(transposeNode(x), x);
 */
export function matmulNode(a: ArrayNode, b: ArrayNode): ArrayNode {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new PlanError('SHAPE_MISMATCH', `matmul: shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} do not multiply (two 2-d arrays, m × k and k × n)`);
  }
  const dtype = promote([a.dtype, b.dtype]);
  const inner = refineChunks([a.chunks[1]!, b.chunks[0]!]);
  const left = rechunkNode(castNode(a, dtype), [a.chunks[0]!, inner]);
  const right = rechunkNode(castNode(b, dtype), [inner, b.chunks[1]!]);
  return makeNode({ kind: 'matmul' }, [left, right], [a.shape[0]!, b.shape[1]!], [a.chunks[0]!, b.chunks[1]!], dtype);
}

/**
 * `fn` on every block; it gets and returns `{ data, shape, dtype }` with the block's shape.
 *
 * @example
 * mapBlocksNode(x, (b) => ({ ...b, data: b.data.map((v) => v * 2) }), x.dtype);
 */
export function mapBlocksNode(x: ArrayNode, fn: unknown, dtype: ArrayDType): ArrayNode {
  return makeNode({ kind: 'map', fn: shipFunction(fn, 'mapBlocks') }, [x], x.shape, x.chunks, dtype);
}
