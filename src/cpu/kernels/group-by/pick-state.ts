/**
 * min, max, first and last per group: each picks one row of the group (the extreme, or the
 * first/last non-null in row order), and the state keeps that row's value in the input's type.
 * Merging picks again over the partials' values concatenated in partition order, with the same
 * loops. Order: NaN above everything, -0 equal to 0 (extremes come out as +0), strings by code
 * point (compared as ranks, so no string is decoded per row), false before true.
 */
import type * as arrow from 'apache-arrow';
import type { PickState, PlainColumn } from './agg-types.js';
import {
  boolAt, eachChunk, numericValues, validRuns, words64, type Chunks, type ColumnKind,
} from './column-kind.js';
import { encodeColumn } from './encode-column.js';
import { gatherPlain } from './gather-column.js';
import { kindOfPlain, plainBuffers, plainToData } from './plain-column.js';
import type { PartialInput, StateKernel } from './state-kernel.js';

type Pick = PickState['fn'];
type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** Whether x should replace the current extreme c (NaN above all; ties keep the earlier row). */
function better(min: boolean, x: number, c: number): boolean {
  return min ? x < c || (c !== c && x === x) : x > c || (x !== x && c === c);
}

/** The chosen column row of every group, -1 where the group has no non-null value. */
function pickRows(chunks: Chunks, kind: ColumnKind, gid: Int32Array, groups: number, fn: Pick): Int32Array {
  const best = new Int32Array(groups).fill(-1);
  const strings = kind.kind === 'utf8' || kind.kind === 'dict';
  // Dictionary entries can themselves be null, and strings compare by rank: both read codes.
  if (kind.kind === 'dict' || (strings && (fn === 'min' || fn === 'max'))) {
    pickByCode(chunks, kind, gid, best, fn);
    return best;
  }
  if (fn === 'first' || fn === 'last') {
    const first = fn === 'first';
    eachChunk(chunks, (d, start) => {
      validRuns(d, (s, e) => {
        for (let i = s; i < e; i++) {
          const g = gid[start + i];
          if (!first || best[g] < 0) best[g] = start + i;
        }
      });
    });
    return best;
  }
  const min = fn === 'min';
  if (kind.kind === 'number' && (kind.dtype === 'int64' || kind.dtype === 'uint64')) {
    const bh = new Float64Array(groups);
    const bl = new Float64Array(groups);
    eachChunk(chunks, (d, start) => {
      const { lo, hi } = words64(d, kind.dtype === 'int64');
      validRuns(d, (s, e) => {
        for (let i = s; i < e; i++) {
          const g = gid[start + i];
          const h = hi[2 * i + 1];
          const l = lo[2 * i];
          const c = best[g] < 0 ? 0 : h !== bh[g] ? h - bh[g] : l - bl[g];
          if (best[g] < 0 || (min ? c < 0 : c > 0)) {
            best[g] = start + i;
            bh[g] = h;
            bl[g] = l;
          }
        }
      });
    });
    return best;
  }
  const bv = new Float64Array(groups);
  eachChunk(chunks, (d, start) => {
    const v = kind.kind === 'number' ? (numericValues(d) as Narrow) : null;
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) {
        const g = gid[start + i];
        const x = v !== null ? v[i] : boolAt(d, i);
        if (best[g] < 0 || better(min, x, bv[g])) {
          best[g] = start + i;
          bv[g] = x;
        }
      }
    });
  });
  return best;
}

/** Picks over string codes: code 0 is null; min/max compare the codes' ranks in code-point order. */
function pickByCode(chunks: Chunks, kind: ColumnKind, gid: Int32Array, best: Int32Array, fn: Pick): void {
  let n = 0;
  for (const d of chunks) n += d.length;
  const { codes, strings } = encodeColumn(chunks, kind, n);
  const rank = fn === 'min' || fn === 'max' ? strings!.ranks() : null;
  const bestRank = new Int32Array(best.length);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c === 0) continue;
    const g = gid[i];
    if (rank === null) {
      if (fn === 'last' || best[g] < 0) best[g] = i;
      continue;
    }
    const r = rank[c - 1];
    if (best[g] < 0 || (fn === 'min' ? r < bestRank[g] : r > bestRank[g])) {
      best[g] = i;
      bestRank[g] = r;
    }
  }
}

/** -0 as +0 in a float plain column (extremes carry one zero). */
function positiveZeros(c: PlainColumn): PlainColumn {
  if (c.type !== 'float32' && c.type !== 'float64') return c;
  const values = (c.values as Float64Array | Float32Array).slice();
  for (let i = 0; i < values.length; i++) values[i] += 0;
  return { ...c, values };
}

/**
 * The min/max/first/last state kernel.
 * @example
 * const state = pickKernel.partial({ fn: 'first', column: 's', chunks, kind, gid, groups, sizes });
 */
export const pickKernel: StateKernel<PickState> = {
  partial(input: PartialInput): PickState {
    const fn = input.fn as Pick;
    const rows = pickRows(input.chunks!, input.kind!, input.gid, input.groups, fn);
    return { kind: 'pick', fn, values: gatherPlain(input.chunks!, input.kind!, rows) };
  },

  merge(states: readonly PickState[], gid: Int32Array, groups: number): PickState {
    const fn = states[0].fn;
    const chunks = states.map((s) => plainToData(s.values));
    const kind = kindOfPlain(states[0].values.type);
    return { kind: 'pick', fn, values: gatherPlain(chunks, kind, pickRows(chunks, kind, gid, groups, fn)) };
  },

  take(s: PickState, rows: Int32Array): PickState {
    return { kind: 'pick', fn: s.fn, values: gatherPlain([plainToData(s.values)], kindOfPlain(s.values.type), rows) };
  },

  finalize(s: PickState, fn): arrow.Data {
    return plainToData(fn === 'min' || fn === 'max' ? positiveZeros(s.values) : s.values);
  },

  buffers(s: PickState): ArrayBuffer[] {
    return plainBuffers(s.values);
  },
};
