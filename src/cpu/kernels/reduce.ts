import type { ColumnSlice } from '../../column-slice.js';
import { isFloat } from '../../dtype.js';
import { emptyPartial, finiteMean, integerCentre, type ReducePartial } from '../../reduce/reduce-partial.js';
import { forEachValidRun } from './valid-runs.js';

/** What a reduce task must produce beyond count, sum, min and max. */
export interface ReduceWants {
  /** The sum (also needed for mean, var and std). */
  sum: boolean;
  /** Min and max. */
  minMax: boolean;
  /** The centred sum of squares, for var and std (a second pass over the values). */
  m2: boolean;
}

/** Integer partial sums stay exact in a double up to 2^53: flush to bigint every 2^20 rows. */
const FLUSH = 1 << 20;

/**
 * The CPU twin of the GPU reduce kernel: the same slice in, the same partial out. Float sums
 * are compensated (Neumaier), integer sums exact, M2 from a second pass around the mean.
 */
export function reduce(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  if (isFloat(slice.dtype)) return reduceFloat(slice, wants);
  if (slice.dtype === 'int64' || slice.dtype === 'uint64') return reduceInt64(slice, wants);
  return reduceInt32(slice, wants);
}

type FloatArray = Float64Array | Float32Array;

/** Rows per block: the passes a reduction needs run block by block, so later ones hit cache. */
const BLOCK = 8192;

/** Rows summed plainly (in eight lanes of 64) before the partial joins the compensated total. */
const PAIR_BLOCK = 512;

/**
 * Blocked sum of finite values: each 512-row block is summed in eight independent lanes of
 * plain adds (so the loop runs at the speed of memory), and the block sums are added to an
 * error-free two-sum accumulator. The error is at most about 70 ulps of the sum of |x|, and in
 * practice a few: within the 1e-12 the twins promise, as pairwise summation is in numpy.
 */
class FloatSum {
  private s = 0;
  private c = 0;

  /** Adds one value (a block's partial sum, or a row of a short tail) without error. */
  private push(x: number): void {
    const t = this.s + x;
    const b = t - this.s;
    this.c += this.s - (t - b) + (x - b);
    this.s = t;
  }

  add(v: FloatArray, start: number, end: number): void {
    let i = start;
    for (; i + PAIR_BLOCK <= end; ) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
      const stop = i + PAIR_BLOCK;
      for (; i < stop; i += 8) {
        a0 += v[i]!;
        a1 += v[i + 1]!;
        a2 += v[i + 2]!;
        a3 += v[i + 3]!;
        a4 += v[i + 4]!;
        a5 += v[i + 5]!;
        a6 += v[i + 6]!;
        a7 += v[i + 7]!;
      }
      this.push(a0 + a1 + (a2 + a3) + (a4 + a5 + (a6 + a7)));
    }
    for (; i < end; i++) this.push(v[i]!);
  }

  /** Adds (v[i] - centre)^2 for i in [start, end), blocked the same way. */
  addSquares(v: FloatArray, start: number, end: number, centre: number): void {
    let i = start;
    for (; i + PAIR_BLOCK <= end; ) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      const stop = i + PAIR_BLOCK;
      for (; i < stop; i += 4) {
        const d0 = v[i]! - centre;
        const d1 = v[i + 1]! - centre;
        const d2 = v[i + 2]! - centre;
        const d3 = v[i + 3]! - centre;
        a0 += d0 * d0;
        a1 += d1 * d1;
        a2 += d2 * d2;
        a3 += d3 * d3;
      }
      this.push(a0 + a1 + (a2 + a3));
    }
    for (; i < end; i++) {
      const d = v[i]! - centre;
      this.push(d * d);
    }
  }

  get value(): number {
    return this.s + this.c;
  }
}

/**
 * Min and max of v[start, end). Math.min/max propagate NaN, so a NaN or an infinity anywhere
 * shows in the result (`special`), and the caller takes the careful path.
 */
