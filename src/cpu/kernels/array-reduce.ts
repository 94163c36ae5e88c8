/**
 * Array reductions in three steps: `reducePartial` folds one block along the reduced axes into a
 * partial (one cell per position left after the reduction), `combinePartials` merges partials
 * of neighbouring blocks (the tree's inner nodes), and `finishPartial` turns a complete partial
 * into the result block. Sums accumulate in float64; mean/var/std carry (count, sum, M2) and
 * merge with Chan's formula; min/max and argmin/argmax let NaN win (numpy) and keep the first
 * index on ties. Indices are flat array indices for a full reduction, coordinates along the
 * axis otherwise.
 */
import { allocData, type ArrayData, type ArrayDType, type Block, outBlock, sizeOf, stridesOf } from './array-block.js';

export type ArrayReduceOp = 'sum' | 'mean' | 'var' | 'std' | 'min' | 'max' | 'argmin' | 'argmax';

/** A block's (or several blocks') fold: `a` is the sum or extreme value, `b` the M2 or index. */
export interface ReducePartial {
  /** The block's shape with each reduced axis set to 1. */
  shape: number[];
  /** Elements folded into each cell. */
  count: number;
  a: Float64Array;
  b: Float64Array | null;
}

/** How the last step shapes the result. */
export interface ReduceFinish {
  ddof: number;
  shape: number[];
  dtype: ArrayDType;
}

function alloc64(n: number): Float64Array {
  return allocData('float64', n) as Float64Array;
}

/** Walks a block row by row: the row's first cell, its coordinate along `axis`, and its first flat array index. */
function walkRows(
  shape: readonly number[], cellStrides: readonly number[], axis: number, offset: readonly number[], arrayShape: readonly number[],
  row: (r: number, cell: number, coord: number, flat: number) => void,
): void {
  const nd = shape.length;
  if (sizeOf(shape) === 0) return;
  if (nd === 0) return row(0, 0, 0, 0);
  const strides = stridesOf(arrayShape);
  const rows = sizeOf(shape) / shape[nd - 1]!;
  const idx = new Array<number>(nd - 1).fill(0);
  let flat = 0;
  for (let d = 0; d < nd; d++) flat += offset[d]! * strides[d]!;
  let cell = 0;
  for (let r = 0; r < rows; r++) {
    row(r, cell, axis >= 0 && axis < nd - 1 ? offset[axis]! + idx[axis]! : 0, flat);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) {
        flat += strides[d]!;
        cell += cellStrides[d]!;
        break;
      }
      flat -= strides[d]! * (shape[d]! - 1);
      cell -= cellStrides[d]! * (shape[d]! - 1);
      idx[d] = 0;
    }
  }
}

/**
 * Adds each row of `x` (`last` values; row r folds into cell `cellOf[r]`) into `a`: its total
 * when the last axis is reduced, else value by value into the cells from `cellOf[r]` on. Four
 * independent sums per row, and four rows that fold into the same cells added together first,
 * keep the adder pipeline full (a single running sum waits on each add).
 */
function addRows(x: ArrayData, last: number, cellOf: Int32Array, lastReduced: boolean, a: Float64Array): void {
  const rows = cellOf.length;
  if (lastReduced) {
    for (let r = 0; r < rows; r++) {
      const o = r * last;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      for (; j + 4 <= last; j += 4) {
        s0 += x[o + j]!; s1 += x[o + j + 1]!; s2 += x[o + j + 2]!; s3 += x[o + j + 3]!;
      }
      for (; j < last; j++) s0 += x[o + j]!;
      a[cellOf[r]!] += (s0 + s1) + (s2 + s3);
    }
    return;
  }
  for (let r = 0; r < rows;) {
    const c = cellOf[r]!;
    const o = r * last;
    if (r + 3 < rows && cellOf[r + 1] === c && cellOf[r + 2] === c && cellOf[r + 3] === c) {
      const o1 = o + last, o2 = o1 + last, o3 = o2 + last;
      for (let j = 0; j < last; j++) a[c + j] += (x[o + j]! + x[o1 + j]!) + (x[o2 + j]! + x[o3 + j]!);
      r += 4;
    } else {
      for (let j = 0; j < last; j++) a[c + j] += x[o + j]!;
      r++;
    }
  }
}

