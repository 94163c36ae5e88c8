/**
 * Gathering chosen rows of a column into a new, compact column: the key values of each group
 * (at its first row), the values min/max/first/last picked, the distinct values of nunique.
 * Rows are first located (chunk, row in chunk, or null), then one tight loop per type copies
 * values, words or bytes; strings are never decoded, and a dictionary entry is copied once.
 */
import * as arrow from 'apache-arrow';
import type { PlainColumn } from './agg-types.js';
import {
  boolAt, dictionaryChunks, dictionaryIndices, isValidAt, numericValues, stringChunk, validityOf,
  type Chunks, type ColumnKind, type StringChunk,
} from './column-kind.js';
import { nativeGroupBy } from '../native-group-by.js';
import { bitmapBytes, emptyPlain, plainToData, plainTypeOf } from './plain-column.js';

/** Where each output row comes from: chunk[j] and row[j] in it, chunk[j] = -1 for null. */
interface Located {
  chunk: Int32Array;
  row: Int32Array;
  validity: Uint8Array | null;
  nulls: number;
}

/** Finds the chunk and chunk row of every wanted column row (-1 wants a null). */
function locate(chunks: Chunks, rows: Int32Array): Located {
  const m = rows.length;
  const starts: number[] = [];
  let at = 0;
  for (const d of chunks) {
    starts.push(at);
    at += d.length;
  }
  const chunk = new Int32Array(m);
  const row = new Int32Array(m);
  const validity = new Uint8Array(bitmapBytes(m));
  let nulls = 0;
  const bits = chunks.map(validityOf);
  for (let j = 0; j < m; j++) {
    const r = rows[j];
    let c = -1;
    if (r >= 0 && starts.length === 1) c = 0;
    else if (r >= 0) {
      // Binary search for the last chunk starting at or before r that holds it.
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= r) lo = mid;
        else hi = mid - 1;
      }
      c = lo;
    }
    const i = r - (c >= 0 ? starts[c] : 0);
    const b = c >= 0 ? bits[c] : null;
    if (c < 0 || (b !== null && ((b[(chunks[c].offset + i) >> 3] >> ((chunks[c].offset + i) & 7)) & 1) === 0)) {
      chunk[j] = -1;
      nulls++;
      continue;
    }
    chunk[j] = c;
    row[j] = i;
    validity[j >> 3] |= 1 << (j & 7);
  }
  return { chunk, row, validity: nulls > 0 ? validity : null, nulls };
}

type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** A dictionary chunk's entries as one string chunk (a multi-chunk dictionary is rare: copied). */
function flatDictionary(data: arrow.Data): { s: StringChunk; valid: (k: number) => boolean } {
  const entries = dictionaryChunks(data);
  if (entries.length === 1) {
    const e = entries[0];
    return { s: stringChunk(e), valid: validityOf(e) === null ? () => true : (k) => isValidAt(e, k) };
  }
  const parts = entries.map((e) => ({ e, s: stringChunk(e) }));
  let total = 0;
  let bytes = 0;
  for (const p of parts) {
    total += p.e.length;
    bytes += p.s.offsets[p.e.length] - p.s.offsets[0];
  }
  const out = new Uint8Array(bytes);
  const offsets = new Int32Array(total + 1);
  const valid = new Uint8Array(total);
  let k = 0;
  for (const { e, s } of parts) {
    for (let i = 0; i < e.length; i++, k++) {
      const len = s.offsets[i + 1] - s.offsets[i];
      out.set(s.bytes.subarray(s.offsets[i], s.offsets[i + 1]), offsets[k]);
      offsets[k + 1] = offsets[k] + len;
      valid[k] = isValidAt(e, i) ? 1 : 0;
    }
  }
  return { s: { bytes: out, offsets }, valid: (i) => valid[i] === 1 };
}

/** Marks located row j null (a valid index to a null dictionary entry). */
function dropRow(loc: Located, j: number): void {
  const m = loc.chunk.length;
  loc.chunk[j] = -1;
  loc.nulls++;
  loc.validity ??= new Uint8Array(bitmapBytes(m)).fill(0xff);
  loc.validity[j >> 3] &= ~(1 << (j & 7));
}

