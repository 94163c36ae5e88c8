/**
 * Join, shuffle and distinct keys as fixed-width u32 words: every key column of a row becomes one
 * or more words whose equality is the key's equality (integers by value, floats with -0 = 0 and
 * one NaN, strings as codes from an interner both sides share), so that the hash join, the hash
 * partitioner and the distinct kernel — on the CPU and on the GPU — compare plain words.
 *
 * `keyEncodings` decides, once per key column pair, how both sides write their words (a pair of
 * int32 and int64 columns both write the int64 value); `keyWords` writes them, a typed loop per
 * chunk, and `KeyInterner` numbers strings by content so that every side and every partition
 * that shares it gets the same code for the same string, whatever its dictionary.
 */
import * as arrow from 'apache-arrow';
import { numericDType } from '../../dtype.js';
import { PlanError } from '../../errors.js';
import { ByteInterner, hashView, viewOf } from './group-by/byte-interner.js';
import {
  boolAt, columnKind, dictionaryIndices, eachChunk, numericValues, stringChunk, validityOf, validRuns, words64,
} from './group-by/column-kind.js';
import { dictionaryCodes, type SmallInts } from './group-by/encode-column.js';

/** One side's keys: `width` u32 words per row (the key columns' words concatenated), row-major. */
export interface KeyWords {
  rows: number;
  /** Words per row (the sum of the key columns' `KeyEncoding.words`). */
  width: number;
  words: Uint32Array;
  /** 1 where every key column of the row is non-null; null when no key is null. */
  valid: Uint8Array | null;
  /**
   * Which key columns are null, where `valid` is 0: `nullWidth` words per row, bit (j & 31) of
   * word j >> 5 set when key column j is null (zero for valid rows). The words of a null column
   * are 0 and the other columns keep theirs, so distinct can tell (null, 1) from (null, 2).
   * `keyWords` always sets it along with `valid`; KeyWords made elsewhere may leave it out.
   */
  nulls?: Uint32Array | null;
  nullWidth?: number;
}

/** Which rows of each side a join pairs: row `left[i]` with row `right[i]`; -1 means no row (nulls on that side). */
export interface GatherMaps {
  left: Int32Array;
  right: Int32Array;
}

export type JoinHow = 'inner' | 'left' | 'right' | 'outer' | 'semi' | 'anti';

/**
 * How both columns of a key pair write their words:
 * - `i32`: 1 word, the value's 32 bits, when both types fit int32 (int8..int32, uint8, uint16);
 * - `u32`: 1 word, the value, when both are unsigned of at most 32 bits;
 * - `i64`: 2 words (low, high) of the 64-bit two's complement value, for other integer pairs
 *   whose values all fit int64, and for uint64 with uint64 (the same bits, both unsigned);
 * - `i96`: 3 words, the int64 words and then a sign word (0xffffffff for a negative signed
 *   value, else 0), for uint64 with a signed type, so that 2^64 - 1 never meets -1;
 * - `f64`: 2 words, the float64 bits (float32 widened exactly), -0 written as 0, every NaN as
 *   0x7ff8000000000000;
 * - `string`: 1 word, the interned code of the string's UTF-8 bytes;
 * - `bool`: 1 word, 0 or 1;
 * - `raw`: the value's own bits (`words` per row), for dates, times, timestamps, durations and
 *   decimals paired with the identical type.
 */
export interface KeyEncoding {
  kind: 'i32' | 'u32' | 'i64' | 'i96' | 'f64' | 'string' | 'bool' | 'raw';
  words: number;
}

/** What a key column's type is, as far as pairing goes. */
type KeyClass =
  | { cls: 'int'; signed: boolean; bits: number }
  | { cls: 'float' | 'string' | 'bool' }
  | { cls: 'raw'; words: number };

function keyClass(type: arrow.DataType): KeyClass | null {
  const kind = columnKind(type);
  if (kind?.kind === 'number') {
    const { dtype } = kind;
    if (dtype === 'float32' || dtype === 'float64') return { cls: 'float' };
    return { cls: 'int', signed: dtype[0] === 'i', bits: Number(dtype.replace(/\D/g, '')) };
  }
  if (kind !== null) return { cls: kind.kind === 'bool' ? 'bool' : 'string' };
  switch (type.typeId) {
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
    case arrow.Type.Decimal: {
      const stride = type.typeId === arrow.Type.Decimal ? (type as arrow.Decimal).bitWidth / 32 : 1;
      return { cls: 'raw', words: ((type as arrow.Int).ArrayType.BYTES_PER_ELEMENT * stride) / 4 };
    }
    default:
      return null;
  }
}

