/**
 * describe()'s quartiles without sorting: the range of a numeric column's finite values (plus
 * how many rows are -Infinity, +Infinity or NaN), then a fixed-width histogram of the finite
 * values. Both are mergeable by addition across partitions, so a quartile is found within one
 * bin of the answer: with 4096 bins, within 1/4096 of the column's finite range.
 */
import type * as arrow from 'apache-arrow';
import { forEachValidRun } from './valid-runs.js';
import { numericDType } from '../../dtype.js';

export interface ValueRange {
  min: number;
  max: number;
  /** Non-null values that are finite. */
  finite: number;
  negInf: number;
  posInf: number;
  nan: number;
}

export interface HistogramSpec {
  column: string;
  min: number;
  max: number;
  bins: number;
}

export const EMPTY_RANGE: ValueRange = { min: Infinity, max: -Infinity, finite: 0, negInf: 0, posInf: 0, nan: 0 };

function eachValue(vector: arrow.Vector, visit: (values: ArrayLike<number | bigint>, start: number, end: number) => void): void {
  if (numericDType(vector.type) === null) throw new TypeError(`not a numeric column: ${String(vector.type)}`);
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    const validity = data.nullCount > 0 ? data.nullBitmap ?? null : null;
    forEachValidRun(validity, data.offset, data.length, (s, e) => visit(values, data.offset + s, data.offset + e));
  }
}

/** The range and the special-value counts of a numeric column. */
export function valueRange(vector: arrow.Vector): ValueRange {
  const r = { ...EMPTY_RANGE };
  eachValue(vector, (values, start, end) => {
    for (let i = start; i < end; i++) {
      const x = Number(values[i]!);
      if (x >= -Infinity && x <= Infinity) {
        if (x === Infinity) r.posInf++;
        else if (x === -Infinity) r.negInf++;
        else {
          r.finite++;
          if (x < r.min) r.min = x;
          if (x > r.max) r.max = x;
        }
      } else r.nan++;
    }
  });
  return r;
}

export function mergeRanges(a: ValueRange, b: ValueRange): ValueRange {
  return {
    min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), finite: a.finite + b.finite,
    negInf: a.negInf + b.negInf, posInf: a.posInf + b.posInf, nan: a.nan + b.nan,
  };
}

function binOf(x: number, spec: HistogramSpec): number {
  const b = Math.floor(((x - spec.min) / (spec.max - spec.min)) * spec.bins);
  return b < 0 ? 0 : b >= spec.bins ? spec.bins - 1 : b;
}

/** Counts of the finite values of a column in `spec.bins` equal bins over [min, max]. */
export function histogram(vector: arrow.Vector, spec: HistogramSpec): Float64Array {
  const counts = new Float64Array(spec.bins);
  const single = !(spec.max > spec.min);
  eachValue(vector, (values, start, end) => {
    for (let i = start; i < end; i++) {
      const x = Number(values[i]!);
      if (x > -Infinity && x < Infinity) counts[single ? 0 : binOf(x, spec)]!++;
    }
  });
  return counts;
}

/**
 * The `q` quantile with linear interpolation between order statistics (DuckDB's
 * `quantile_cont`), from a merged range and histogram; null when there are no values.
 */
export function quantileFromHistogram(range: ValueRange, counts: Float64Array, spec: HistogramSpec, q: number): number | null {
  const n = range.negInf + range.finite + range.posInf + range.nan;
  if (n === 0) return null;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const a = orderStatistic(range, counts, spec, lo);
  if (h === lo) return a;
  const b = orderStatistic(range, counts, spec, lo + 1);
  if (a === b) return a;
  return a + (h - lo) * (b - a);
}

/** The k-th smallest value (0-based), within one bin. */
function orderStatistic(range: ValueRange, counts: Float64Array, spec: HistogramSpec, k: number): number {
  if (k < range.negInf) return -Infinity;
  k -= range.negInf;
  if (k < range.finite) {
    if (!(spec.max > spec.min)) return spec.min;
    const width = (spec.max - spec.min) / spec.bins;
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      const c = counts[b]!;
      if (k < seen + c) {
        // Spread the bin's values evenly over it; the extreme order statistics are exact.
        if (k === 0) return spec.min;
        if (k === range.finite - 1) return spec.max;
        return spec.min + (b + (k - seen + 0.5) / c) * width;
      }
      seen += c;
    }
    return spec.max;
  }
  k -= range.finite;
  return k < range.posInf ? Infinity : NaN;
}
