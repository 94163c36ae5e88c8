/**
 * nunique per group: the state is the set of distinct (group, value) pairs, each kept once with
 * the value of its first row. Values are compared through `encodeColumn` codes (NaN one value,
 * -0 equal to 0, strings by content), so merging re-encodes the partials' values concatenated
 * and keeps each (merged group, value) pair once.
 */
import type * as arrow from 'apache-arrow';
import type { DistinctState } from './agg-types.js';
import { chunkRows, type Chunks, type ColumnKind } from './column-kind.js';
import { directLimit, encodeColumn } from './encode-column.js';
import { gatherPlain } from './gather-column.js';
import { PairMap } from './pair-map.js';
import { kindOfPlain, plainBuffers, plainToData } from './plain-column.js';
import { countsData, offsetsOf, type PartialInput, type StateKernel } from './state-kernel.js';

/** A growable list of int32. */
class IntList {
  data = new Int32Array(64);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** The distinct (group of row, value) pairs of a column, with the group of each row given. */
function distinctPairs(chunks: Chunks, kind: ColumnKind, groupOf: Int32Array, groups: number): DistinctState {
  const n = chunkRows(chunks);
  const { codes, card } = encodeColumn(chunks, kind, n);
  const rows = new IntList();
  const group = new IntList();
  if (groups * card <= directLimit(n)) {
    const seen = new Uint8Array(groups * card);
    for (let i = 0; i < n; i++) {
      const c = codes[i];
      if (c === 0) continue;
      const key = groupOf[i] * card + c;
      if (seen[key] === 0) {
        seen[key] = 1;
        rows.push(i);
        group.push(groupOf[i]);
      }
    }
  } else {
    const map = new PairMap(1024);
    for (let i = 0; i < n; i++) {
      const c = codes[i];
      if (c === 0) continue;
      const before = map.size;
      if (map.id(groupOf[i], c) === before) {
        rows.push(i);
        group.push(groupOf[i]);
      }
    }
  }
  return { kind: 'distinct', groups, group: group.toArray(), values: gatherPlain(chunks, kind, rows.toArray()) };
}

/**
 * The nunique state kernel.
 * @example
 * const counts = distinctKernel.finalize(distinctKernel.partial(input), 'nunique', 'v');
 */
export const distinctKernel: StateKernel<DistinctState> = {
  partial(input: PartialInput): DistinctState {
    return distinctPairs(input.chunks!, input.kind!, input.gid, input.groups);
  },

  merge(states: readonly DistinctState[], gid: Int32Array, groups: number): DistinctState {
    const at = offsetsOf(states.map((s) => s.groups));
    let total = 0;
    for (const s of states) total += s.group.length;
    const groupOf = new Int32Array(total);
    let j = 0;
    states.forEach((s, p) => {
      for (let k = 0; k < s.group.length; k++) groupOf[j++] = gid[at[p] + s.group[k]];
    });
    const chunks = states.map((s) => plainToData(s.values));
    return distinctPairs(chunks, kindOfPlain(states[0].values.type), groupOf, groups);
  },

  take(s: DistinctState, rows: Int32Array): DistinctState {
    const place = new Int32Array(s.groups).fill(-1);
    rows.forEach((g, j) => {
      place[g] = j;
    });
    const keep = new IntList();
    const group = new IntList();
    for (let k = 0; k < s.group.length; k++) {
      const to = place[s.group[k]];
      if (to < 0) continue;
      keep.push(k);
      group.push(to);
    }
    const values = gatherPlain([plainToData(s.values)], kindOfPlain(s.values.type), keep.toArray());
    return { kind: 'distinct', groups: rows.length, group: group.toArray(), values };
  },

  finalize(s: DistinctState): arrow.Data {
    const count = new Float64Array(s.groups);
    for (let k = 0; k < s.group.length; k++) count[s.group[k]]++;
    return countsData(count);
  },

  buffers(s: DistinctState): ArrayBuffer[] {
    return [s.group.buffer as ArrayBuffer, ...plainBuffers(s.values)];
  },
};