class FloatExtremes {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(v: FloatArray, start: number, end: number): void {
    let min0 = this.min;
    let max0 = this.max;
    let min1 = min0;
    let max1 = max0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      const x = v[i]!;
      const y = v[i + 1]!;
      min0 = Math.min(min0, x);
      max0 = Math.max(max0, x);
      min1 = Math.min(min1, y);
      max1 = Math.max(max1, y);
    }
    if (i < end) {
      min0 = Math.min(min0, v[i]!);
      max0 = Math.max(max0, v[i]!);
    }
    this.min = Math.min(min0, min1);
    this.max = Math.max(max0, max1);
  }

  get special(): boolean {
    return Number.isNaN(this.min) || this.min === Number.NEGATIVE_INFINITY || this.max === Number.POSITIVE_INFINITY;
  }
}

function reduceFloat(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const v = slice.values as FloatArray;
  const sum = new FloatSum();
  const extremes = new FloatExtremes();
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    seen += end - start;
    for (let b = start; b < end; b += BLOCK) {
      const e = Math.min(end, b + BLOCK);
      if (wants.sum) sum.add(v, b, e);
      if (wants.minMax) extremes.add(v, b, e);
    }
  });
  const total = sum.value;
  // NaN or an infinity anywhere shows as a non-finite sum or poison: count them exactly then.
  if (!Number.isFinite(total) || extremes.special) return reduceFloatWithSpecials(slice, wants);
  const p = emptyPartial(slice.dtype, wants.m2);
  p.count = seen;
  p.sum = total;
  if (seen > 0 && wants.minMax) {
    // Math.min(-0, 0) is -0: the results carry one zero, as the GPU's do.
    p.min = extremes.min + 0;
    p.max = extremes.max + 0;
  }
  if (wants.m2) p.m2 = floatM2(slice, finiteMean(p));
  return p;
}

/** The careful path for columns holding NaN or infinities: counts them and sums the rest. */
function reduceFloatWithSpecials(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const v = slice.values as FloatArray;
  const p = emptyPartial(slice.dtype, wants.m2);
  let s = 0;
  let c = 0;
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let i = start; i < end; i++) {
      const x = v[i]!;
      if (x - x === 0) {
        const t = s + x;
        const bp = t - s;
        c += s - (t - bp) + (x - bp);
        s = t;
      } else if (x !== x) {
        p.nan++;
        continue;
      } else if (x > 0) p.posInf++;
      else p.negInf++;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    seen += end - start;
  });
  p.count = seen;
  p.sum = s + c;
  if (seen > p.nan) {
    p.min = mn;
    p.max = mx;
  }
  if (wants.m2) p.m2 = Number.NaN;
  return p;
}

function floatM2(slice: ColumnSlice, mean: number): number {
  const v = slice.values as FloatArray;
  const sum = new FloatSum();
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => sum.addSquares(v, start, end, mean));
  return sum.value;
}

function reduceInt32(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const v = slice.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  const p = emptyPartial(slice.dtype, wants.m2);
  let total = 0n;
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let base = start; base < end; base += FLUSH) {
      const stop = Math.min(end, base + FLUSH);
      let s = 0;
      let lmn = mn;
      let lmx = mx;
      if (wants.minMax) {
        for (let i = base; i < stop; i++) {
          const x = v[i]!;
          s += x;
          lmn = x < lmn ? x : lmn;
          lmx = x > lmx ? x : lmx;
        }
      } else {
        for (let i = base; i < stop; i++) s += v[i]!;
      }
      total += BigInt(s);
      mn = lmn;
      mx = lmx;
    }
    seen += end - start;
  });
  p.count = seen;
  p.sum = total;
  if (seen > 0 && wants.minMax) {
    p.min = mn;
    p.max = mx;
  }
  if (wants.m2 && seen > 0) {
    const { k, frac } = integerCentre(total, seen);
    const kn = Number(k);
    p.m2 = sumSquares(slice, (d, start, end) => {
      for (let i = start; i < end; i++) d[i - start] = v[i]! - kn - frac;
    });
  }
  return p;
}

