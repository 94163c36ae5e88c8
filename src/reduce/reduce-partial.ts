import { DuskError } from '../errors.js';
import { isFloat, type NumericDType } from '../dtype.js';

/** The reductions Dusk computes over a column. */
export type ReduceOp = 'count' | 'sum' | 'min' | 'max' | 'mean' | 'var' | 'std';
export const REDUCE_OPS: readonly ReduceOp[] = ['count', 'sum', 'min', 'max', 'mean', 'var', 'std'];

/** A reduction's value: int64 sums and 64-bit integer min/max are bigint; no values is null. */
export type ReduceValue = number | bigint | null;

/**
 * What one slice of a column reduces to, in a form that merges: the GPU and CPU twins both
 * produce it, and partials from any slices, windows or partitions merge with `mergePartials`.
 */
export interface ReducePartial {
  dtype: NumericDType;
  /** Non-null values (NaN counts as a value). */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** Floats: sum of the finite values. Integers: the exact sum. */
  sum: number | bigint;
  /** Extremes over the non-NaN values; null when there are none. */
  min: number | bigint | null;
  max: number | bigint | null;
  /** Sum of squared deviations from this partial's mean (finite values); null if not computed. */
  m2: number | null;
}

export function emptyPartial(dtype: NumericDType, withM2: boolean): ReducePartial {
  return {
    dtype,
    count: 0,
    nan: 0,
    posInf: 0,
    negInf: 0,
    sum: isFloat(dtype) ? 0 : 0n,
    min: null,
    max: null,
    m2: withM2 ? 0 : null,
  };
}

/** Values in the finite part of a partial: those that make up `sum` and `m2`. */
function finiteCount(p: ReducePartial): number {
  return p.count - p.nan - p.posInf - p.negInf;
}

/** Mean of the finite values, as a number. */
export function finiteMean(p: ReducePartial): number {
  const n = finiteCount(p);
  return n === 0 ? 0 : Number(p.sum) / n;
}

function pick(a: number | bigint | null, b: number | bigint | null, less: boolean): number | bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return (less ? b < a : b > a) ? b : a;
}

/** Merges two partials of the same dtype (Chan et al. for the sums of squares). */
export function mergePartials(a: ReducePartial, b: ReducePartial): ReducePartial {
  let m2: number | null = null;
  if (a.m2 !== null && b.m2 !== null) {
    const na = finiteCount(a);
    const nb = finiteCount(b);
    if (na === 0) m2 = b.m2;
    else if (nb === 0) m2 = a.m2;
    else {
      const delta = finiteMean(b) - finiteMean(a);
      m2 = a.m2 + b.m2 + ((delta * delta) * na * nb) / (na + nb);
    }
  }
  return {
    dtype: a.dtype,
    count: a.count + b.count,
    nan: a.nan + b.nan,
    posInf: a.posInf + b.posInf,
    negInf: a.negInf + b.negInf,
    sum: typeof a.sum === 'bigint' ? a.sum + (b.sum as bigint) : (a.sum as number) + (b.sum as number),
    min: pick(a.min, b.min, true),
    max: pick(a.max, b.max, false),
    m2,
  };
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
      return floatSpecial(p) ?? (p.sum as number);
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
      return Number(p.sum) / p.count;
    }
    case 'var':
    case 'std': {
      const ddof = options.ddof ?? 1;
      if (p.count - ddof <= 0) return null;
      if (float && floatSpecial(p) !== null) return Number.NaN;
      if (p.m2 === null) throw new Error(`internal: ${op} of '${options.column}' without M2`);
      const v = Math.max(p.m2, 0) / (p.count - ddof);
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