/** For every located row of a string column: its bytes' source and range (null entries drop out). */
function stringSources(chunks: Chunks, kind: ColumnKind, loc: Located): { src: StringChunk[]; start: Int32Array; end: Int32Array } {
  const m = loc.chunk.length;
  const start = new Int32Array(m);
  const end = new Int32Array(m);
  if (kind.kind === 'dict') {
    const dicts = chunks.map(flatDictionary);
    const idx = chunks.map(dictionaryIndices);
    for (let j = 0; j < m; j++) {
      const c = loc.chunk[j];
      if (c < 0) continue;
      const k = idx[c][loc.row[j]];
      const { s, valid } = dicts[c];
      if (!valid(k)) {
        dropRow(loc, j);
        continue;
      }
      start[j] = s.offsets[k];
      end[j] = s.offsets[k + 1];
    }
    return { src: dicts.map((d) => d.s), start, end };
  }
  const src = chunks.map(stringChunk);
  for (let j = 0; j < m; j++) {
    const c = loc.chunk[j];
    if (c < 0) continue;
    start[j] = src[c].offsets[loc.row[j]];
    end[j] = src[c].offsets[loc.row[j] + 1];
  }
  return { src, start, end };
}

/**
 * One chunk of numbers of at most 32 bits without nulls, every row wanted (the keys of a
 * partial, gathered at the first rows of its groups): one loop, nothing located; else null.
 */
function directNumbers(chunks: Chunks, kind: ColumnKind, rows: Int32Array): PlainColumn | null {
  if (chunks.length !== 1 || kind.kind !== 'number' || kind.dtype === 'int64' || kind.dtype === 'uint64') return null;
  const d = chunks[0];
  if (validityOf(d) !== null) return null;
  const m = rows.length;
  const v = numericValues(d) as Narrow;
  const out = emptyPlain(kind.dtype, m);
  const o = out.values as Narrow;
  const n = d.length;
  for (let j = 0; j < m; j++) {
    const r = rows[j];
    // A null pick (-1) or a row past the chunk: the general path says what it gives.
    if (r < 0 || r >= n) return null;
    o[j] = v[r];
  }
  return out;
}

/**
 * The column's values at `rows` (column rows; -1 gives null) as a plain column, strings (plain
 * or dictionary) as utf8.
 * @example
 * const picked = gatherPlain(chunks, kind, Int32Array.of(0, 5, -1));
 */
export function gatherPlain(chunks: Chunks, kind: ColumnKind, rows: Int32Array): PlainColumn {
  const m = rows.length;
  const direct = directNumbers(chunks, kind, rows);
  if (direct !== null) return direct;
  const loc = locate(chunks, rows);
  const type = plainTypeOf(kind);
  if (type === 'utf8') {
    const { src, start, end } = stringSources(chunks, kind, loc);
    const offsets = new Int32Array(m + 1);
    for (let j = 0; j < m; j++) offsets[j + 1] = offsets[j] + (loc.chunk[j] < 0 ? 0 : end[j] - start[j]);
    const bytes = new Uint8Array(offsets[m]);
    for (let j = 0; j < m; j++) {
      const c = loc.chunk[j];
      if (c >= 0) bytes.set(src[c].bytes.subarray(start[j], end[j]), offsets[j]);
    }
    return { type, length: m, validity: loc.validity, values: bytes, offsets };
  }
  const out = emptyPlain(type, m);
  out.validity = loc.validity;
  const { chunk, row } = loc;
  if (type === 'bool') {
    const bits = out.values as Uint8Array;
    for (let j = 0; j < m; j++) if (chunk[j] >= 0 && boolAt(chunks[chunk[j]], row[j]) === 1) bits[j >> 3] |= 1 << (j & 7);
  } else if (type === 'int64' || type === 'uint64') {
    // Copied as two 32-bit words, so no bigint is made per row.
    const o32 = new Uint32Array(out.values.buffer);
    const in32 = chunks.map((d) => {
      const v = numericValues(d) as BigInt64Array;
      return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
    });
    for (let j = 0; j < m; j++) {
      const c = chunk[j];
      if (c < 0) continue;
      o32[2 * j] = in32[c][2 * row[j]];
      o32[2 * j + 1] = in32[c][2 * row[j] + 1];
    }
  } else {
    const o = out.values as Narrow;
    const ins = chunks.map((d) => numericValues(d) as Narrow);
    for (let j = 0; j < m; j++) if (chunk[j] >= 0) o[j] = ins[chunk[j]][row[j]];
  }
  return out;
}

/**
 * Copies the strings numbered 0..size-1 (entry fromEntry[id] of source fromChunk[id]) into
 * `pool` at `starts`: natively a run of one source at a time (a merge's picks come source by
 * source, in partition order), else byte by byte.
 */