/** Like `addRows`, with the squared distance of each value from its cell's `mean` (the M2 of var/std). */
function addSquares(x: ArrayData, last: number, cellOf: Int32Array, lastReduced: boolean, mean: Float64Array, b: Float64Array): void {
  const rows = cellOf.length;
  if (lastReduced) {
    for (let r = 0; r < rows; r++) {
      const o = r * last;
      const m = mean[cellOf[r]!]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      for (; j + 4 <= last; j += 4) {
        const d0 = x[o + j]! - m, d1 = x[o + j + 1]! - m, d2 = x[o + j + 2]! - m, d3 = x[o + j + 3]! - m;
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
      }
      for (; j < last; j++) {
        const d = x[o + j]! - m;
        s0 += d * d;
      }
      b[cellOf[r]!] += (s0 + s1) + (s2 + s3);
    }
    return;
  }
  for (let r = 0; r < rows;) {
    const c = cellOf[r]!;
    const o = r * last;
    if (r + 3 < rows && cellOf[r + 1] === c && cellOf[r + 2] === c && cellOf[r + 3] === c) {
      const o1 = o + last, o2 = o1 + last, o3 = o2 + last;
      for (let j = 0; j < last; j++) {
        const m = mean[c + j]!;
        const d0 = x[o + j]! - m, d1 = x[o1 + j]! - m, d2 = x[o2 + j]! - m, d3 = x[o3 + j]! - m;
        b[c + j] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
      }
      r += 4;
    } else {
      for (let j = 0; j < last; j++) {
        const d = x[o + j]! - mean[c + j]!;
        b[c + j] += d * d;
      }
      r++;
    }
  }
}

/**
 * The partial of one block: `axes` are the reduced axes (all of them for a full reduction),
 * `offset` where the block starts in the array of `arrayShape` (for argmin/argmax indices).
 *
 * @example
 * const p = reducePartial('sum', block, [0], [0, 0], block.shape);
 */
export function reducePartial(op: ArrayReduceOp, block: Block, axes: readonly number[], offset: readonly number[], arrayShape: readonly number[]): ReducePartial {
  const nd = block.shape.length;
  const reduced = block.shape.map((_, d) => axes.includes(d));
  const shape = block.shape.map((s, d) => (reduced[d] ? 1 : s));
  const cells = sizeOf(shape);
  const own = stridesOf(shape);
  const cellStrides = own.map((s, d) => (reduced[d] ? 0 : s));
  const count = sizeOf(block.shape) / Math.max(cells, 1);
  const lastReduced = nd === 0 || reduced[nd - 1]!;
  const last = nd === 0 ? 1 : block.shape[nd - 1]!;
  const x = block.data;
  const full = axes.length === nd;
  const axis = full ? -1 : axes[0]!;
  const a = alloc64(cells);
  const walk = (row: (r: number, cell: number, coord: number, flat: number) => void): void =>
    walkRows(block.shape, cellStrides, axis, offset, arrayShape, row);
  if (op === 'sum' || op === 'mean' || op === 'var' || op === 'std') {
    const cellOf = new Int32Array(last === 0 ? 0 : sizeOf(block.shape) / last);
    walk((r, cell) => { cellOf[r] = cell; });
    addRows(x, last, cellOf, lastReduced, a);
    if (op === 'sum' || op === 'mean') return { shape, count, a, b: null };
    const b = alloc64(cells);
    addSquares(x, last, cellOf, lastReduced, a.map((v) => v / count), b);
    return { shape, count, a, b };
  }
  const max = op === 'max' || op === 'argmax';
  const arg = op === 'argmin' || op === 'argmax';
  a.fill(max ? -Infinity : Infinity);
  const b = arg ? alloc64(cells).fill(-1) : null;
  const lastAxis = !full && axis === nd - 1;
  walk((r, cell, coord, flat) => {
    const o = r * last;
    for (let j = 0; j < last; j++) {
      const v = x[o + j]!;
      const c = lastReduced ? cell : cell + j;
      const cur = a[c]!;
      // NaN wins and stays; otherwise strictly better (first occurrence on ties).
      if (cur !== cur) continue;
      if ((max ? v > cur : v < cur) || v !== v || (b !== null && b[c]! < 0)) {
        a[c] = v;
        if (b !== null) b[c] = full ? flat + j : lastAxis ? offset[axis]! + j : coord;
      }
    }
  });
  return { shape, count, a, b };
}

