/**
 * Sort keys as unsigned words: `sortKeyWords` turns one fixed-width column into u32 words whose
 * unsigned order (high word first for 64-bit keys) is the column's sort order, so that the radix
 * sorts (`radix-sort.ts` and its GPU twin) never look at a type again. Integers flip their sign
 * bit; floats flip their sign bit, or every bit when negative, with -0 read as 0 and every NaN
 * as one value above +Infinity (the contract's order, DuckDB's); dates, times, timestamps and
 * durations are their integers; bools are 0 and 1. Descending keys are the bitwise NOT of the
 * ascending ones, which reverses the order of distinct keys and keeps equal keys equal, so a
 * stable sort stays stable. Every switch on Arrow types for sorting lives here (`sortKeyKind`
 * says how a column sorts; the word encodings below say how its values become words).
 */
import * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import { validityOf } from './group-by/column-kind.js';
import { forEachValidRun } from './valid-runs.js';

/** One column's keys: `width` words per row (row i at `words[width * i]`, low word first). */
export interface SortKeyWords {
  words: Uint32Array;
  width: 1 | 2;
  /** The rows that are null, ascending; they have words too, which mean nothing. */
  nulls: Uint32Array;
}

/**
 * How a column's values are ordered: `words` (fixed-width, through `sortKeyWords`), `bytes`
 * (Utf8 and Binary, by unsigned bytes: UTF-8 byte order is code point order), `dictionary` (a
 * dictionary of Utf8 or Binary entries, by the entries' bytes), `null` (every row null), or
 * null when Dusk does not sort by such a column.
 */
export type SortKeyKind = 'words' | 'bytes' | 'dictionary' | 'null';

/**
 * The sort kind of an Arrow type (see `SortKeyKind`), or null when it cannot be a sort key.
 * @example
 * sortKeyKind(new arrow.Utf8()); // 'bytes'
 */
export function sortKeyKind(type: arrow.DataType): SortKeyKind | null {
  switch (type.typeId) {
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
    case arrow.Type.Bool:
      return 'words';
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
      return 'bytes';
    case arrow.Type.Dictionary:
      return sortKeyKind((type as arrow.Dictionary).dictionary) === 'bytes' ? 'dictionary' : null;
    case arrow.Type.Null:
      return 'null';
    default:
      return null;
  }
}

/** How one chunk's values become words: the loops below, one per representation. */
type Encoding = 'i32' | 'u32' | 'i64' | 'u64' | 'f16' | 'f32' | 'f64' | 'bool';

function encodingOf(type: arrow.DataType): Encoding {
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (t.bitWidth === 64) return t.isSigned ? 'i64' : 'u64';
      return t.isSigned ? 'i32' : 'u32';
    }
    case arrow.Type.Float: {
      const p = (type as arrow.Float).precision;
      return p === arrow.Precision.HALF ? 'f16' : p === arrow.Precision.SINGLE ? 'f32' : 'f64';
    }
    case arrow.Type.Bool:
      return 'bool';
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
      // Their values are Int32Array (days, 32-bit times) or BigInt64Array (the others).
      return (type as { ArrayType: unknown }).ArrayType === Int32Array ? 'i32' : 'i64';
    default:
      throw new PlanError('TYPE_MISMATCH', `sortKeyWords: cannot order values of type ${String(type)} as words`);
  }
}