function copyStrings(
  src: readonly StringChunk[], fromChunk: Int32Array, fromEntry: Int32Array, size: number, starts: Int32Array, pool: Uint8Array,
): void {
  const native = size >= 64 ? nativeGroupBy() : null;
  for (let id = 0; id < size;) {
    const c = fromChunk[id];
    let end = id + 1;
    while (end < size && fromChunk[end] === c) end++;
    const { bytes, offsets } = src[c];
    if (native !== null) native.copyEntries(bytes, offsets, fromEntry, id, end, starts, pool);
    else {
      for (let j = id; j < end; j++) {
        const k = fromEntry[j];
        const from = offsets[k];
        const len = offsets[k + 1] - from;
        const at = starts[j];
        // Short strings (the usual keys) byte by byte: a subarray per string costs more than the copy.
        if (len <= 32) for (let b = 0; b < len; b++) pool[at + b] = bytes[from + b];
        else pool.set(bytes.subarray(from, from + len), at);
      }
    }
    id = end;
  }
}

/** The Arrow type key columns of dictionary input come out as. */
function dictionaryKeyType(): arrow.Dictionary<arrow.Utf8, arrow.Int32> {
  // One instance (one dictionary id) for every gathered key column: tables of gathered keys
  // then share their schema (see group-by.ts), whose encoding is cached when shipped.
  return DICTIONARY_KEY_TYPE;
}

const DICTIONARY_KEY_TYPE = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());

/**
 * The column's values at `rows` as Arrow data of the column's own type, except that Dictionary
 * columns come out as Dictionary<Utf8, Int32> over a fresh dictionary of the entries picked (in
 * order of first pick), and LargeUtf8 as Utf8. The dictionary's entries are distinct when the
 * rows picked hold distinct strings, as every group-by caller's do (one row per key): a
 * dictionary entry is copied once however often it is picked, and strings are never compared.
 * @example
 * const keys = gatherColumn(chunks, { kind: 'dict' }, firstRow);
 */
export function gatherColumn(chunks: Chunks, kind: ColumnKind, rows: Int32Array): arrow.Data {
  if (kind.kind !== 'dict') return plainToData(gatherPlain(chunks, kind, rows));
  const m = rows.length;
  const loc = locate(chunks, rows);
  const indices = new Int32Array(m);
  const dicts = chunks.map(flatDictionary);
  const idx = chunks.map(dictionaryIndices);
  // Each dictionary entry is numbered once, however many picks it has; a pick's output index
  // is its entry's number, and `from` lists each number's source (chunk, entry).
  const byDictionary = new Map<unknown, Int32Array>();
  const ids = chunks.map((d, c) => {
    let a = byDictionary.get(d.dictionary);
    if (a === undefined) byDictionary.set(d.dictionary, (a = new Int32Array(dicts[c].s.offsets.length - 1).fill(-1)));
    return a;
  });
  const fromChunk = new Int32Array(m);
  const fromEntry = new Int32Array(m);
  let size = 0;
  let bytes = 0;
  for (let j = 0; j < m; j++) {
    const c = loc.chunk[j];
    if (c < 0) continue;
    const k = idx[c][loc.row[j]];
    const { s, valid } = dicts[c];
    if (!valid(k)) {
      dropRow(loc, j);
      continue;
    }
    let id = ids[c][k];
    if (id < 0) {
      id = ids[c][k] = size++;
      fromChunk[id] = c;
      fromEntry[id] = k;
      bytes += s.offsets[k + 1] - s.offsets[k];
    }
    indices[j] = id;
  }
  // The output's bytes and offsets, sized exactly (no growing copies).
  const pool = new Uint8Array(bytes);
  const starts = new Int32Array(size + 1);
  for (let id = 0; id < size; id++) {
    const { offsets } = dicts[fromChunk[id]].s;
    const k = fromEntry[id];
    starts[id + 1] = starts[id] + offsets[k + 1] - offsets[k];
  }
  copyStrings(dicts.map((d) => d.s), fromChunk, fromEntry, size, starts, pool);
  const dictionary = arrow.makeData({ type: new arrow.Utf8(), length: size, nullCount: 0, valueOffsets: starts, data: pool });
  return arrow.makeData({
    type: dictionaryKeyType(),
    length: m,
    nullCount: loc.nulls,
    nullBitmap: loc.validity ?? new Uint8Array(0),
    data: indices,
    dictionary: new arrow.Vector([dictionary]),
  });
}
