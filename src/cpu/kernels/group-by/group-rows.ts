/**
 * Group ids from key columns: every row gets the id of its key tuple, ids numbered in order of
 * first appearance. One dictionary or small-range integer key goes straight to ids in one pass
 * (`denseGroups`). Otherwise each column is encoded to codes and the columns are folded in one
 * at a time: when the product of the code spaces is small the pair (group so far, code)
 * indexes a direct table, otherwise a `PairMap` numbers the pairs; either way one pass per key
 * column, no per-row allocation. The last pass also counts the rows of every group. With the
 * native addon, the direct-table fold runs in C++ (the same ids).
 */
import type { Chunks, ColumnKind } from './column-kind.js';
import { denseGroups } from './dense-groups.js';
import { directLimit, encodeColumn, encodeColumnScratch } from './encode-column.js';
import { nativeGroupBy } from '../native-group-by.js';
import { PairMap } from './pair-map.js';

export interface GroupIds {
  /**
   * The group of every row: valid until the next `groupRows` call on this thread (it may be a
   * reused scratch array) and read-only without keys (a shared array of zeros).
   */
  gid: Int32Array;
  groups: number;
  /** The first row of every group. */
  firstRow: Int32Array;
  /** Rows per group. */
  sizes: Float64Array;
}

/**
 * Group ids of n rows keyed by `columns`; with no columns every row is in the one group 0,
 * which exists even when n is 0.
 * @example
 * const { gid, groups, firstRow } = groupRows([{ chunks: table.getChild('id1')!.data, kind: { kind: 'dict' } }], table.numRows);
 */
export function groupRows(columns: readonly { chunks: Chunks; kind: ColumnKind }[], n: number): GroupIds {
  if (columns.length === 0) return { gid: zeros(n), groups: 1, firstRow: new Int32Array(1), sizes: Float64Array.of(n) };
  const last = columns.length - 1;
  const first = denseGroups(columns[0].chunks, columns[0].kind, n);
  let ids: GroupIds;
  if (first !== null) ids = first;
  else {
    const { codes, card } = encodeColumn(columns[0].chunks, columns[0].kind, n);
    ids = { gid: codes, ...densify(codes, card, last === 0) };
  }
  const gid = ids.gid;
  for (let j = 1; j <= last; j++) {
    // Folded in at once: the codes may live in a scratch array.
    const { codes, card } = encodeColumnScratch(columns[j].chunks, columns[j].kind, n);
    const groups = ids.groups;
    const next = groups * card <= directLimit(n)
      ? densifyPairs(gid, codes, card, groups * card, j === last)
      : numberPairs(gid, codes, Math.min(n, Math.max(groups, card)), j === last);
    ids = { gid, ...next };
  }
  return ids;
}

/** One zero-filled array per thread, never written: every row's group when there are no keys. */
let ZEROS = new Int32Array(0);

function zeros(n: number): Int32Array {
  if (ZEROS.length < n) ZEROS = new Int32Array(Math.max(n, 2 * ZEROS.length));
  return ZEROS.subarray(0, n);
}

type Numbered = Omit<GroupIds, 'gid'>;

/** Renumbers codes below `card` in place, in order of first appearance (counting rows if asked). */
function densify(codes: Int32Array, card: number, count: boolean): Numbered {
  const n = codes.length;
  const map = new Int32Array(card).fill(-1);
  const first = new Int32Array(Math.min(card, n));
  const sizes = new Float64Array(count ? Math.min(card, n) : 0);
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    let g = map[c];
    if (g < 0) {
      g = map[c] = groups;
      first[groups++] = i;
    }
    codes[i] = g;
    if (count) sizes[g]++;
  }
  return { groups, firstRow: first.subarray(0, groups), sizes: sizes.subarray(0, count ? groups : 0) };
}

/** gid[i] ← the dense id of gid[i] · card + codes[i] (below `space`), as `densify` numbers them. */
function densifyPairs(gid: Int32Array, codes: Int32Array, card: number, space: number, count: boolean): Numbered {
  const n = gid.length;
  const map = new Int32Array(space).fill(-1);
  const first = new Int32Array(Math.min(space, n));
  const sizes = new Float64Array(count ? Math.min(space, n) : 0);
  const native = nativeGroupBy();
  if (native !== null) {
    const groups = native.pairGroups(gid, codes, card, map, first, count ? sizes : null);
    return { groups, firstRow: first.subarray(0, groups), sizes: sizes.subarray(0, count ? groups : 0) };
  }
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const c = gid[i] * card + codes[i];
    let g = map[c];
    if (g < 0) {
      g = map[c] = groups;
      first[groups++] = i;
    }
    gid[i] = g;
    if (count) sizes[g]++;
  }
  return { groups, firstRow: first.subarray(0, groups), sizes: sizes.subarray(0, count ? groups : 0) };
}

/** gid[i] ← the id of the pair (gid[i], codes[i]), in order of first appearance. */
function numberPairs(gid: Int32Array, codes: Int32Array, expected: number, count: boolean): Numbered {
  const n = gid.length;
  const map = new PairMap(expected);
  let first = new Int32Array(Math.max(16, expected));
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const g = map.id(gid[i], codes[i]);
    if (g === groups) {
      if (groups === first.length) {
        const bigger = new Int32Array(first.length * 2);
        bigger.set(first);
        first = bigger;
      }
      first[groups++] = i;
    }
    gid[i] = g;
  }
  const sizes = new Float64Array(count ? groups : 0);
  if (count) for (let i = 0; i < n; i++) sizes[gid[i]]++;
  return { groups, firstRow: first.subarray(0, groups), sizes };
}