/** Words of rows [0, n) of one chunk into `out` from word `at` (ascending order). */
function encodeChunk(data: arrow.Data, encoding: Encoding, out: Uint32Array, at: number): void {
  const n = data.length;
  const v = data.values as ArrayBufferView;
  switch (encoding) {
    case 'i32': {
      // Int8/Int16 values are read sign-extended, so one flip of bit 31 orders every width.
      const x = v as Int8Array | Int16Array | Int32Array;
      for (let i = 0; i < n; i++) out[at + i] = (x[i]! ^ 0x80000000) >>> 0;
      return;
    }
    case 'u32': {
      const x = v as Uint8Array | Uint16Array | Uint32Array;
      for (let i = 0; i < n; i++) out[at + i] = x[i]!;
      return;
    }
    case 'i64':
    case 'u64': {
      const x = new Uint32Array(v.buffer, v.byteOffset, 2 * n);
      const flip = encoding === 'i64' ? 0x80000000 : 0;
      for (let i = 0; i < n; i++) {
        out[2 * (at + i)] = x[2 * i]!;
        out[2 * (at + i) + 1] = (x[2 * i + 1]! ^ flip) >>> 0;
      }
      return;
    }
    case 'f16': {
      const x = v as Uint16Array;
      for (let i = 0; i < n; i++) {
        const b = x[i]!;
        const nan = (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
        out[at + i] = nan ? 0xffff : b === 0x8000 ? 0x8000 : b & 0x8000 ? ~b & 0xffff : b | 0x8000;
      }
      return;
    }
    case 'f32': {
      const f = v as Float32Array;
      const x = new Uint32Array(f.buffer, f.byteOffset, n);
      for (let i = 0; i < n; i++) {
        const b = x[i]!;
        const value = f[i]!;
        out[at + i] = value !== value ? 0xffffffff : value === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      }
      return;
    }
    case 'f64': {
      const f = v as Float64Array;
      const x = new Uint32Array(f.buffer, f.byteOffset, 2 * n);
      for (let i = 0; i < n; i++) {
        const value = f[i]!;
        const o = 2 * (at + i);
        if (value !== value) {
          out[o] = 0xffffffff;
          out[o + 1] = 0xffffffff;
        } else if (value === 0) {
          out[o] = 0;
          out[o + 1] = 0x80000000;
        } else if (value < 0) {
          out[o] = ~x[2 * i]! >>> 0;
          out[o + 1] = ~x[2 * i + 1]! >>> 0;
        } else {
          out[o] = x[2 * i]!;
          out[o + 1] = (x[2 * i + 1]! | 0x80000000) >>> 0;
        }
      }
      return;
    }
    case 'bool': {
      // Arrow does not slice bool values: row i is bit offset + i.
      const bits = v as Uint8Array;
      for (let i = 0; i < n; i++) {
        const bit = data.offset + i;
        out[at + i] = (bits[bit >> 3]! >> (bit & 7)) & 1;
      }
      return;
    }
  }
}

/**
 * The null rows of a column, ascending (every row of a Null column).
 * @example
 * nullRows(table.getChild('x')!); // Uint32Array [2, 7]
 */
export function nullRows(vector: arrow.Vector): Uint32Array {
  if (vector.nullCount === 0) return new Uint32Array(0);
  const out = new Uint32Array(vector.nullCount);
  let k = 0;
  let start = 0;
  for (const data of vector.data as arrow.Data[]) {
    if (data.typeId === arrow.Type.Null) {
      for (let i = 0; i < data.length; i++) out[k++] = start + i;
    } else {
      let next = 0;
      forEachValidRun(validityOf(data), data.offset, data.length, (s, e) => {
        for (let i = next; i < s; i++) out[k++] = start + i;
        next = e;
      });
      for (let i = next; i < data.length; i++) out[k++] = start + i;
    }
    start += data.length;
  }
  return k === out.length ? out : out.slice(0, k);
}

/**
 * Order-preserving unsigned words for one fixed-width column (ints, uints, floats, dates, times,
 * timestamps, durations, bools): sorting the rows by their words, unsigned and high word first,
 * sorts them by value, ascending or descending. Null rows get words too and are listed in
 * `nulls` for the caller to place.
 *
 * @example
 * const { words, width, nulls } = sortKeyWords(table.getChild('price')!, true);
 * const order = radixSort(words, width, table.numRows); // nulls still to be moved
 */
export function sortKeyWords(vector: arrow.Vector, descending: boolean): SortKeyWords {
  const encoding = encodingOf(vector.type as arrow.DataType);
  const width = encoding === 'i64' || encoding === 'u64' || encoding === 'f64' ? 2 : 1;
  const n = vector.length;
  const words = new Uint32Array(width * n);
  let at = 0;
  for (const data of vector.data as arrow.Data[]) {
    if (data.length > 0) encodeChunk(data, encoding, words, at);
    at += data.length;
  }
  if (descending) for (let i = 0; i < words.length; i++) words[i] = ~words[i]!;
  return { words, width, nulls: nullRows(vector) };
}
