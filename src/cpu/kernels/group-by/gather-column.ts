/**
 * Gathering chosen rows of a column into a new, compact column: the key values of each group
 * (at its first row), the values min/max/first/last picked, the distinct values of nunique.
 * Rows are first located (chunk, row in chunk, or null), then one tight loop per type copies
 * values, words or bytes; strings are never decoded, and a dictionary entry is interned once.
 */
import * as arrow from 'apache-arrow';
import type { PlainColumn } from './agg-types.js';
import { ByteInterner } from './byte-interner.js';
import {
  boolAt, dictionaryChunks, dictionaryIndices, isValidAt, numericValues, stringChunk, validityOf,
  type Chunks, type ColumnKind, type StringChunk,
} from './column-kind.js';
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
    if (r >= 0) {
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
 * The column's values at `rows` (column rows; -1 gives null) as a plain column, strings (plain
 * or dictionary) as utf8.
 * @example
 * const picked = gatherPlain(chunks, kind, Int32Array.of(0, 5, -1));
 */
export function gatherPlain(chunks: Chunks, kind: ColumnKind, rows: Int32Array): PlainColumn {
  const m = rows.length;
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

/** Byte strings appended back to back, with the pool layout of `ByteInterner` but no lookup. */
class ByteList {
  pool = new Uint8Array(1024);
  starts = new Int32Array(65);
  size = 0;

  intern(bytes: Uint8Array, start: number, end: number): number {
    const id = this.size++;
    if (id + 1 === this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    const at = this.starts[id];
    const len = end - start;
    if (at + len > this.pool.length) {
      const pool = new Uint8Array(Math.max(at + len, this.pool.length * 2));
      pool.set(this.pool);
      this.pool = pool;
    }
    // Short strings (the usual keys) byte by byte: a subarray per string costs more than the copy.
    if (len <= 32) {
      const pool = this.pool;
      for (let k = 0; k < len; k++) pool[at + k] = bytes[start + k];
    } else {
      this.pool.set(bytes.subarray(start, end), at);
    }
    this.starts[id + 1] = at + len;
    return id;
  }
}

/** The Arrow type key columns of dictionary input come out as. */
function dictionaryKeyType(): arrow.Dictionary<arrow.Utf8, arrow.Int32> {
  return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
}

/**
 * The column's values at `rows` as Arrow data of the column's own type, except that Dictionary
 * columns come out as Dictionary<Utf8, Int32> over a fresh dictionary of the entries picked (in
 * order of first pick; distinct when the input's dictionaries were), and LargeUtf8 as Utf8.
 * @example
 * const keys = gatherColumn(chunks, { kind: 'dict' }, firstRow);
 */
export function gatherColumn(chunks: Chunks, kind: ColumnKind, rows: Int32Array): arrow.Data {
  if (kind.kind !== 'dict') return plainToData(gatherPlain(chunks, kind, rows));
  const m = rows.length;
  const loc = locate(chunks, rows);
  // Entries of one dictionary are distinct already: they are copied, not hashed; entries of
  // several dictionaries (merged partials) are deduplicated by content.
  const shared = chunks.every((d) => d.dictionary === chunks[0].dictionary);
  const strings = shared ? new ByteList() : new ByteInterner(Math.min(m, 1 << 16));
  const indices = new Int32Array(m);
  const dicts = chunks.map(flatDictionary);
  const idx = chunks.map(dictionaryIndices);
  // Each dictionary entry is added once, however many groups it keys.
  const byDictionary = new Map<unknown, Int32Array>();
  const ids = chunks.map((d, c) => {
    let a = byDictionary.get(d.dictionary);
    if (a === undefined) byDictionary.set(d.dictionary, (a = new Int32Array(dicts[c].s.offsets.length - 1).fill(-1)));
    return a;
  });
  for (let j = 0; j < m; j++) {
    const c = loc.chunk[j];
    if (c < 0) continue;
    const k = idx[c][loc.row[j]];
    const { s, valid } = dicts[c];
    if (!valid(k)) {
      dropRow(loc, j);
      continue;
    }
    if (ids[c][k] < 0) ids[c][k] = strings.intern(s.bytes, s.offsets[k], s.offsets[k + 1]);
    indices[j] = ids[c][k];
  }
  const size = strings.size;
  const dictionary = arrow.makeData({
    type: new arrow.Utf8(),
    length: size,
    nullCount: 0,
    valueOffsets: strings.starts.slice(0, size + 1),
    data: strings.pool.slice(0, strings.starts[size]),
  });
  return arrow.makeData({
    type: dictionaryKeyType(),
    length: m,
    nullCount: loc.nulls,
    nullBitmap: loc.validity ?? new Uint8Array(0),
    data: indices,
    dictionary: new arrow.Vector([dictionary]),
  });
}