function intEncoding(a: { signed: boolean; bits: number }, b: { signed: boolean; bits: number }): KeyEncoding {
  const fits32 = (t: typeof a): boolean => (t.signed ? t.bits <= 32 : t.bits <= 16);
  if (fits32(a) && fits32(b)) return { kind: 'i32', words: 1 };
  if (!a.signed && !b.signed && a.bits <= 32 && b.bits <= 32) return { kind: 'u32', words: 1 };
  const unsigned64 = (t: typeof a): boolean => !t.signed && t.bits === 64;
  if ((unsigned64(a) && b.signed) || (unsigned64(b) && a.signed)) return { kind: 'i96', words: 3 };
  return { kind: 'i64', words: 2 };
}

/** The encoding of one key pair, or null when the types do not compare. */
function pairEncoding(l: arrow.DataType, r: arrow.DataType): KeyEncoding | null {
  const a = keyClass(l);
  const b = keyClass(r);
  if (a === null || b === null || a.cls !== b.cls) return null;
  switch (a.cls) {
    case 'int':
      return intEncoding(a, b as typeof a);
    case 'float':
      return { kind: 'f64', words: 2 };
    case 'string':
      return { kind: 'string', words: 1 };
    case 'bool':
      return { kind: 'bool', words: 1 };
    case 'raw':
      // Arrow's comparison overlooks a decimal's scale and precision; the type's text does not.
      return arrow.util.compareTypes(l, r) && String(l) === String(r) ? { kind: 'raw', words: a.words } : null;
  }
}

/**
 * One encoding per key column pair: `left[i]` is the type of the left key `columns.left[i]`,
 * `right[i]` of `columns.right[i]`. For the keys of one table (distinct, hash partitioning) pass
 * the same types twice. Types that do not compare raise PlanError JOIN_KEY_TYPE naming both.
 *
 * @example
 * const enc = keyEncodings([new arrow.Int32()], [new arrow.Int64()], { left: ['id'], right: ['id'] });
 * // [{ kind: 'i64', words: 2 }]
 */
export function keyEncodings(
  left: readonly arrow.DataType[], right: readonly arrow.DataType[], columns: { left: readonly string[]; right: readonly string[] },
): KeyEncoding[] {
  const n = columns.left.length;
  if (n === 0 || columns.right.length !== n || left.length !== n || right.length !== n) {
    throw new PlanError('JOIN_KEYS', `join keys must pair up one to one and not be empty (left: [${columns.left.join(', ')}], right: [${columns.right.join(', ')}])`);
  }
  return columns.left.map((name, i) => {
    const enc = pairEncoding(left[i]!, right[i]!);
    if (enc !== null) return enc;
    const other = columns.right[i]!;
    throw new PlanError(
      'JOIN_KEY_TYPE',
      `cannot compare key '${name}' (${String(left[i])}) with key '${other}' (${String(right[i])}): ` +
        `cast one side so both are integers, floats, strings, booleans, or the same date/time type (e.g. col('${other}').cast(...))`,
    );
  });
}

/**
 * Interned string codes shared by every KeyWords built with it: both sides of a join, every
 * partition of a shuffle bucket. Dictionary entries are interned once per dictionary.
 *
 * @example
 * const interner = new KeyInterner();
 * const l = keyWords([left.getChild('name')!], enc, interner);
 * const r = keyWords([right.getChild('name')!], enc, interner); // equal strings, equal codes
 */
export class KeyInterner {
  readonly strings: ByteInterner;
  private readonly dictionaries = new Map<unknown, Int32Array>();
  private hashed = new Int32Array(0);
  private hashedCount = 0;

  constructor(expected = 1024) {
    this.strings = new ByteInterner(expected);
  }

  /** The code of the string bytes[start, end). */
  intern(bytes: Uint8Array, start: number, end: number): number {
    return this.strings.intern(bytes, start, end);
  }

  /** code + 1 of every entry of a dictionary chunk's dictionary (0 for a null entry). */
  entryCodes(data: arrow.Data): Int32Array {
    return dictionaryCodes(data, this.strings, this.dictionaries);
  }

