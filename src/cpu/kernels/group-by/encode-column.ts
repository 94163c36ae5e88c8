/**
 * Turns one column into dense integer codes, equal values getting equal codes: the first step of
 * grouping (and of nunique). Integers with a small range are coded by offset (no hashing);
 * others go through a `PairMap` on their 32-bit words; floats by their bits with NaN as one
 * value and -0 as 0; strings by content through a `ByteInterner` (dictionary entries are interned
 * once per dictionary, never per row, so codes agree across chunks with different dictionaries).
 */
import type * as arrow from 'apache-arrow';
import { ByteInterner } from './byte-interner.js';
import {
  boolAt, dictionaryChunks, eachChunk, dictionaryIndices, numericValues, stringChunk, validityOf, validRuns, words64,
  type Chunks, type ColumnKind,
} from './column-kind.js';
import { nativeGroupBy } from '../native-group-by.js';
import { PairMap } from './pair-map.js';
import { scratchIds } from './scratch-ids.js';

/** A column as codes: 0 is null; equal non-null values share one code in [1, card). */
export interface EncodedColumn {
  codes: Int32Array;
  card: number;
  /** String columns: code c > 0 is the interned string c - 1. */
  strings: ByteInterner | null;
}

/**
 * The largest code space coded directly (by offset) rather than hashed, for n rows.
 * @example
 * const direct = range <= directLimit(n); // index a table rather than hash
 */
export function directLimit(n: number): number {
  return Math.min(1 << 26, Math.max(4 * n, 1 << 16));
}

/**
 * The codes of a column of `n` rows.
 * @example
 * const { codes, card } = encodeColumn(table.getChild('id1')!.data, { kind: 'dict' }, table.numRows);
 */
export function encodeColumn(chunks: Chunks, kind: ColumnKind, n: number): EncodedColumn {
  if (kind.kind === 'dict') return encodeDictionary(chunks, n, new Int32Array(n));
  return encodeOther(chunks, kind, n);
}

/**
 * `encodeColumn` into a per-thread scratch array for the codes (see scratch-ids.ts): valid
 * until the next call on this thread, for callers that fold the codes in at once.
 * @example
 * const { codes, card } = encodeColumnScratch(chunks, kind, n);
 */
export function encodeColumnScratch(chunks: Chunks, kind: ColumnKind, n: number): EncodedColumn {
  // The dictionary loop writes every row; the others leave null rows at 0, so they start fresh.
  if (kind.kind === 'dict') return encodeDictionary(chunks, n, scratchIds('codes', n));
  return encodeOther(chunks, kind, n);
}

function encodeOther(chunks: Chunks, kind: Exclude<ColumnKind, { kind: 'dict' }>, n: number): EncodedColumn {
  switch (kind.kind) {
    case 'bool':
      return encodeBool(chunks, n);
    case 'utf8':
      return encodeUtf8(chunks, n);
    case 'number':
      switch (kind.dtype) {
        case 'float32':
          return encodeFloat32(chunks, n);
        case 'float64':
          return encodeFloat64(chunks, n);
        case 'int64':
        case 'uint64':
          return encodeInt64(chunks, n, kind.dtype === 'int64');
        default:
          return encodeSmallInt(chunks, n);
      }
  }
}

export type SmallInts = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * The least and greatest valid value of an integer column of at most 32 bits (min > max: none).
 * @example
 * const { min, max } = smallIntRange(chunks);
 */
export function smallIntRange(chunks: Chunks): { min: number; max: number } {
  const native = nativeGroupBy();
  if (native !== null) {
    const range = Float64Array.of(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    for (const d of chunks) if (d.length > 0) native.intRange(numericValues(d) as SmallInts, validityOf(d), d.offset, d.length, range);
    return { min: range[0]!, max: range[1]! };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const d of chunks) {
    const v = numericValues(d) as SmallInts;
    validRuns(d, (s, e) => {
      let lo = min;
      let hi = max;
      for (let i = s; i < e; i++) {
        const x = v[i];
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
      }
      min = lo;
      max = hi;
    });
  }
  return { min, max };
}

function encodeSmallInt(chunks: Chunks, n: number): EncodedColumn {
  const { min, max } = smallIntRange(chunks);
  const codes = new Int32Array(n);
  if (min > max) return { codes, card: 1, strings: null };
  if (max - min + 1 <= directLimit(n)) {
    const shift = 1 - min;
    eachChunk(chunks, (d, start) => {
      const v = numericValues(d) as SmallInts;
      validRuns(d, (s, e) => {
        for (let i = s; i < e; i++) codes[start + i] = v[i] + shift;
      });
    });
    return { codes, card: max - min + 2, strings: null };
  }
  const map = new PairMap(1024);
  eachChunk(chunks, (d, start) => {
    const v = numericValues(d) as SmallInts;
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) codes[start + i] = map.id(v[i], 0) + 1;
    });
  });
  return { codes, card: map.size + 1, strings: null };
}

const TWO32 = 4294967296;
const SAFE = 2 ** 53;