/**
 * Merges partials of the same cells (blocks side by side along the reduced axes).
 *
 * @example
 * const p = combinePartials('var', [p0, p1, p2]);
 */
export function combinePartials(op: ArrayReduceOp, parts: readonly ReducePartial[]): ReducePartial {
  const first = parts[0]!;
  const cells = first.a.length;
  const a = alloc64(cells);
  a.set(first.a);
  const b = first.b === null ? null : alloc64(cells);
  if (b !== null) b.set(first.b!);
  let count = first.count;
  for (const p of parts.slice(1)) {
    if (p.count === 0) continue;
    if (op === 'sum' || op === 'mean') {
      for (let c = 0; c < cells; c++) a[c] += p.a[c]!;
    } else if (op === 'var' || op === 'std') {
      const n = count + p.count;
      for (let c = 0; c < cells; c++) {
        if (count === 0) {
          a[c] = p.a[c]!;
          b![c] = p.b![c]!;
          continue;
        }
        const delta = p.a[c]! / p.count - a[c]! / count;
        b![c] = b![c]! + p.b![c]! + ((delta * delta * count) / n) * p.count;
        a[c] += p.a[c]!;
      }
    } else {
      const max = op === 'max' || op === 'argmax';
      for (let c = 0; c < cells; c++) {
        const cur = a[c]!;
        const v = p.a[c]!;
        // Blocks of a full reduction are not in flat-index order (block (0, 1) holds earlier
        // rows than block (1, 0) but later columns than (0, 0)), so ties go to the lower index.
        const earlier = b !== null && (b[c]! < 0 || p.b![c]! < b[c]!);
        const take = cur !== cur ? v !== v && earlier : v !== v || (max ? v > cur : v < cur) || (v === cur && earlier);
        if (take) {
          a[c] = v;
          if (b !== null) b[c] = p.b![c]!;
        }
      }
    }
    count += p.count;
  }
  return { shape: first.shape, count, a, b };
}

/**
 * The result block of a complete partial, in `out` when given (every cell is written).
 *
 * @example
 * const out = finishPartial('std', partial, { ddof: 0, shape: [], dtype: 'float64' });
 */
export function finishPartial(op: ArrayReduceOp, p: ReducePartial, finish: ReduceFinish, out?: ArrayData): Block {
  const block = outBlock(finish.dtype, finish.shape, out);
  const data: ArrayData = block.data;
  const cells = p.a.length;
  for (let c = 0; c < cells; c++) {
    switch (op) {
      case 'sum':
      case 'min':
      case 'max':
        data[c] = p.a[c]!;
        break;
      case 'mean':
        data[c] = p.count === 0 ? NaN : p.a[c]! / p.count;
        break;
      case 'var':
      case 'std': {
        const v = p.count === 0 ? NaN : p.b![c]! / Math.max(p.count - finish.ddof, 0);
        data[c] = op === 'std' ? Math.sqrt(v) : v;
        break;
      }
      case 'argmin':
      case 'argmax':
        data[c] = p.b![c]!;
        break;
    }
  }
  return block;
}
