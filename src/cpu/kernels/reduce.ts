import type { ColumnSlice } from '../../column-slice.js';
import { isFloat } from '../../dtype.js';
import { emptyPartial, type Centre, type ReducePartial, type SquaresPartial } from '../../reduce/reduce-partial.js';
import { forEachValidRun } from './valid-runs.js';

/** What a reduce task must produce beyond count, sum, min and max. */
export interface ReduceWants {
  /** The sum (also needed for mean, var and std). */
  sum: boolean;
  /** Min and max. */
  minMax: boolean;
}

/** Integer partial sums stay exact in a double up to 2^53: flush to bigint every 2^20 rows. */
const FLUSH = 1 << 20;

/**
 * The CPU twin of the GPU reduce kernel's first pass: the same slice in, the same partial out.
 * Float sums are blocked and compensated, integer sums exact.
 */
export function reduce(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  if (isFloat(slice.dtype)) return reduceFloat(slice, wants);
  if (slice.dtype === 'int64' || slice.dtype === 'uint64') return reduceInt64(slice, wants);
  return reduceInt32(slice, wants);
}

type FloatArray = Float64Array | Float32Array;

/** Rows per block: the passes a reduction needs run block by block, so later ones hit cache. */
const BLOCK = 8192;

/**
 * Calls `fn(start, end)` for the valid rows of a slice in cache-sized blocks (so the passes a
 * reduction needs over one block read it from cache), and returns how many rows were valid.
 */
function forEachValidBlock(slice: ColumnSlice, fn: (start: number, end: number) => void): number {
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    seen += end - start;
    for (let b = start; b < end; b += BLOCK) fn(b, Math.min(end, b + BLOCK));
  });
  return seen;
}

/**
 * Rows summed plainly (eight lanes of four) before the block's sum joins the compensated total:
 * short enough that the plain part errs by at most about 6 ulps of the block's sum of |x|.
 */
const PAIR_BLOCK = 32;

/**
 * Blocked sum of finite values: each 32-row block is summed in eight independent lanes of
 * plain adds (so the loop runs near the speed of memory), and the block sums are added to an
 * error-free two-sum accumulator. A running total that overflows stays ±Infinity (not NaN).
 */
export class FloatSum {
  s = 0;
  c = 0;

  /** Adds one value (a block's partial sum, or a row of a short tail) without error. */
  push(x: number): void {
    const t = this.s + x;
    if (!Number.isFinite(t)) {
      this.s = t;
      return;
    }
    const b = t - this.s;
    this.c += this.s - (t - b) + (x - b);
    this.s = t;
  }

  add(v: FloatArray, start: number, end: number): void {
    let i = start;
    for (; i + PAIR_BLOCK <= end; i += PAIR_BLOCK) {
      const a0 = v[i]! + v[i + 8]! + v[i + 16]! + v[i + 24]!;
      const a1 = v[i + 1]! + v[i + 9]! + v[i + 17]! + v[i + 25]!;
      const a2 = v[i + 2]! + v[i + 10]! + v[i + 18]! + v[i + 26]!;
      const a3 = v[i + 3]! + v[i + 11]! + v[i + 19]! + v[i + 27]!;
      const a4 = v[i + 4]! + v[i + 12]! + v[i + 20]! + v[i + 28]!;
      const a5 = v[i + 5]! + v[i + 13]! + v[i + 21]! + v[i + 29]!;
      const a6 = v[i + 6]! + v[i + 14]! + v[i + 22]! + v[i + 30]!;
      const a7 = v[i + 7]! + v[i + 15]! + v[i + 23]! + v[i + 31]!;
      this.push(a0 + a1 + (a2 + a3) + (a4 + a5 + (a6 + a7)));
    }
    for (; i < end; i++) this.push(v[i]!);
  }

  get value(): number {
    return this.s + this.c;
  }
}

/** Σd and Σd² of d = v[i] - centre, blocked the same way: the second pass of var/std. */
class CentredSums {
  readonly d = new FloatSum();
  readonly d2 = new FloatSum();

  add(v: FloatArray, start: number, end: number, centre: number): void {
    let i = start;
    for (; i + 8 <= end; i += 8) {
      const x0 = v[i]! - centre;
      const x1 = v[i + 1]! - centre;
      const x2 = v[i + 2]! - centre;
      const x3 = v[i + 3]! - centre;
      const x4 = v[i + 4]! - centre;
      const x5 = v[i + 5]! - centre;
      const x6 = v[i + 6]! - centre;
      const x7 = v[i + 7]! - centre;
      this.d.push(x0 + x1 + (x2 + x3) + (x4 + x5 + (x6 + x7)));
      this.d2.push(x0 * x0 + x1 * x1 + (x2 * x2 + x3 * x3) + (x4 * x4 + x5 * x5 + (x6 * x6 + x7 * x7)));
    }
    for (; i < end; i++) {
      const x = v[i]! - centre;
      this.d.push(x);
      this.d2.push(x * x);
    }
  }

