import { DuskError } from '../errors.js';
import { isFloat, type NumericDType } from '../dtype.js';

/** The reductions Dusk computes over a column. */
export type ReduceOp = 'count' | 'sum' | 'min' | 'max' | 'mean' | 'var' | 'std';
export const REDUCE_OPS: readonly ReduceOp[] = ['count', 'sum', 'min', 'max', 'mean', 'var', 'std'];

/** A reduction's value: int64 sums and 64-bit integer min/max are bigint; no values is null. */
export type ReduceValue = number | bigint | null;

/**
 * What one slice of a column reduces to in the first pass, in a form that merges: the GPU and
 * CPU twins both produce it, and partials from any slices, windows or tasks merge with
 * `mergePartials`. The sum of squares for var/std is not in it: that second pass runs around
 * one centre for the whole column (see `centreOf` and `SquaresPartial`), so its partials add.
 */
export interface ReducePartial {
  dtype: NumericDType;
  /** Non-null values (NaN counts as a value). */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** Floats: sum of the finite values, as `sum + sumLo` (a double-double). Integers: exact. */
  sum: number | bigint;
  sumLo: number;
  /** Extremes over the non-NaN values; null when there are none. */
  min: number | bigint | null;
  max: number | bigint | null;
  /** Centred sum of squares of the finite values, once the second pass has run; else null. */
  m2: number | null;
}

export function emptyPartial(dtype: NumericDType): ReducePartial {
  return {
    dtype,
    count: 0,
    nan: 0,
    posInf: 0,
    negInf: 0,
    sum: isFloat(dtype) ? 0 : 0n,
    sumLo: 0,
    min: null,
    max: null,
    m2: null,
  };
}

/** a + b as a double-double [hi, lo], exact but for the final rounding of lo. */
export function addDD(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const s = aHi + bHi;
  if (!Number.isFinite(s)) return [s, 0];
  const bb = s - aHi;
  const e = aHi - (s - bb) + (bHi - bb) + (aLo + bLo);
  const hi = s + e;
  return [hi, e - (hi - s)];
}

function hasSpecials(p: ReducePartial): boolean {
  return p.nan + p.posInf + p.negInf > 0;
}

function pick(a: number | bigint | null, b: number | bigint | null, less: boolean): number | bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return (less ? b < a : b > a) ? b : a;
}

/** Merges two first-pass partials of the same dtype. */
export function mergePartials(a: ReducePartial, b: ReducePartial): ReducePartial {
  let sum: number | bigint;
  let sumLo = 0;
  if (typeof a.sum === 'bigint') sum = a.sum + (b.sum as bigint);
  else [sum, sumLo] = addDD(a.sum, a.sumLo, b.sum as number, b.sumLo);
  return {
    dtype: a.dtype,
    count: a.count + b.count,
    nan: a.nan + b.nan,
    posInf: a.posInf + b.posInf,
    negInf: a.negInf + b.negInf,
    sum,
    sumLo,
    min: pick(a.min, b.min, true),
    max: pick(a.max, b.max, false),
    m2: null,
  };
}

/**
 * Where the second pass centres each value: a float column on its mean; an integer column on
 * an integer `k` near the mean (so x - k is exact) minus the rest of the mean, `frac`.
 */
export type Centre = { kind: 'float'; c: number } | { kind: 'int'; k: bigint; frac: number };

/**
 * The centre for the whole column's second pass, or the M2 itself when no pass is needed: 0 for
 * fewer than two values or when all values are equal, NaN when NaN or an infinity is present.
 */
export function centreOf(p: ReducePartial): { centre: Centre } | { m2: number } {
  if (hasSpecials(p)) return { m2: Number.NaN };
  if (p.count < 2 || p.min === p.max) return { m2: 0 };
  if (typeof p.sum === 'bigint') return { centre: { kind: 'int', ...integerCentre(p.sum, p.count) } };
  return { centre: { kind: 'float', c: (p.sum + p.sumLo) / p.count } };
}

/** The largest |x - centre| the column can hold, from its extremes (for the GPU's scaling). */
export function spreadAround(p: ReducePartial, centre: Centre): number {
  if (centre.kind === 'int') {
    const up = BigInt(p.max!) - centre.k;
    const down = centre.k - BigInt(p.min!);
    return Number(up > down ? up : down) + 1;
  }
  return Math.max(Math.abs((p.max as number) - centre.c), Math.abs((p.min as number) - centre.c));
}

