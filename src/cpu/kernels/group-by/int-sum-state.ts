/**
 * Exact integer sums per group (sum and mean of integer columns). The hot loop adds values into
 * one double per group (two for 64-bit input: low and high words), exact while fewer than 2^20
 * rows have been added; every 2^20 rows those are carried into the three-limb total of
 * `IntSumState`, which cannot overflow, so only the final int64 conversion can fail. With the
 * native addon, integers of at most 32 bits are added into one int64 per group instead (exact
 * below 2^31 rows), carried into the limbs once: the limbs are the same, as the total is; the
 * merge runs natively too, with the same carries.
 */
import type * as arrow from 'apache-arrow';
import { DuskError } from '../../../errors.js';
import { nativeGroupBy, type NativeGroupBy } from '../native-group-by.js';
import type { IntSumState } from './agg-types.js';
import { eachChunk, numericValues, validityOf, validRuns, words64 } from './column-kind.js';
import {
  float64Data, int64Data, nonNullCounts, offsetsOf, takeF64, validWhere, type PartialInput, type StateKernel, type BucketTakes,
} from './state-kernel.js';

const TWO32 = 4294967296;
const TWO64 = TWO32 * TWO32;
/** Rows added to a double accumulator before it is carried: 2^20 · 2^32 stays below 2^53. */
const FLUSH = 1 << 20;

type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** Adds a0 + a1·2^32 (|a0|, |a1| < 2^52) to group g's limbs, carrying exactly. */
function carry(s: IntSumState, g: number, a0: number, a1: number): void {
  const x = s.l0[g] + a0;
  const c = Math.floor(x / TWO32);
  s.l0[g] = x - c * TWO32;
  const y = s.l1[g] + a1 + c;
  const c2 = Math.floor(y / TWO32);
  s.l1[g] = y - c2 * TWO32;
  s.l2[g] += c2;
}

function emptyState(groups: number, count: Float64Array): IntSumState {
  return { kind: 'int-sum', count, l0: new Float64Array(groups), l1: new Float64Array(groups), l2: new Float64Array(groups) };
}

/** This thread's int64 accumulators, kept between partials (fresh memory costs more than zeroing). */
let ACC = new BigInt64Array(0);

/** Groups above which the accumulators are allocated for the call, not kept (16 MB). */
const KEPT_GROUPS = 1 << 21;

function accumulators(groups: number): BigInt64Array {
  if (groups > KEPT_GROUPS) return new BigInt64Array(groups);
  if (ACC.length < groups) ACC = new BigInt64Array(Math.min(KEPT_GROUPS, Math.max(groups, 2 * ACC.length)));
  else ACC.fill(0n, 0, groups);
  return ACC.subarray(0, groups);
}

/** The native path: one int64 per group, carried into the limbs at the end. */
function nativePartial(native: NativeGroupBy, input: PartialInput, state: IntSumState): IntSumState {
  const { gid, groups } = input;
  const acc = accumulators(groups);
  eachChunk(input.chunks!, (d, start) => {
    native.sumInts(numericValues(d) as Narrow, validityOf(d), d.offset, d.length, gid, start, acc);
  });
  const words = new Int32Array(acc.buffer);
  for (let g = 0; g < groups; g++) {
    const lo = words[2 * g] >>> 0;
    const hi = words[2 * g + 1];
    if (lo !== 0 || hi !== 0) carry(state, g, lo, hi);
  }
  return state;
}

function partial(input: PartialInput): IntSumState {
  const { gid, groups, sizes } = input;
  const dtype = input.kind!.kind === 'number' ? input.kind!.dtype : 'int32';
  const state = emptyState(groups, nonNullCounts(input));
  const wide = dtype === 'int64' || dtype === 'uint64';
  const native = wide || gid.length >= 2 ** 31 ? null : nativeGroupBy();
  if (native !== null) return nativePartial(native, input, state);
  const acc0 = new Float64Array(groups);
  const acc1 = wide ? new Float64Array(groups) : acc0;
  // Only a group of more than 2^20 rows can take its accumulator past 2^52 (8- and 16-bit
  // values never can): those few are carried every 2^20 rows, the others once at the end.
  const big: number[] = [];
  if (dtype === 'int32' || dtype === 'uint32' || wide) for (let g = 0; g < groups; g++) if (sizes[g] > FLUSH) big.push(g);
  const every = big.length > 0 ? FLUSH : Number.POSITIVE_INFINITY;
  const flush = (g: number): void => {
    const a0 = acc0[g];
    const a1 = wide ? acc1[g] : 0;
    if (a0 === 0 && a1 === 0) return;
    carry(state, g, a0, a1);
    acc0[g] = 0;
    acc1[g] = 0;
  };
  let pending = 0;
  eachChunk(input.chunks!, (d, start) => {
    const w = wide ? words64(d, dtype === 'int64') : null;
    const v = wide ? null : (numericValues(d) as Narrow);
    validRuns(d, (s, e) => {
      for (let i = s; i < e;) {
        const stop = Math.min(e, i + (every - pending));
        if (w !== null) addWide(w.lo, w.hi, gid, start, i, stop, acc0, acc1);
        else addNarrow(v!, gid, start, i, stop, acc0);
        pending += stop - i;
        i = stop;
        if (pending >= every) {
          for (const g of big) flush(g);
          pending = 0;
        }
      }
    });
  });
  for (let g = 0; g < groups; g++) flush(g);
  return state;
}

