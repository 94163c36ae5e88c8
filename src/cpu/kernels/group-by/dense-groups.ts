/**
 * The common one-key case in one pass: group ids straight from a single dictionary or
 * small-range integer key column, numbered in order of first appearance, without the codes
 * array and renumbering pass of the general path (`encodeColumn` then `groupRows`' fold). A
 * dictionary entry is looked up by content once per dictionary. Rows are counted per code (or
 * dictionary entry), not per group, so the count does not wait on the group lookup, and the
 * counts are moved to their groups at the end. The loops take every array as a parameter so
 * that V8 keeps them in registers.
 */
import type { GroupIds } from './group-rows.js';
import { ByteInterner } from './byte-interner.js';
import { dictionaryIndices, numericValues, validityOf, type Chunks, type ColumnKind, type IndexArray } from './column-kind.js';
import { dictionaryCodes, dictionaryEntries, directLimit, smallIntRange, type SmallInts } from './encode-column.js';

/** Group state while numbering: code → group, and the first row of every group. */
interface Numbering {
  gid: Int32Array;
  /** Group of each code, -1 while unseen; code 0 is null. */
  map: Int32Array;
  first: Int32Array;
  groups: number;
}

function numbering(n: number, card: number): Numbering {
  return { gid: new Int32Array(n), map: new Int32Array(card).fill(-1), first: new Int32Array(Math.min(n, card)), groups: 0 };
}

function result(num: Numbering, sizes: Float64Array): GroupIds {
  const { gid, groups } = num;
  return { gid, groups, firstRow: num.first.subarray(0, groups), sizes };
}

/**
 * Group ids of one key column when it is a dictionary or a small-range integer column; null for
 * the other kinds, which take the general path.
 * @example
 * const ids = denseGroups(table.getChild('id1')!.data, { kind: 'dict' }, table.numRows);
 */
export function denseGroups(chunks: Chunks, kind: ColumnKind, n: number): GroupIds | null {
  if (kind.kind === 'dict') return denseDictionary(chunks, n);
  if (kind.kind !== 'number' || ['int64', 'uint64', 'float32', 'float64'].includes(kind.dtype)) return null;
  const { min, max } = smallIntRange(chunks);
  if (min <= max && max - min + 1 > directLimit(n)) return null;
  // Code 0 is null; value x is code x - min + 1.
  const card = min <= max ? max - min + 2 : 1;
  const num = numbering(n, card);
  const count = new Float64Array(card);
  const shift = 1 - (min <= max ? min : 0);
  let start = 0;
  for (const d of chunks) {
    num.groups = numberInts(numericValues(d) as SmallInts, validityOf(d), d.offset, shift, start, d.length, num.groups, num, count);
    start += d.length;
  }
  const sizes = new Float64Array(num.groups);
  for (let c = 0; c < card; c++) if (num.map[c] >= 0) sizes[num.map[c]] = count[c];
  return result(num, sizes);
}

function numberInts(
  v: SmallInts, bits: Uint8Array | null, offset: number, shift: number, start: number, length: number, groups: number,
  num: Numbering, count: Float64Array,
): number {
  const { gid, map, first } = num;
  if (bits === null) {
    // The common case gets its own loop, free of the validity test.
    for (let i = 0; i < length; i++) {
      const c = v[i] + shift;
      count[c]++;
      let g = map[c];
      if (g < 0) {
        g = map[c] = groups;
        first[groups++] = start + i;
      }
      gid[start + i] = g;
    }
    return groups;
  }
  for (let i = 0; i < length; i++) {
    const c = ((bits[(offset + i) >> 3] >> ((offset + i) & 7)) & 1) === 0 ? 0 : v[i] + shift;
    count[c]++;
    let g = map[c];
    if (g < 0) {
      g = map[c] = groups;
      first[groups++] = start + i;
    }
    gid[start + i] = g;
  }
  return groups;
}

/** Per distinct dictionary: the group of every entry (-1 while unseen) and its row count. */
interface EntryState {
  group: Int32Array;
  count: Float64Array;
}

function denseDictionary(chunks: Chunks, n: number): GroupIds {
  const strings = new ByteInterner(dictionaryEntries(chunks));
  const cache = new Map<unknown, Int32Array>();
  // Every dictionary is interned first, so the code space (and the table) is known.
  const entryCodes = chunks.map((d) => dictionaryCodes(d, strings, cache));
  const num = numbering(n, strings.size + 1);
  const entries = new Map<unknown, EntryState>();
  const nulls = { count: 0 };
  let start = 0;
  chunks.forEach((d, chunk) => {
    const codes = entryCodes[chunk];
    let state = entries.get(d.dictionary);
    if (state === undefined) {
      state = { group: new Int32Array(codes.length).fill(-1), count: new Float64Array(codes.length) };
      entries.set(d.dictionary, state);
    }
    num.groups = numberEntries(dictionaryIndices(d), validityOf(d), d.offset, codes, state, start, d.length, num.groups, num, nulls);
    start += d.length;
  });
  const sizes = new Float64Array(num.groups);
  for (const { group, count } of entries.values()) {
    for (let k = 0; k < group.length; k++) if (count[k] > 0) sizes[group[k]] += count[k];
  }
  if (nulls.count > 0) sizes[num.map[0]] += nulls.count;
  return result(num, sizes);
}

/** Numbers one dictionary chunk's rows: entry → group is cached per dictionary. */
function numberEntries(
  idx: IndexArray, bits: Uint8Array | null, offset: number, codes: Int32Array, state: EntryState, start: number,
  length: number, groups: number, num: Numbering, nulls: { count: number },
): number {
  const { gid, map, first } = num;
  const entry = state.group;
  const count = state.count;
  if (bits === null) {
    // The common case gets its own loop, free of the validity test.
    for (let i = 0; i < length; i++) {
      const k = idx[i];
      count[k]++;
      let g = entry[k];
      if (g < 0) {
        const c = codes[k];
        g = map[c];
        if (g < 0) {
          g = map[c] = groups;
          first[groups++] = start + i;
        }
        entry[k] = g;
      }
      gid[start + i] = g;
    }
    return groups;
  }
  for (let i = 0; i < length; i++) {
    let g: number;
    if (((bits[(offset + i) >> 3] >> ((offset + i) & 7)) & 1) === 0) {
      nulls.count++;
      g = map[0];
      if (g < 0) {
        g = map[0] = groups;
        first[groups++] = start + i;
      }
    } else {
      const k = idx[i];
      count[k]++;
      g = entry[k];
      if (g < 0) {
        const c = codes[k];
        g = map[c];
        if (g < 0) {
          g = map[c] = groups;
          first[groups++] = start + i;
        }
        entry[k] = g;
      }
    }
    gid[start + i] = g;
  }
  return groups;
}