  /**
   * The content hash (murmur3 of the UTF-8 bytes) of every code so far: the same for the same
   * string under any interner, so partitions hash strings alike wherever they were interned.
   */
  hashes(): Int32Array {
    const { size, pool, starts } = this.strings;
    if (size > this.hashed.length) {
      const grown = new Int32Array(Math.max(size, this.hashed.length * 2));
      grown.set(this.hashed.subarray(0, this.hashedCount));
      this.hashed = grown;
    }
    if (this.hashedCount < size) {
      const view = viewOf(pool);
      for (let id = this.hashedCount; id < size; id++) this.hashed[id] = hashView(view, starts[id]!, starts[id + 1]!);
      this.hashedCount = size;
    }
    return this.hashed;
  }
}

/** Where one column's words go and how rows turn invalid. */
interface Sink {
  out: Uint32Array;
  width: number;
  /** The column's first word in a row. */
  at: number;
  /** Marks row r (of the whole column) null in key column j. */
  markNull(r: number): void;
}

const NAN_HI = 0x7ff80000;

function writeFloats(f: Float64Array, d: arrow.Data, start: number, s: Sink): void {
  const bits = new Uint32Array(f.buffer, f.byteOffset, f.length * 2);
  const { out, width, at } = s;
  validRuns(d, (b, e) => {
    for (let i = b; i < e; i++) {
      const x = f[i]!;
      const p = (start + i) * width + at;
      if (x !== x) out[p + 1] = NAN_HI;
      else if (x !== 0) {
        out[p] = bits[2 * i]!;
        out[p + 1] = bits[2 * i + 1]!;
      }
    }
  });
}

function writeInts(d: arrow.Data, kind: KeyEncoding['kind'], start: number, s: Sink): void {
  const { out, width, at } = s;
  const dtype = numericDType(d.type)!;
  if (dtype === 'int64' || dtype === 'uint64') {
    const signed = dtype === 'int64';
    const { lo, hi } = words64(d, signed);
    validRuns(d, (b, e) => {
      for (let i = b; i < e; i++) {
        const p = (start + i) * width + at;
        out[p] = lo[2 * i]!;
        out[p + 1] = lo[2 * i + 1]!;
        if (kind === 'i96' && signed) out[p + 2] = hi[2 * i + 1]! >> 31;
      }
    });
    return;
  }
  const v = numericValues(d) as SmallInts;
  if (kind === 'i32' || kind === 'u32') {
    validRuns(d, (b, e) => {
      for (let i = b; i < e; i++) out[(start + i) * width + at] = v[i]!;
    });
    return;
  }
  validRuns(d, (b, e) => {
    for (let i = b; i < e; i++) {
      const p = (start + i) * width + at;
      const x = v[i]!;
      const sign = x < 0 ? -1 : 0;
      out[p] = x;
      out[p + 1] = sign;
      if (kind === 'i96') out[p + 2] = sign;
    }
  });
}

function writeStrings(d: arrow.Data, interner: KeyInterner, start: number, s: Sink): void {
  const { out, width, at } = s;
  if (d.type.typeId === arrow.Type.Dictionary) {
    const codes = interner.entryCodes(d);
    const idx = dictionaryIndices(d);
    validRuns(d, (b, e) => {
      for (let i = b; i < e; i++) {
        const c = codes[idx[i]!]!;
        if (c === 0) s.markNull(start + i);
        else out[(start + i) * width + at] = c - 1;
      }
    });
    return;
  }
  const { bytes, offsets } = stringChunk(d);
  validRuns(d, (b, e) => {
    for (let i = b; i < e; i++) out[(start + i) * width + at] = interner.intern(bytes, offsets[i]!, offsets[i + 1]!);
  });
}

function writeRaw(d: arrow.Data, words: number, start: number, s: Sink): void {
  const { out, width, at } = s;
  const v = d.values as ArrayBufferView;
  const src = new Uint32Array(v.buffer, v.byteOffset, v.byteLength >> 2);
  validRuns(d, (b, e) => {
    for (let i = b; i < e; i++) {
      const p = (start + i) * width + at;
      for (let k = 0; k < words; k++) out[p + k] = src[i * words + k]!;
    }
  });
}