function addNarrow(v: Narrow, gid: Int32Array, start: number, s: number, e: number, acc: Float64Array): void {
  if (acc.length === 1) {
    // One group (no keys): the running sum in a register, not a store and load per row.
    let a = acc[0];
    for (let i = s; i < e; i++) a += v[i];
    acc[0] = a;
    return;
  }
  for (let i = s; i < e; i++) acc[gid[start + i]] += v[i];
}

function addWide(
  lo: Uint32Array, hi: Int32Array | Uint32Array, gid: Int32Array, start: number, s: number, e: number,
  acc0: Float64Array, acc1: Float64Array,
): void {
  for (let i = s; i < e; i++) {
    const g = gid[start + i];
    acc0[g] += lo[2 * i];
    acc1[g] += hi[2 * i + 1];
  }
}

/** The exact total of group g. */
function exactTotal(s: IntSumState, g: number): bigint {
  return (BigInt(s.l2[g]) << 64n) + (BigInt(s.l1[g]) << 32n) + BigInt(s.l0[g]);
}

/** total / count, rounded once when the total is below 2^52, else through bigints. */
function meanOf(s: IntSumState, g: number): number {
  const n = s.count[g];
  const top = s.l2[g];
  if (top === 0 || top === -1) {
    const high = top * TWO64 + s.l1[g] * TWO32;
    if (Math.abs(high) < 2 ** 52) return (high + s.l0[g]) / n;
  }
  const total = exactTotal(s, g);
  const bn = BigInt(n);
  return Number(total / bn) + Number(total % bn) / n;
}

/**
 * The exact integer sum (and mean) state kernel.
 * @example
 * const state = intSumKernel.partial({ fn: 'sum', column: 'v1', chunks, kind, gid, groups, sizes });
 */
export const intSumKernel: StateKernel<IntSumState> = {
  partial,

  merge(states: readonly IntSumState[], gid: Int32Array, groups: number): IntSumState {
    const out = emptyState(groups, new Float64Array(groups));
    const at = offsetsOf(states.map((s) => s.count.length));
    const native = nativeGroupBy();
    states.forEach((s, p) => {
      const off = at[p];
      if (native !== null) {
        native.mergeIntSums(gid, off, s.count.length, s.count, s.l0, s.l1, s.l2, out.count, out.l0, out.l1, out.l2);
        return;
      }
      for (let r = 0; r < s.count.length; r++) {
        const g = gid[off + r];
        out.count[g] += s.count[r];
        carry(out, g, s.l0[r], s.l1[r]);
        out.l2[g] += s.l2[r];
      }
    });
    return out;
  },

  take(s: IntSumState, rows: Int32Array, into?: BucketTakes): IntSumState {
    return { kind: 'int-sum', count: takeF64(s.count, rows, into), l0: takeF64(s.l0, rows, into), l1: takeF64(s.l1, rows, into), l2: takeF64(s.l2, rows, into) };
  },

  finalize(s: IntSumState, fn, column): arrow.Data {
    const groups = s.count.length;
    const valid = validWhere(s.count, 0);
    if (fn === 'mean') {
      const out = new Float64Array(groups);
      for (let g = 0; g < groups; g++) if (s.count[g] > 0) out[g] = meanOf(s, g);
      return float64Data(out, valid);
    }
    const words = new Uint32Array(groups * 2);
    for (let g = 0; g < groups; g++) {
      if (s.count[g] === 0) continue;
      const top = s.l2[g];
      const hi = s.l1[g];
      // The total fits int64 exactly when its limbs are a sign extension of the low 64 bits.
      if (!((top === 0 && hi < 2 ** 31) || (top === -1 && hi >= 2 ** 31))) {
        throw new DuskError('OVERFLOW', `sum of column '${column}' is ${exactTotal(s, g)} in one group, which does not fit in int64`);
      }
      words[2 * g] = s.l0[g];
      words[2 * g + 1] = hi;
    }
    return int64Data(words, valid);
  },

  buffers(s: IntSumState): ArrayBuffer[] {
    return [s.count, s.l0, s.l1, s.l2].map((a) => a.buffer as ArrayBuffer);
  },
};
