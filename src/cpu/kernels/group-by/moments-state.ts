/**
 * var and std per group: Welford's running (count, mean, M2) over a partition's rows, and Chan's
 * pairwise update to merge partials. Both are shift-invariant, so data far from zero keeps its
 * precision. A NaN or an infinity in a group makes its M2 NaN, and the variance with it. The
 * native addon runs the same update (same bits) over whole chunks of all but 64-bit integers.
 */
import type * as arrow from 'apache-arrow';
import type { MomentsState } from './agg-types.js';
import { nativeGroupBy } from '../native-group-by.js';
import { eachChunk, numericValues, validityOf, validRuns, words64 } from './column-kind.js';
import { float64Data, offsetsOf, takeF64, validWhere, type PartialInput, type StateKernel, type BucketTakes } from './state-kernel.js';

type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

function welfordRun(
  v: Narrow, gid: Int32Array, start: number, s: number, e: number, st: MomentsState,
): void {
  const { count, mean, m2 } = st;
  if (count.length === 1) {
    // One group (no keys): Welford's update in registers.
    let c = count[0];
    let mu = mean[0];
    let q = m2[0];
    for (let i = s; i < e; i++) {
      const x = v[i];
      const n = ++c;
      const d = x - mu;
      const m = mu + d / n;
      mu = m;
      q += d * (x - m);
    }
    count[0] = c;
    mean[0] = mu;
    m2[0] = q;
    return;
  }
  for (let i = s; i < e; i++) {
    const g = gid[start + i];
    const x = v[i];
    const n = ++count[g];
    const d = x - mean[g];
    const m = mean[g] + d / n;
    mean[g] = m;
    m2[g] += d * (x - m);
  }
}

function welfordWide(
  lo: Uint32Array, hi: Int32Array | Uint32Array, gid: Int32Array, start: number, s: number, e: number, st: MomentsState,
): void {
  const { count, mean, m2 } = st;
  for (let i = s; i < e; i++) {
    const g = gid[start + i];
    const x = hi[2 * i + 1] * 4294967296 + lo[2 * i];
    const n = ++count[g];
    const d = x - mean[g];
    const m = mean[g] + d / n;
    mean[g] = m;
    m2[g] += d * (x - m);
  }
}

function emptyState(groups: number): MomentsState {
  return { kind: 'moments', count: new Float64Array(groups), mean: new Float64Array(groups), m2: new Float64Array(groups) };
}

/**
 * The var/std state kernel.
 * @example
 * const data = momentsKernel.finalize(momentsKernel.merge([a, b], gid, groups), 'std', 'v3');
 */
export const momentsKernel: StateKernel<MomentsState> = {
  partial(input: PartialInput): MomentsState {
    const st = emptyState(input.groups);
    const kind = input.kind!;
    const dtype = kind.kind === 'number' ? kind.dtype : 'float64';
    const native = nativeGroupBy();
    eachChunk(input.chunks!, (d, start) => {
      if (dtype === 'int64' || dtype === 'uint64') {
        const { lo, hi } = words64(d, dtype === 'int64');
        validRuns(d, (s, e) => welfordWide(lo, hi, input.gid, start, s, e, st));
      } else if (native !== null) {
        native.welford(numericValues(d) as Narrow, validityOf(d), d.offset, d.length, input.gid, start, st.count, st.mean, st.m2);
      } else {
        const v = numericValues(d) as Narrow;
        validRuns(d, (s, e) => welfordRun(v, input.gid, start, s, e, st));
      }
    });
    return st;
  },

  merge(states: readonly MomentsState[], gid: Int32Array, groups: number): MomentsState {
    const out = emptyState(groups);
    const { count, mean, m2 } = out;
    const at = offsetsOf(states.map((s) => s.count.length));
    states.forEach((s, p) => {
      const off = at[p];
      for (let r = 0; r < s.count.length; r++) {
        const nb = s.count[r];
        if (nb === 0) continue;
        const g = gid[off + r];
        const na = count[g];
        const n = na + nb;
        const d = s.mean[r] - mean[g];
        // With na = 0 this takes b's moments as they are.
        mean[g] = na === 0 ? s.mean[r] : mean[g] + d * (nb / n);
        m2[g] = na === 0 ? s.m2[r] : m2[g] + s.m2[r] + d * d * ((na * nb) / n);
        count[g] = n;
      }
    });
    return out;
  },

  take(s: MomentsState, rows: Int32Array, into?: BucketTakes): MomentsState {
    return { kind: 'moments', count: takeF64(s.count, rows, into), mean: takeF64(s.mean, rows, into), m2: takeF64(s.m2, rows, into) };
  },

  finalize(s: MomentsState, fn): arrow.Data {
    const groups = s.count.length;
    const out = new Float64Array(groups);
    for (let g = 0; g < groups; g++) {
      const n = s.count[g];
      if (n < 2) continue;
      const v = s.m2[g] / (n - 1);
      out[g] = fn === 'std' ? Math.sqrt(v) : v;
    }
    return float64Data(out, validWhere(s.count, 1));
  },

  buffers(s: MomentsState): ArrayBuffer[] {
    return [s.count, s.mean, s.m2].map((a) => a.buffer as ArrayBuffer);
  },
};