  get partial(): SquaresPartial {
    return { s1: this.d.s, s1Lo: this.d.c, s2: this.d2.s, s2Lo: this.d2.c };
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
  const seen = forEachValidBlock(slice, (b, e) => {
    if (wants.sum) sum.add(v, b, e);
    if (wants.minMax) extremes.add(v, b, e);
  });
  // NaN or an infinity anywhere shows as a non-finite sum or extreme: count them exactly then.
  if (!Number.isFinite(sum.value) || extremes.special) return reduceFloatWithSpecials(slice);
  const p = emptyPartial(slice.dtype);
  p.count = seen;
  p.sum = sum.s;
  p.sumLo = sum.c;
  if (seen > 0 && wants.minMax) {
    // Math.min(-0, 0) is -0: the results carry one zero, as the GPU's do.
    p.min = extremes.min + 0;
    p.max = extremes.max + 0;
  }
  return p;
}

/**
 * The finite values' sum when the running total overflowed: summed again scaled by 2^-64 (exact
 * for every value that matters at this magnitude), so a total that comes back into range is
 * right; one that does not is ±Infinity, as the values say.
 */
function rescaledSum(slice: ColumnSlice): [number, number] {
  const v = slice.values as FloatArray;
  const sum = new FloatSum();
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let i = start; i < end; i++) if (v[i]! - v[i]! === 0) sum.push(v[i]! * 2 ** -64);
  });
  return [sum.s * 2 ** 64, Number.isFinite(sum.s * 2 ** 64) ? sum.c * 2 ** 64 : 0];
}

/** The careful path for columns holding NaN or infinities (or overflowing): counts and sums. */
function reduceFloatWithSpecials(slice: ColumnSlice): ReducePartial {
  const v = slice.values as FloatArray;
  const p = emptyPartial(slice.dtype);
  const sum = new FloatSum();
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let i = start; i < end; i++) {
      const x = v[i]!;
      if (x - x === 0) sum.push(x);
      else if (x !== x) {
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
  p.sum = sum.s;
  p.sumLo = Number.isFinite(sum.s) ? sum.c : 0;
  if (!Number.isFinite(sum.s)) [p.sum, p.sumLo] = rescaledSum(slice);
  if (seen > p.nan) {
    p.min = mn + 0;
    p.max = mx + 0;
  }
  return p;
}

function reduceInt32(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const v = slice.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  const p = emptyPartial(slice.dtype);
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
  const seen = forEachValidBlock(slice, (b, e) => {
    if (wants.sum) sum.add(lo, hi, b, e);
    if (wants.minMax) extremes.add(lo, hi, b, e);
  });
  const p = emptyPartial(slice.dtype);
  p.count = seen;
  p.sum = sum.total;
  if (seen > 0 && wants.minMax) {
    p.min = (BigInt(extremes.minHi) << 32n) + BigInt(extremes.minLo);
    p.max = (BigInt(extremes.maxHi) << 32n) + BigInt(extremes.maxLo);
  }
  return p;
}

/**
 * The second pass of var/std over one slice: Σd and Σd² of d = x - centre over the valid rows.
 * Integers are centred exactly (x - k on integers, then minus the fraction), a block at a time.
 */
export function squares(slice: ColumnSlice, centre: Centre): SquaresPartial {
  const sums = new CentredSums();
  if (centre.kind === 'float') {
    const v = slice.values as FloatArray;
    forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => sums.add(v, start, end, centre.c));
    return sums.partial;
  }
  const { k, frac } = centre;
  const d = new Float64Array(BLOCK);
  let fill: (start: number, end: number) => void;
  if (slice.dtype === 'int64' || slice.dtype === 'uint64') {
    const values = slice.values as BigInt64Array | BigUint64Array;
    const lo = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
    const hi = slice.dtype === 'int64' ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : lo;
    const kHi = Number(k >> 32n);
    const kLo = Number(BigInt.asUintN(32, k));
    fill = (start, end) => {
      for (let i = start; i < end; i++) d[i - start] = (hi[2 * i + 1]! - kHi) * 4294967296 + (lo[2 * i]! - kLo) - frac;
    };
  } else {
    const v = slice.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    const kn = Number(k);
    fill = (start, end) => {
      for (let i = start; i < end; i++) d[i - start] = v[i]! - kn - frac;
    };
  }
  forEachValidBlock(slice, (b, e) => {
    fill(b, e);
    sums.add(d, 0, e - b, 0);
  });
  return sums.partial;
}