/** The valid rows' words of one chunk, whose rows begin at row `start` of the column. */
function writeChunk(d: arrow.Data, enc: KeyEncoding, interner: KeyInterner, start: number, s: Sink): void {
  switch (enc.kind) {
    case 'i32':
    case 'u32':
    case 'i64':
    case 'i96':
      return writeInts(d, enc.kind, start, s);
    case 'f64': {
      const v = numericValues(d);
      const f = v instanceof Float64Array ? v : new Float64Array((v as Float32Array).subarray(0, d.length));
      return writeFloats(f, d, start, s);
    }
    case 'string':
      return writeStrings(d, interner, start, s);
    case 'bool':
      validRuns(d, (b, e) => {
        for (let i = b; i < e; i++) s.out[(start + i) * s.width + s.at] = boolAt(d, i);
      });
      return;
    case 'raw':
      return writeRaw(d, enc.words, start, s);
  }
}

/** Calls mark(start + i) for every null row i of the chunk. */
function eachNullRow(d: arrow.Data, start: number, mark: (r: number) => void): void {
  if (validityOf(d) === null) return;
  let next = 0;
  validRuns(d, (b, e) => {
    for (let i = next; i < b; i++) mark(start + i);
    next = e;
  });
  for (let i = next; i < d.length; i++) mark(start + i);
}

/**
 * The key words of `columns` (one side's key columns, each encoded as `encodings[j]` says).
 * Rows with a null key have `valid` 0 (and their bit in `nulls`); a null column writes 0 words.
 *
 * @example
 * const enc = keyEncodings(lt, rt, { left: ['id'], right: ['id'] });
 * const interner = new KeyInterner();
 * const l = keyWords([left.getChild('id')!], enc, interner);
 */
export function keyWords(columns: readonly arrow.Vector[], encodings: readonly KeyEncoding[], interner: KeyInterner): KeyWords {
  if (columns.length !== encodings.length) {
    throw new PlanError('JOIN_KEYS', `keyWords: ${columns.length} key columns but ${encodings.length} encodings`);
  }
  const rows = columns[0]?.length ?? 0;
  let width = 0;
  for (const e of encodings) width += e.words;
  const words = new Uint32Array(rows * width);
  const nullWidth = (columns.length + 31) >> 5;
  // Allocated at the first null key.
  const state: { valid: Uint8Array | null; nulls: Uint32Array } = { valid: null, nulls: new Uint32Array(0) };
  let at = 0;
  columns.forEach((column, j) => {
    const enc = encodings[j]!;
    const cls = keyClass(column.type);
    if (column.length !== rows || cls === null || !fits(cls, enc)) {
      throw new PlanError('JOIN_KEY_TYPE', `keyWords: key column ${j} (${String(column.type)}, ${column.length} rows) cannot be written as ${enc.kind} keys of ${rows} rows`);
    }
    const word = j >> 5;
    const bit = 1 << (j & 31);
    const markNull = (r: number): void => {
      if (state.valid === null) {
        state.valid = new Uint8Array(rows).fill(1);
        state.nulls = new Uint32Array(rows * nullWidth);
      }
      state.valid[r] = 0;
      state.nulls[r * nullWidth + word]! |= bit;
    };
    const sink: Sink = { out: words, width, at, markNull };
    eachChunk(column.data as arrow.Data[], (d, start) => {
      writeChunk(d, enc, interner, start, sink);
      eachNullRow(d, start, markNull);
    });
    at += enc.words;
  });
  const { valid, nulls } = state;
  return valid === null ? { rows, width, words, valid: null } : { rows, width, words, valid, nulls, nullWidth };
}

/** Whether a column of class `cls` can write words of `enc`. */
function fits(cls: KeyClass, enc: KeyEncoding): boolean {
  switch (enc.kind) {
    case 'i32':
      return cls.cls === 'int' && (cls.signed ? cls.bits <= 32 : cls.bits <= 16);
    case 'u32':
      return cls.cls === 'int' && !cls.signed && cls.bits <= 32;
    case 'i64':
    case 'i96':
      return cls.cls === 'int';
    case 'f64':
      return cls.cls === 'float';
    case 'string':
    case 'bool':
      return cls.cls === enc.kind;
    case 'raw':
      return cls.cls === 'raw' && cls.words === enc.words;
  }
}
