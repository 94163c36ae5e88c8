/**
 * The common one-key case in one pass: group ids straight from a single dictionary or
 * small-range integer key column, numbered in order of first appearance, without the codes
 * array and renumbering pass of the general path (`encodeColumn` then `groupRows`' fold). A
 * dictionary entry is looked up by content once per dictionary. Rows are counted per code (or
 * dictionary entry), not per group, so the count does not wait on the group lookup, and the
 * counts are moved to their groups at the end. The loops take every array as a parameter so
 * that V8 keeps them in registers; with the native addon, the same loops run in C++ (same ids).
 */
import type * as arrow from 'apache-arrow';
import type { GroupIds } from './group-rows.js';
import { nativeGroupBy, type NativeGroupBy } from '../native-group-by.js';
import { ByteInterner } from './byte-interner.js';
import { scratchIds } from './scratch-ids.js';
import { dictionaryChunks, dictionaryIndices, numericValues, stringChunk, validityOf, type Chunks, type ColumnKind, type IndexArray } from './column-kind.js';
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
  return { gid: scratchIds('gid', n), map: new Int32Array(card).fill(-1), first: new Int32Array(Math.min(n, card)), groups: 0 };
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
  const native = nativeGroupBy();
  let start = 0;
  for (const d of chunks) {
    const v = numericValues(d) as SmallInts;
    // An empty chunk numbers nothing, and may have no buffers (see eachChunk).
    num.groups = d.length === 0 ? num.groups : native !== null
      ? native.groupInts(v, validityOf(d), d.offset, d.length, shift, start, num.gid, num.map, num.first, count, num.groups)
      : numberInts(v, validityOf(d), d.offset, shift, start, d.length, num.groups, num, count);
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

/**
 * code + 1 of every entry of one dictionary (0 for a null entry), entries with equal strings
 * sharing a code, and the code space, kept across calls by the dictionary's content: a column
 * whose chunks share one dictionary (a persisted partition) is then interned once, not once per
 * query, even in a worker, where each task rebuilds the Arrow objects over the same memory.
 */
interface SingleCodes {
  codes: Int32Array;
  card: number;
  /** The dictionary's bytes, offsets and validity, compared on a hit (hashes can collide). */
  bytes: Uint8Array;
  offsets: Int32Array;
  validity: Uint8Array | null;
}

const SINGLE_DICTIONARY = new Map<string, SingleCodes>();
const SINGLE_MAX = 32;

function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function singleDictionaryCodes(data: arrow.Data): { codes: Int32Array; card: number } {
  const entries = dictionaryChunks(data);
  const native = nativeGroupBy();
  const fresh = (): SingleCodes => {
    const empty = { bytes: new Uint8Array(0), offsets: new Int32Array(0), validity: null };
    if (native !== null) return { ...nativeCodes(native, [data]).codes[0]!, ...empty };
    const strings = new ByteInterner(Math.min(data.dictionary?.length ?? 16, 1 << 20));
    const codes = dictionaryCodes(data, strings, new Map());
    return { codes, card: strings.size + 1, ...empty };
  };
  if (entries.length !== 1) return fresh();
  const entry = entries[0]!;
  const { bytes, offsets } = stringChunk(entry);
  const used = bytes.subarray(offsets[0], offsets[entry.length]);
  const validity = validityOf(entry);
  let h = 0x811c9dc5 ^ entry.length;
  if (native !== null) h = native.bytesHash(used);
  else for (let i = 0; i < used.length; i++) h = Math.imul(h ^ used[i]!, 0x01000193);
  const key = `${native !== null ? 'n' : ''}${entry.length}:${entry.offset}:${used.length}:${h >>> 0}`;
  const hit = SINGLE_DICTIONARY.get(key);
  const rel = (k: number): number => offsets[k]! - offsets[0]!;
  const same = native !== null ? native.bytesEqual : sameBytes;
  // Offsets that start at 0 (the usual case) compare as bytes.
  const sameOffsets = (o: Int32Array): boolean => (native !== null && offsets[0] === 0
    ? o.length === entry.length + 1 && native.bytesEqual(o, offsets.subarray(0, entry.length + 1))
    : o.every((x, k) => x === rel(k)));
  if (hit !== undefined && same(hit.bytes, used) && sameOffsets(hit.offsets)
    && (hit.validity === null) === (validity === null) && (validity === null || same(hit.validity!, validity))) {
    return hit;
  }
  const made = fresh();
  made.bytes = used.slice();
  made.offsets = Int32Array.from({ length: entry.length + 1 }, (_, k) => rel(k));
  made.validity = validity === null ? null : validity.slice();
  if (SINGLE_DICTIONARY.size >= SINGLE_MAX) SINGLE_DICTIONARY.delete(SINGLE_DICTIONARY.keys().next().value!);
  SINGLE_DICTIONARY.set(key, made);
  return made;
}

/**
 * code + 1 of every entry of each of `dictionaries`' dictionaries (0 for a null entry), one
 * code space for all, interned natively in one call; and the code space.
 */
function nativeCodes(native: NativeGroupBy, dictionaries: readonly arrow.Data[]): { codes: { codes: Int32Array; card: number }[]; card: number } {
  const entries = dictionaries.map((d) => dictionaryChunks(d));
  const flat = entries.flat();
  const strings = flat.map((e) => stringChunk(e));
  let total = 0;
  for (const e of flat) total += e.length;
  const out = new Int32Array(total);
  const card = native.internEntries(
    strings.map((c) => c.bytes), strings.map((c) => c.offsets), flat.map((e) => validityOf(e)),
    Float64Array.from(flat, (e) => e.offset), Float64Array.from(flat, (e) => e.length), out,
  );
  let at = 0;
  const codes = entries.map((chunks) => {
    let length = 0;
    for (const e of chunks) length += e.length;
    const mine = out.subarray(at, at + length);
    at += length;
    return { codes: mine, card };
  });
  return { codes, card };
}

/** The entry codes of every chunk (chunks sharing a dictionary share them), natively. */
function nativeChunkCodes(native: NativeGroupBy, chunks: Chunks): { codes: Int32Array[]; card: number } {
  const distinct = new Map<unknown, number>();
  const firsts: arrow.Data[] = [];
  for (const d of chunks) {
    if (distinct.has(d.dictionary)) continue;
    distinct.set(d.dictionary, firsts.length);
    firsts.push(d);
  }
  const { codes, card } = nativeCodes(native, firsts);
  return { codes: chunks.map((d) => codes[distinct.get(d.dictionary)!]!.codes), card };
}

function denseDictionary(chunks: Chunks, n: number): GroupIds {
  let entryCodes: Int32Array[];
  let card: number;
  if (chunks.length > 0 && chunks.every((d) => d.dictionary === chunks[0]!.dictionary)) {
    const single = singleDictionaryCodes(chunks[0]!);
    entryCodes = chunks.map(() => single.codes);
    card = single.card;
  } else if (nativeGroupBy() !== null) {
    ({ codes: entryCodes, card } = nativeChunkCodes(nativeGroupBy()!, chunks));
  } else {
    const strings = new ByteInterner(dictionaryEntries(chunks));
    const cache = new Map<unknown, Int32Array>();
    // Every dictionary is interned first, so the code space (and the table) is known.
    entryCodes = chunks.map((d) => dictionaryCodes(d, strings, cache));
    card = strings.size + 1;
  }
  const num = numbering(n, card);
  const entries = new Map<unknown, EntryState>();
  const nulls = { count: 0 };
  const native = nativeGroupBy();
  const nativeNulls = new Float64Array(1);
  let start = 0;
  chunks.forEach((d, chunk) => {
    const codes = entryCodes[chunk];
    let state = entries.get(d.dictionary);
    if (state === undefined) {
      state = { group: new Int32Array(codes.length).fill(-1), count: new Float64Array(codes.length) };
      entries.set(d.dictionary, state);
    }
    const idx = dictionaryIndices(d);
    num.groups = d.length === 0 ? num.groups : native !== null
      ? native.groupEntries(idx, validityOf(d), d.offset, d.length, codes, state.group, state.count, start, num.gid, num.map, num.first, num.groups, nativeNulls)
      : numberEntries(idx, validityOf(d), d.offset, codes, state, start, d.length, num.groups, num, nulls);
    start += d.length;
  });
  nulls.count += nativeNulls[0]!;
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
