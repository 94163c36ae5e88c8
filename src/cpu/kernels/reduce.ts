import type { ColumnSlice } from '../../column-slice.js';
import { isFloat } from '../../dtype.js';
import { emptyPartial, finiteMean, integerCentre, type ReducePartial } from '../../reduce/reduce-partial.js';
import { forEachValidRun } from './valid-runs.js';

/** What a reduce task must produce beyond count, sum, min and max. */
export interface ReduceWants {
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

function reduceFloat(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const v = slice.values as Float64Array | Float32Array;
  const p = emptyPartial(slice.dtype, wants.m2);
  let s = 0;
  let c = 0;
  let mn = Number.POSITIVE_INFINITY;
  let mx = Number.NEGATIVE_INFINITY;
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    let ls = s;
    let lc = c;
    let lmn = mn;
    let lmx = mx;
    for (let i = start; i < end; i++) {
      const x = v[i]!;
      if (x - x === 0) {
        const t = ls + x;
        const bp = t - ls;
        lc += ls - (t - bp) + (x - bp);
        ls = t;
      } else if (x !== x) {
        p.nan++;
        continue;
      } else if (x > 0) p.posInf++;
      else p.negInf++;
      if (x < lmn) lmn = x;
      if (x > lmx) lmx = x;
    }
    s = ls;
    c = lc;
    mn = lmn;
    mx = lmx;
    seen += end - start;
  });
  p.count = seen;
  p.sum = s + c;
  if (seen > p.nan) {
    p.min = mn;
    p.max = mx;
  }
  if (wants.m2) p.m2 = p.nan + p.posInf + p.negInf > 0 ? Number.NaN : floatM2(slice, finiteMean(p));
  return p;
}

function floatM2(slice: ColumnSlice, mean: number): number {
  const v = slice.values as Float64Array | Float32Array;
  let s = 0;
  let c = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    let ls = s;
    let lc = c;
    for (let i = start; i < end; i++) {
      const d = v[i]! - mean;
      const x = d * d;
      const t = ls + x;
      const bp = t - ls;
      lc += ls - (t - bp) + (x - bp);
      ls = t;
    }
    s = ls;
    c = lc;
  });
  return s + c;
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
      for (let i = base; i < stop; i++) {
        const x = v[i]!;
        s += x;
        if (x < lmn) lmn = x;
        if (x > lmx) lmx = x;
      }
      total += BigInt(s);
      mn = lmn;
      mx = lmx;
    }
    seen += end - start;
  });
  p.count = seen;
  p.sum = total;
  if (seen > 0) {
    p.min = mn;
    p.max = mx;
  }
  if (wants.m2 && seen > 0) {
    const { k, frac } = integerCentre(total, seen);
    const kn = Number(k);
    p.m2 = sumSquares(slice, (i) => v[i]! - kn - frac);
  }
  return p;
}

function reduceInt64(slice: ColumnSlice, wants: ReduceWants): ReducePartial {
  const values = slice.values as BigInt64Array | BigUint64Array;
  const signed = slice.dtype === 'int64';
  const lo = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const hi = signed ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : lo;
  const p = emptyPartial(slice.dtype, wants.m2);
  let total = 0n;
  let mnHi = Number.POSITIVE_INFINITY;
  let mnLo = 0;
  let mxHi = Number.NEGATIVE_INFINITY;
  let mxLo = 0;
  let seen = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let base = start; base < end; base += FLUSH) {
      const stop = Math.min(end, base + FLUSH);
      let sLo = 0;
      let sHi = 0;
      for (let i = base; i < stop; i++) {
        const l = lo[2 * i]!;
        const h = hi[2 * i + 1]!;
        sLo += l;
        sHi += h;
        if (h < mnHi || (h === mnHi && l < mnLo)) {
          mnHi = h;
          mnLo = l;
        }
        if (h > mxHi || (h === mxHi && l > mxLo)) {
          mxHi = h;
          mxLo = l;
        }
      }
      total += (BigInt(sHi) << 32n) + BigInt(sLo);
    }
    seen += end - start;
  });
  p.count = seen;
  p.sum = total;
  if (seen > 0) {
    p.min = (BigInt(mnHi) << 32n) + BigInt(mnLo);
    p.max = (BigInt(mxHi) << 32n) + BigInt(mxLo);
  }
  if (wants.m2 && seen > 0) {
    const { k, frac } = integerCentre(total, seen);
    const kHi = Number(k >> 32n);
    const kLo = Number(BigInt.asUintN(32, k));
    p.m2 = sumSquares(slice, (i) => (hi[2 * i + 1]! - kHi) * 4294967296 + (lo[2 * i]! - kLo) - frac);
  }
  return p;
}

/** Compensated sum of `centred(i)^2` over the valid rows. */
function sumSquares(slice: ColumnSlice, centred: (i: number) => number): number {
  let s = 0;
  let c = 0;
  forEachValidRun(slice.validity, slice.bitOffset, slice.length, (start, end) => {
    for (let i = start; i < end; i++) {
      const d = centred(i);
      const x = d * d;
      const t = s + x;
      const bp = t - s;
      c += s - (t - bp) + (x - bp);
      s = t;
    }
  });
  return s + c;
}
