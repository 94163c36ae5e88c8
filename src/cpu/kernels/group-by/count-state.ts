/** count (non-null values) and size (rows) per group: the counts add up across partials. */
import type * as arrow from 'apache-arrow';
import type { CountState } from './agg-types.js';
import { countsData, nonNullCounts, offsetsOf, takeF64, type PartialInput, type StateKernel, type BucketTakes } from './state-kernel.js';

/**
 * The count and size state kernel.
 * @example
 * const state = countKernel.partial({ fn: 'size', column: 'size', chunks: null, kind: null, gid, groups, sizes });
 */
export const countKernel: StateKernel<CountState> = {
  partial(input: PartialInput): CountState {
    // The sizes are shared, not copied: no state array is written after its partial.
    return { kind: 'count', count: input.fn === 'size' ? input.sizes : nonNullCounts(input) };
  },

  merge(states: readonly CountState[], gid: Int32Array, groups: number): CountState {
    const count = new Float64Array(groups);
    const at = offsetsOf(states.map((s) => s.count.length));
    states.forEach((s, p) => {
      const off = at[p];
      for (let r = 0; r < s.count.length; r++) count[gid[off + r]] += s.count[r];
    });
    return { kind: 'count', count };
  },

  take(state: CountState, rows: Int32Array, into?: BucketTakes): CountState {
    return { kind: 'count', count: takeF64(state.count, rows, into) };
  },

  finalize(state: CountState): arrow.Data {
    return countsData(state.count);
  },

  buffers(state: CountState): ArrayBuffer[] {
    return [state.count.buffer as ArrayBuffer];
  },
};