/** Second-pass sums around a centre c: Σd and Σd² of d = x - c, each a double-double. */
export interface SquaresPartial {
  s1: number;
  s1Lo: number;
  s2: number;
  s2Lo: number;
}

export const NO_SQUARES: SquaresPartial = { s1: 0, s1Lo: 0, s2: 0, s2Lo: 0 };

export function mergeSquares(a: SquaresPartial, b: SquaresPartial): SquaresPartial {
  const [s1, s1Lo] = addDD(a.s1, a.s1Lo, b.s1, b.s1Lo);
  const [s2, s2Lo] = addDD(a.s2, a.s2Lo, b.s2, b.s2Lo);
  return { s1, s1Lo, s2, s2Lo };
}

/**
 * M2 from the second pass, with the correction for the centre not being the exact mean
 * (the "corrected two-pass" algorithm): Σd² − (Σd)²/n.
 */
export function m2FromSquares(q: SquaresPartial, count: number): number {
  // Squares that overflow mean a variance that does (Σd may have overflowed to NaN beside them).
  if (q.s2 === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const s1 = q.s1 + q.s1Lo;
  return Math.max(0, q.s2 + q.s2Lo - (s1 * s1) / count);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function floatSpecial(p: ReducePartial): number | null {
  if (p.nan > 0 || (p.posInf > 0 && p.negInf > 0)) return Number.NaN;
  if (p.posInf > 0) return Number.POSITIVE_INFINITY;
  if (p.negInf > 0) return Number.NEGATIVE_INFINITY;
  return null;
}

/** -0 and 0 are one value; results carry +0. */
function canonicalZero(v: number | bigint | null): number | bigint | null {
  return v === 0 ? 0 : v;
}

export interface FinalizeOptions {
  /** Column name for error messages. */
  column: string;
  /** Delta degrees of freedom for var/std: 1 (sample, the default) or 0 (population). */
  ddof?: number;
}

/** Turns a merged partial into the value of `op`, with DuckDB's semantics. */
export function finalizePartial(p: ReducePartial, op: ReduceOp, options: FinalizeOptions): ReduceValue {
  const float = isFloat(p.dtype);
  switch (op) {
    case 'count':
      return p.count;
    case 'sum': {
      if (p.count === 0) return null;
      if (!float) {
        const total = p.sum as bigint;
        if (total < INT64_MIN || total > INT64_MAX) {
          throw new DuskError(
            'OVERFLOW',
            `sum of column '${options.column}' (${p.dtype}) is ${total}, which does not fit in int64`,
          );
        }
        return total;
      }
      return floatSpecial(p) ?? (p.sum as number) + p.sumLo;
    }
    case 'min':
    case 'max': {
      if (p.count === 0) return null;
      if (p.nan === p.count) return Number.NaN;
      if (op === 'max' && p.nan > 0) return Number.NaN;
      return canonicalZero(op === 'min' ? p.min : p.max);
    }
    case 'mean': {
      if (p.count === 0) return null;
      if (float) {
        const special = floatSpecial(p);
        if (special !== null) return special;
      }
      return typeof p.sum === 'bigint' ? Number(p.sum) / p.count : (p.sum + p.sumLo) / p.count;
    }
    case 'var':
    case 'std': {
      const ddof = options.ddof ?? 1;
      if (p.count - ddof <= 0) return null;
      if (float && floatSpecial(p) !== null) return Number.NaN;
      if (p.m2 === null) throw new Error(`internal: ${op} of '${options.column}' without M2`);
      const v = p.m2 / (p.count - ddof);
      return op === 'var' ? v : Math.sqrt(v);
    }
  }
}

/**
 * The centre the twins use for the second (M2) pass over an integer column: an integer `k`
 * near the mean, so `x - k` is exact, and the rest of the mean `frac` (|frac| < 1).
 */
export function integerCentre(sum: bigint, count: number): { k: bigint; frac: number } {
  const n = BigInt(count);
  const k = sum / n;
  return { k, frac: Number(sum - k * n) / count };
}
