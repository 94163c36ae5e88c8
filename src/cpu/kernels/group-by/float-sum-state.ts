/**
 * Float sums per group (sum and mean of float columns) as double-doubles: every row is added
 * with an error-free two-sum whose rounding error collects in a second double, so a group's sum
 * is within a few ulps of the exact sum whatever the order or the row count. Partials merge as
 * `addDD` adds. NaN and ±Infinity propagate through the high part as IEEE addition does. The
 * native addon runs the same loops (same operations, same order, same bits): over whole chunks,
 * and the merge.
 */
import type * as arrow from 'apache-arrow';
import type { FloatSumState } from './agg-types.js';
import { nativeGroupBy } from '../native-group-by.js';
import { eachChunk, numericValues, validityOf, validRuns } from './column-kind.js';
import {
  float64Data, nonNullCounts, offsetsOf, takeF64, validWhere, type PartialInput, type StateKernel, type BucketTakes,
} from './state-kernel.js';

function addRun(
  v: Float64Array | Float32Array, gid: Int32Array, start: number, s: number, e: number, hi: Float64Array, lo: Float64Array,
): void {
  if (hi.length === 1) {
    // One group (an aggregate without keys): the same two-sum in registers. Through memory,
    // each row would wait for the store of the row before.
    let a = hi[0];
    let l = lo[0];
    for (let i = s; i < e; i++) {
      const x = v[i];
      const t = a + x;
      const b = t - a;
      l += a - (t - b) + (x - b);
      a = t;
    }
    hi[0] = a;
    lo[0] = l;
    return;
  }
  for (let i = s; i < e; i++) {
    const g = gid[start + i];
    const x = v[i];
    const a = hi[g];
    const t = a + x;
    const b = t - a;
    lo[g] += a - (t - b) + (x - b);
    hi[g] = t;
  }
}

/** hi[g] + lo[g] += bHi + bLo, as `addDD` does it, without a tuple per call. */
function addInto(hi: Float64Array, lo: Float64Array, g: number, bHi: number, bLo: number): void {
  const aHi = hi[g];
  const t = aHi + bHi;
  if (!Number.isFinite(t)) {
    hi[g] = t;
    lo[g] = 0;
    return;
  }
  const bb = t - aHi;
  const e = aHi - (t - bb) + (bHi - bb) + (lo[g] + bLo);
  const h = t + e;
  hi[g] = h;
  lo[g] = e - (h - t);
}

/** The value of group g's sum: hi alone once it is not finite (lo is then meaningless). */
function sumOf(s: FloatSumState, g: number): number {
  const h = s.hi[g];
  return Number.isFinite(h) ? h + s.lo[g] : h;
}

/**
 * The double-double float sum (and mean) state kernel.
 * @example
 * const state = floatSumKernel.partial({ fn: 'mean', column: 'v3', chunks, kind, gid, groups, sizes });
 */
export const floatSumKernel: StateKernel<FloatSumState> = {
  partial(input: PartialInput): FloatSumState {
    const { gid, groups } = input;
    const hi = new Float64Array(groups);
    const lo = new Float64Array(groups);
    const native = nativeGroupBy();
    eachChunk(input.chunks!, (d, start) => {
      const v = numericValues(d) as Float64Array | Float32Array;
      if (native !== null) native.sumFloats(v, validityOf(d), d.offset, d.length, gid, start, hi, lo);
      else validRuns(d, (s, e) => addRun(v, gid, start, s, e, hi, lo));
    });
    return { kind: 'float-sum', count: nonNullCounts(input), hi, lo };
  },

  merge(states: readonly FloatSumState[], gid: Int32Array, groups: number): FloatSumState {
    const count = new Float64Array(groups);
    const hi = new Float64Array(groups);
    const lo = new Float64Array(groups);
    const at = offsetsOf(states.map((s) => s.count.length));
    const native = nativeGroupBy();
    states.forEach((s, p) => {
      const off = at[p];
      if (native !== null) {
        native.mergeFloatSums(gid, off, s.count.length, s.count, s.hi, s.lo, count, hi, lo);
        return;
      }
      for (let r = 0; r < s.count.length; r++) {
        const g = gid[off + r];
        count[g] += s.count[r];
        addInto(hi, lo, g, s.hi[r], s.lo[r]);
      }
    });
    return { kind: 'float-sum', count, hi, lo };
  },

  take(s: FloatSumState, rows: Int32Array, into?: BucketTakes): FloatSumState {
    return { kind: 'float-sum', count: takeF64(s.count, rows, into), hi: takeF64(s.hi, rows, into), lo: takeF64(s.lo, rows, into) };
  },

  finalize(s: FloatSumState, fn): arrow.Data {
    const groups = s.count.length;
    const out = new Float64Array(groups);
    for (let g = 0; g < groups; g++) {
      if (s.count[g] === 0) continue;
      out[g] = fn === 'mean' ? sumOf(s, g) / s.count[g] : sumOf(s, g);
    }
    return float64Data(out, validWhere(s.count, 0));
  },

  buffers(s: FloatSumState): ArrayBuffer[] {
    return [s.count, s.hi, s.lo].map((a) => a.buffer as ArrayBuffer);
  },
};