function encodeInt64(chunks: Chunks, n: number, signed: boolean): EncodedColumn {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const d of chunks) {
    const { lo, hi } = words64(d, signed);
    validRuns(d, (s, e) => {
      let mn = min;
      let mx = max;
      for (let i = s; i < e; i++) {
        const x = hi[2 * i + 1] * TWO32 + lo[2 * i];
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
      }
      min = mn;
      max = mx;
    });
  }
  const codes = new Int32Array(n);
  if (min > max) return { codes, card: 1, strings: null };
  // Within ±2^53 the double x is exact, so x - min is the exact offset.
  if (min >= -SAFE && max <= SAFE && max - min + 1 <= directLimit(n)) {
    const shift = 1 - min;
    eachChunk(chunks, (d, start) => {
      const { lo, hi } = words64(d, signed);
      validRuns(d, (s, e) => {
        for (let i = s; i < e; i++) codes[start + i] = hi[2 * i + 1] * TWO32 + lo[2 * i] + shift;
      });
    });
    return { codes, card: max - min + 2, strings: null };
  }
  const map = new PairMap(1024);
  eachChunk(chunks, (d, start) => {
    const { lo, hi } = words64(d, signed);
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) codes[start + i] = map.id(lo[2 * i], hi[2 * i + 1]) + 1;
    });
  });
  return { codes, card: map.size + 1, strings: null };
}

/** Code 1 is NaN (every NaN); the other values are numbered by their bits from code 2, -0 as 0. */
function encodeFloat64(chunks: Chunks, n: number): EncodedColumn {
  const codes = new Int32Array(n);
  const map = new PairMap(1024);
  eachChunk(chunks, (d, start) => {
    const f = numericValues(d) as Float64Array;
    const w = new Int32Array(f.buffer, f.byteOffset, f.length * 2);
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) {
        const x = f[i];
        codes[start + i] = x !== x ? 1 : x === 0 ? map.id(0, 0) + 2 : map.id(w[2 * i], w[2 * i + 1]) + 2;
      }
    });
  });
  return { codes, card: map.size + 2, strings: null };
}

function encodeFloat32(chunks: Chunks, n: number): EncodedColumn {
  const codes = new Int32Array(n);
  const map = new PairMap(1024);
  eachChunk(chunks, (d, start) => {
    const f = numericValues(d) as Float32Array;
    const w = new Int32Array(f.buffer, f.byteOffset, f.length);
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) {
        const x = f[i];
        codes[start + i] = x !== x ? 1 : map.id(x === 0 ? 0 : w[i], 0) + 2;
      }
    });
  });
  return { codes, card: map.size + 2, strings: null };
}

function encodeBool(chunks: Chunks, n: number): EncodedColumn {
  const codes = new Int32Array(n);
  eachChunk(chunks, (d, start) => {
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) codes[start + i] = boolAt(d, i) + 1;
    });
  });
  return { codes, card: 3, strings: null };
}

function encodeUtf8(chunks: Chunks, n: number): EncodedColumn {
  const codes = new Int32Array(n);
  const strings = new ByteInterner(1024);
  eachChunk(chunks, (d, start) => {
    const { bytes, offsets } = stringChunk(d);
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) codes[start + i] = strings.intern(bytes, offsets[i], offsets[i + 1]) + 1;
    });
  });
  return { codes, card: strings.size + 1, strings };
}

/**
 * code + 1 of every entry of a dictionary (0 for a null entry), interning each entry once.
 * Chunks sharing one dictionary vector share the result.
 * @example
 * const codeOfEntry = dictionaryCodes(data, new ByteInterner(), new Map());
 */
export function dictionaryCodes(data: arrow.Data, strings: ByteInterner, cache: Map<unknown, Int32Array>): Int32Array {
  const key = data.dictionary;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const entries = dictionaryChunks(data);
  let total = 0;
  for (const e of entries) total += e.length;
  const map = new Int32Array(total);
  let at = 0;
  for (const e of entries) {
    const { bytes, offsets } = stringChunk(e);
    validRuns(e, (s, t) => {
      for (let i = s; i < t; i++) map[at + i] = strings.intern(bytes, offsets[i], offsets[i + 1]) + 1;
    });
    at += e.length;
  }
  cache.set(key, map);
  return map;
}

/**
 * Entries over the distinct dictionaries of a dictionary column: a size hint for interning.
 * @example
 * const strings = new ByteInterner(dictionaryEntries(chunks));
 */
export function dictionaryEntries(chunks: Chunks): number {
  const seen = new Set<unknown>();
  let total = 0;
  for (const d of chunks) {
    if (seen.has(d.dictionary)) continue;
    seen.add(d.dictionary);
    total += d.dictionary?.length ?? 0;
  }
  return Math.min(total, 1 << 20);
}

/** Dictionary codes into `codes` (n rows, every one written: null rows get 0). */
function encodeDictionary(chunks: Chunks, n: number, codes: Int32Array): EncodedColumn {
  const strings = new ByteInterner(dictionaryEntries(chunks));
  const cache = new Map<unknown, Int32Array>();
  const native = nativeGroupBy();
  eachChunk(chunks, (d, start) => {
    const map = dictionaryCodes(d, strings, cache);
    const idx = dictionaryIndices(d);
    if (native !== null) {
      native.encodeEntries(idx, validityOf(d), d.offset, d.length, map, codes, start);
      return;
    }
    codes.fill(0, start, start + d.length);
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) codes[start + i] = map[idx[i]];
    });
  });
  return { codes, card: strings.size + 1, strings };
}
