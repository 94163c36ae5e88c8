/**
 * A content hash of every row's key tuple, the same for equal keys in every partition: integers
 * hash by value (any width, as the words of the 64-bit value), floats by the bits of their
 * double with all NaNs one value and -0 as 0, strings by their UTF-8 bytes (never by dictionary
 * code), nulls alike. `splitGroupPartial` buckets groups by it.
 */
import type * as arrow from 'apache-arrow';
import { hashView, viewOf } from './byte-interner.js';
import {
  boolAt, dictionaryChunks, dictionaryIndices, eachChunk, numericValues, stringChunk, validRuns, words64,
  type Chunks, type ColumnKind,
} from './column-kind.js';
import { hashPair } from './pair-map.js';

const NULL_HASH = 0x5bd1e995;
const NAN_HASH = 0x7ff80000;

type SmallInts = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** The hash of every dictionary entry (NULL_HASH for a null entry), once per dictionary. */
function entryHashes(data: arrow.Data): Int32Array {
  const entries = dictionaryChunks(data);
  let total = 0;
  for (const e of entries) total += e.length;
  const out = new Int32Array(total).fill(NULL_HASH);
  let at = 0;
  for (const e of entries) {
    const { bytes, offsets } = stringChunk(e);
    const view = viewOf(bytes);
    validRuns(e, (s, t) => {
      for (let i = s; i < t; i++) out[at + i] = hashView(view, offsets[i], offsets[i + 1]);
    });
    at += e.length;
  }
  return out;
}

/** Writes the hash of every row's value into `out` (nulls as NULL_HASH). */
function hashColumn(chunks: Chunks, kind: ColumnKind, out: Int32Array): void {
  out.fill(NULL_HASH);
  const f64 = new Float64Array(1);
  const w = new Int32Array(f64.buffer);
  const hashFloat = (x: number): number => {
    if (x !== x) return NAN_HASH;
    f64[0] = x + 0;
    return hashPair(w[0], w[1]);
  };
  eachChunk(chunks, (d, start) => {
    let at: (i: number) => number;
    if (kind.kind === 'bool') at = (i) => hashPair(boolAt(d, i), 0x0b001);
    else if (kind.kind === 'utf8') {
      const { bytes, offsets } = stringChunk(d);
      const view = viewOf(bytes);
      at = (i) => hashView(view, offsets[i], offsets[i + 1]);
    } else if (kind.kind === 'dict') {
      const entries = entryHashes(d);
      const idx = dictionaryIndices(d);
      at = (i) => entries[idx[i]];
    } else if (kind.dtype === 'int64' || kind.dtype === 'uint64') {
      const { lo, hi } = words64(d, kind.dtype === 'int64');
      at = (i) => hashPair(lo[2 * i], hi[2 * i + 1]);
    } else if (kind.dtype === 'float32' || kind.dtype === 'float64') {
      const v = numericValues(d) as Float32Array | Float64Array;
      at = (i) => hashFloat(v[i]);
    } else {
      const v = numericValues(d) as SmallInts;
      at = (i) => hashPair(v[i], v[i] < 0 ? -1 : 0);
    }
    validRuns(d, (s, e) => {
      for (let i = s; i < e; i++) out[start + i] = at(i);
    });
  });
}

/**
 * The hash of each of n rows' key tuples.
 * @example
 * const h = hashKeys([{ chunks: keys.getChild('id1')!.data, kind: { kind: 'dict' } }], keys.numRows);
 */
export function hashKeys(columns: readonly { chunks: Chunks; kind: ColumnKind }[], n: number): Int32Array {
  const h = new Int32Array(n);
  const col = new Int32Array(n);
  for (const { chunks, kind } of columns) {
    hashColumn(chunks, kind, col);
    for (let i = 0; i < n; i++) h[i] = hashPair(h[i], col[i]);
  }
  return h;
}
