/**
 * Blocks assembled from regions of other blocks: rechunk, slice (with steps, negative ones
 * too), concat and stack all become one `gather` task per output block listing the regions it
 * copies; `transpose` permutes one block's axes. Both are the same strided copy underneath.
 */
import { type ArrayData, type ArrayDType, type Block, type BlockTarget, outBlock, sizeOf, stridesOf } from './array-block.js';

/** Copies `count` elements per dimension from `src` (at `start`, every `step`) to `dstStart` of the output. */
export interface GatherPiece {
  src: Block;
  start: number[];
  step: number[];
  dstStart: number[];
  count: number[];
}

export interface GatherTask extends BlockTarget {
  kind: 'gather';
  shape: number[];
  dtype: ArrayDType;
  /** Disjoint boxes of the output; what none covers is zero. */
  pieces: GatherPiece[];
}

export interface TransposeTask extends BlockTarget {
  kind: 'transpose';
  input: Block;
  axes: number[];
}

/**
 * Copies a box of `count` elements: source element (k0, k1, …) is at `srcBase + Σ k·srcStrides`,
 * destination at `dstBase + Σ k·dstStrides`.
 *
 * @example
 * copyStrided(src.data, 0, [1, 3], out.data, 0, [2, 1], [3, 2]); // a 2×3 → 3×2 transpose
 */
export function copyStrided(
  src: ArrayData, srcBase: number, srcStrides: readonly number[], dst: ArrayData, dstBase: number, dstStrides: readonly number[], count: readonly number[],
): void {
  const nd = count.length;
  if (sizeOf(count) === 0) return;
  if (nd === 0) {
    dst[dstBase] = src[srcBase]!;
    return;
  }
  const last = count[nd - 1]!;
  const si = srcStrides[nd - 1]!;
  const di = dstStrides[nd - 1]!;
  const rows = sizeOf(count) / last;
  const idx = new Array<number>(nd - 1).fill(0);
  let s = srcBase;
  let d = dstBase;
  for (let r = 0; r < rows; r++) {
    if (si === 1 && di === 1) dst.set(src.subarray(s, s + last) as never, d);
    else for (let j = 0; j < last; j++) dst[d + j * di] = src[s + j * si]!;
    for (let k = nd - 2; k >= 0; k--) {
      if (++idx[k]! < count[k]!) {
        s += srcStrides[k]!;
        d += dstStrides[k]!;
        break;
      }
      s -= srcStrides[k]! * (count[k]! - 1);
      d -= dstStrides[k]! * (count[k]! - 1);
      idx[k] = 0;
    }
  }
}

/**
 * One output block of a rechunk, slice, concat or stack.
 *
 * @example
 * runGather({ kind: 'gather', shape: [2], dtype: 'float64', pieces: [{ src, start: [4], step: [-1], dstStart: [0], count: [2] }] });
 */
export function runGather(task: GatherTask): Block {
  const out = outBlock(task.dtype, task.shape, task.out);
  // Reused memory holds old values: zero what the pieces leave uncovered.
  if (task.out !== undefined && task.pieces.reduce((n, p) => n + sizeOf(p.count), 0) !== out.data.length) out.data.fill(0);
  const dstStrides = stridesOf(task.shape);
  for (const p of task.pieces) {
    const own = stridesOf(p.src.shape);
    const srcBase = p.start.reduce((acc, v, d) => acc + v * own[d]!, 0);
    const dstBase = p.dstStart.reduce((acc, v, d) => acc + v * dstStrides[d]!, 0);
    copyStrided(p.src.data, srcBase, own.map((s, d) => s * p.step[d]!), out.data, dstBase, dstStrides, p.count);
  }
  return out;
}

/**
 * A block with its axes permuted (`axes[d]` is the input axis that becomes axis d).
 *
 * @example
 * runTranspose({ kind: 'transpose', input, axes: [1, 0] });
 */
export function runTranspose(task: TransposeTask): Block {
  const shape = task.axes.map((a) => task.input.shape[a]!);
  const out = outBlock(task.input.dtype, shape, task.out);
  const own = stridesOf(task.input.shape);
  copyStrided(task.input.data, 0, task.axes.map((a) => own[a]!), out.data, 0, stridesOf(shape), shape);
  return out;
}