/**
 * Exact sum of 64-bit integers read as 32-bit words: the low words (unsigned) and high words
 * (signed for int64) are summed separately in doubles, exact for up to 2^20 rows, then folded
 * into a bigint.
 */
class Int64Sum {
  total = 0n;

  add(lo: Uint32Array, hi: Int32Array | Uint32Array, start: number, end: number): void {
    for (let base = start; base < end; base += FLUSH) {
      const stop = Math.min(end, base + FLUSH);
      let sLo = 0;
      let sHi = 0;
      for (let i = base; i < stop; i++) {
        sLo += lo[2 * i]!;
        sHi += hi[2 * i + 1]!;
      }
      this.total += (BigInt(sHi) << 32n) + BigInt(sLo);
    }
  }
}

/** Min and max of 64-bit integers compared as (high word, low word) pairs. */
class Int64Extremes {
  minHi = Number.POSITIVE_INFINITY;
  minLo = 0;
  maxHi = Number.NEGATIVE_INFINITY;
  maxLo = 0;

  add(lo: Uint32Array, hi: Int32Array | Uint32Array, start: number, end: number): void {
    let { minHi, minLo, maxHi, maxLo } = this;
    for (let i = start; i < end; i++) {
      const h = hi[2 * i + 1]!;
      if (h < minHi || (h === minHi && lo[2 * i]! < minLo)) {
        minHi = h;
        minLo = lo[2 * i]!;
      }
      if (h > maxHi || (h === maxHi && lo[2 * i]! > maxLo)) {
        maxHi = h;
        maxLo = lo[2 * i]!;
      }
    }
    Object.assign(this, { minHi, minLo, maxHi, maxLo });
  }
}

function reduceInt64(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const values = slice.values as BigInt64Array | BigUint64Array;
  const lo = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const hi = slice.dtype === 'int64' ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : lo;
  const sum = new Int64Sum();
  const extremes = new Int64Extremes();
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    seen += end - start;
    for (let b = start; b < end; b += BLOCK) {
      const e = Math.min(end, b + BLOCK);
      if (wants.sum) sum.add(lo, hi, b, e);
      if (wants.minMax) extremes.add(lo, hi, b, e);
    }
  });
  const p = emptyPartial(slice.dtype, wants.m2);
  p.count = seen;
  p.sum = sum.total;
  if (seen > 0 && wants.minMax) {
    p.min = (BigInt(extremes.minHi) << 32n) + BigInt(extremes.minLo);
    p.max = (BigInt(extremes.maxHi) << 32n) + BigInt(extremes.maxLo);
  }
  if (wants.m2 && seen > 0) {
    const { k, frac } = integerCentre(sum.total, seen);
    const kHi = Number(k >> 32n);
    const kLo = Number(BigInt.asUintN(32, k));
    p.m2 = sumSquares(slice, (d, start, end) => {
      for (let i = start; i < end; i++) d[i - start] = (hi[2 * i + 1]! - kHi) * 4294967296 + (lo[2 * i]! - kLo) - frac;
    });
  }
  return p;
}

/**
 * Sum of squares of the centred values over the valid rows: `centre(d, start, end)` writes the
 * centred values of rows [start, end) into `d` (exact where the twins need it: x - k is done on
 * integers), a block at a time, and the blocked sum adds their squares.
 */
function sumSquares(slice: ColumnSlice, centre: (d: Float64Array, start: number, end: number) => void): number {
  const d = new Float64Array(BLOCK);
  const sum = new FloatSum();
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let b = start; b < end; b += BLOCK) {
      const e = Math.min(end, b + BLOCK);
      centre(d, b, e);
      sum.addSquares(d, 0, e - b, 0);
    }
  });
  return sum.value;
}
