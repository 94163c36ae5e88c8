/**
 * Lanes: how `evalColumn` holds one batch (or one block of a batch) of an intermediate column
 * while it evaluates an expression node by node. Every integer type up to 32 bits and both
 * float types travel as a `Float64Array` (each of their values is exactly a double, and the
 * reference evaluator computes on JS numbers, so double arithmetic plus a range check
 * reproduces it bit for bit, -0 included); 64-bit integers keep their `BigInt64Array` /
 * `BigUint64Array` and a `Uint32Array` view of its (lo, hi) words; booleans are one byte per
 * row. Validity is one byte per row (1 = valid), or null when every row is valid. A literal is
 * a lane of stride 0: its one value stands for every row, so kernels index values with
 * `i * stride` and never materialise constants.
 */
import type { NumericDType } from '../../../dtype.js';
import { DuskError } from '../../../errors.js';
import type { ValueType } from '../../../plan/value-type.js';

/** Numeric types whose values a double holds exactly. */
export type SmallNumeric = Exclude<NumericDType, 'int64' | 'uint64'>;
export type BigNumeric = 'int64' | 'uint64';

/** One byte per row, 1 where the row is valid; null when every row is valid. */
export type Valid = Uint8Array | null;

/** Dictionary codes (64-bit codes are converted to doubles when read). */
export type Codes = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array;

export interface NumLane {
  kind: 'num';
  type: SmallNumeric;
  values: Float64Array;
  stride: number;
  valid: Valid;
}

export interface BigLane {
  kind: 'big';
  type: BigNumeric;
  values: BigInt64Array | BigUint64Array;
  /** The same bytes as (lo, hi) 32-bit words: row i is words[2i], words[2i + 1]. */
  words: Uint32Array;
  stride: number;
  valid: Valid;
}

export interface BoolLane {
  kind: 'bool';
  /** 0 or 1 per row (anything at null rows). */
  values: Uint8Array;
  stride: number;
  valid: Valid;
}

/**
 * UTF-8 strings: row i is `bytes[offsets[k] .. offsets[k + 1])` with k = `codes[i * stride]`
 * for a dictionary column, else k = `i * stride`. Byte order is code point order, so strings
 * compare without being decoded.
 */
export interface StrLane {
  kind: 'str';
  bytes: Uint8Array;
  offsets: Int32Array | Float64Array;
  codes: Codes | null;
  stride: number;
  valid: Valid;
}

/** Every row null (a null literal, a Null column, or an expression of type 'null'). */
export interface NullLane {
  kind: 'null';
}

/** A column of a type expressions cannot compute on (dates...): only its validity is known. */
export interface OpaqueLane {
  kind: 'opaque';
  valid: Valid;
}

export type Lane = NumLane | BigLane | BoolLane | StrLane | NullLane | OpaqueLane;

export const NULL_LANE: NullLane = { kind: 'null' };

/**
 * Where kernels get the arrays they fill completely (their contents are undefined on arrival).
 * Evaluating block by block, an arena hands the same few arrays out again for every block, so
 * a 10^7-row column costs no fresh pages per operator — fresh memory, not arithmetic, is what
 * bounds these loops.
 */
export interface Scratch {
  f64(n: number): Float64Array;
  u8(n: number): Uint8Array;
  i64(n: number): BigInt64Array;
}

/** Plain allocation, for results that outlive the call. */
export const FRESH: Scratch = {
  f64: (n) => new Float64Array(n),
  u8: (n) => new Uint8Array(n),
  i64: (n) => new BigInt64Array(n),
};

/**
 * Hands out arrays in call order and, after `reset()`, the same arrays again in the same order.
 *
 * @example
 * const arena = new ScratchArena();
 * for (const block of blocks) { arena.reset(); compareLanes('gt', block, limit, block.n, arena); }
 */
export class ScratchArena implements Scratch {
  private readonly doubles: Float64Array[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly bigs: BigInt64Array[] = [];
  private nextDouble = 0;
  private nextByte = 0;
  private nextBig = 0;

  f64(n: number): Float64Array {
    return take(this.doubles, this.nextDouble++, n, (m) => new Float64Array(m));
  }

  u8(n: number): Uint8Array {
    return take(this.bytes, this.nextByte++, n, (m) => new Uint8Array(m));
  }

  i64(n: number): BigInt64Array {
    return take(this.bigs, this.nextBig++, n, (m) => new BigInt64Array(m));
  }

  reset(): void {
    this.nextDouble = 0;
    this.nextByte = 0;
    this.nextBig = 0;
  }
}

function take<T extends Float64Array | Uint8Array | BigInt64Array>(pool: T[], at: number, n: number, make: (n: number) => T): T {
  if (at === pool.length || pool[at]!.length < n) pool[at] = make(n);
  return pool[at]!.subarray(0, n) as T;
}

export function isBigType(t: ValueType): t is BigNumeric {
  return t === 'int64' || t === 'uint64';
}

export function wordsOf(values: BigInt64Array | BigUint64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

export function numLane(type: SmallNumeric, values: Float64Array, valid: Valid, stride = 1): NumLane {
  return { kind: 'num', type, values, stride, valid };
}

export function bigLane(type: BigNumeric, values: BigInt64Array | BigUint64Array, valid: Valid, stride = 1): BigLane {
  return { kind: 'big', type, values, words: wordsOf(values), stride, valid };
}

export function boolLane(values: Uint8Array, valid: Valid, stride = 1): BoolLane {
  return { kind: 'bool', values, stride, valid };
}

export function newBigArray(type: BigNumeric, n: number, scratch: Scratch = FRESH): BigInt64Array | BigUint64Array {
  const values = scratch.i64(n);
  return type === 'int64' ? values : new BigUint64Array(values.buffer, values.byteOffset, n);
}

/**
 * A lane of `n` null rows of type `t`, in the kind kernels of that type take, so that a null
 * literal or a Null column meets the other operand without a special case in every kernel.
 *
 * @example
 * allNullLane('int64', n) // a stride-0 BigLane whose every row is null
 */
export function allNullLane(t: ValueType, n: number): Lane {
  const valid = new Uint8Array(n);
  switch (t) {
    case 'null':
    case 'other':
      return NULL_LANE;
    case 'bool':
      return boolLane(new Uint8Array(1), valid, 0);
    case 'string':
      return { kind: 'str', bytes: new Uint8Array(0), offsets: new Int32Array(2), codes: null, stride: 0, valid };
    case 'int64':
    case 'uint64':
      return bigLane(t, newBigArray(t, 1), valid, 0);
    default:
      return numLane(t, new Float64Array(1), valid, 0);
  }
}

/**
 * The validity of rows valid in both (shares an input when the other has no nulls).
 *
 * @example
 * andValid(a.valid, b.valid, n) // null when neither has nulls
 */
export function andValid(a: Valid, b: Valid, n: number, scratch: Scratch = FRESH): Valid {
  if (a === null) return b;
  if (b === null) return a;
  const out = scratch.u8(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]!;
  return out;
}

/** A writable copy of `valid` (all ones for null). */
export function copyValid(valid: Valid, n: number, scratch: Scratch = FRESH): Uint8Array {
  const out = scratch.u8(n);
  if (valid === null) out.fill(1);
  else out.set(valid.subarray(0, n));
  return out;
}

/** Row validity of a lane (null lanes: every row null). */
export function laneValid(lane: Lane, n: number): Valid {
  return lane.kind === 'null' ? new Uint8Array(n) : lane.valid;
}

/**
 * Reads an Arrow bitmap (LSB first, from bit `offset`) into one byte per row.
 *
 * @example
 * unpackBits(data.nullBitmap!, data.offset, data.length)
 */
export function unpackBits(bits: Uint8Array, offset: number, n: number, scratch: Scratch = FRESH): Uint8Array {
  const out = scratch.u8(n);
  let i = 0;
  // Until the bit index is byte-aligned, then a whole byte per step.
  for (; i < n && ((offset + i) & 7) !== 0; i++) out[i] = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
  for (; i + 8 <= n; i += 8) {
    const byte = bits[(offset + i) >> 3]!;
    out[i] = byte & 1;
    out[i + 1] = (byte >> 1) & 1;
    out[i + 2] = (byte >> 2) & 1;
    out[i + 3] = (byte >> 3) & 1;
    out[i + 4] = (byte >> 4) & 1;
    out[i + 5] = (byte >> 5) & 1;
    out[i + 6] = (byte >> 6) & 1;
    out[i + 7] = (byte >> 7) & 1;
  }
  for (; i < n; i++) out[i] = (bits[(offset + i) >> 3]! >> ((offset + i) & 7)) & 1;
  return out;
}

/**
 * Packs 0/1 bytes (stride 0: one byte for every row) into `bits` from byte `at` on, and
 * returns how many were 1. Rows past `n` in the last byte are left clear.
 *
 * @example
 * const { bits, zeros } = packBits(validBytes, 1, n)
 */
export function packBitsInto(bytes: Uint8Array, stride: number, n: number, bits: Uint8Array, at: number): number {
  let ones = 0;
  let i = 0;
  if (stride === 1) {
    for (; i + 8 <= n; i += 8) {
      const byte = bytes[i]! | (bytes[i + 1]! << 1) | (bytes[i + 2]! << 2) | (bytes[i + 3]! << 3)
        | (bytes[i + 4]! << 4) | (bytes[i + 5]! << 5) | (bytes[i + 6]! << 6) | (bytes[i + 7]! << 7);
      bits[at + (i >> 3)] = byte;
      ones += POPCOUNT[byte]!;
    }
  } else if (bytes[0] === 1) {
    for (; i + 8 <= n; i += 8) bits[at + (i >> 3)] = 0xff;
    ones += i;
  } else {
    for (; i + 8 <= n; i += 8) bits[at + (i >> 3)] = 0;
  }
  if (i < n) {
    let byte = 0;
    for (let j = i; j < n; j++) byte |= bytes[j * stride]! << (j & 7);
    bits[at + (i >> 3)] = byte;
    ones += POPCOUNT[byte]!;
  }
  return ones;
}

/** 0/1 bytes as a fresh Arrow bitmap (padded to 64 bytes, as Arrow pads), and its zero count. */
export function packBits(bytes: Uint8Array, stride: number, n: number): { bits: Uint8Array; zeros: number } {
  const bits = new Uint8Array(((n + 511) & ~511) >> 3);
  return { bits, zeros: n - packBitsInto(bytes, stride, n, bits, 0) };
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let c = 0;
  for (let x = b; x !== 0; x >>= 1) c += x & 1;
  return c;
});

/** The first valid row in [0, n) for which `bad` holds, or -1. */
export function firstValid(valid: Valid, n: number, bad: (i: number) => boolean): number {
  for (let i = 0; i < n; i++) if ((valid === null || valid[i] === 1) && bad(i)) return i;
  return -1;
}

/**
 * The first valid row whose value (`x[i * stride]`) lies outside [lo, hi], or -1. The hot
 * loop of every range check: it looks at validity only for a value out of range.
 *
 * @example
 * firstOutside(sums, n, -128, 127, valid) // an int8 result that overflowed
 */
export function firstOutside(x: Float64Array, stride: number, n: number, lo: number, hi: number, valid: Valid): number {
  for (let i = 0; i < n; i++) {
    const v = x[i * stride]!;
    if ((v < lo || v > hi) && (valid === null || valid[i] === 1)) return i;
  }
  return -1;
}

/** The reference evaluator's overflow error, word for word. */
export function overflow(what: string, type: ValueType, value: string): never {
  throw new DuskError('OVERFLOW', `${what} = ${value} overflows ${type}`);
}

/** Range of an integer type as doubles (exact: every bound is a double). */
export function smallRange(t: SmallNumeric): [number, number] {
  switch (t) {
    case 'int8': return [-128, 127];
    case 'int16': return [-32768, 32767];
    case 'int32': return [-2147483648, 2147483647];
    case 'uint8': return [0, 255];
    case 'uint16': return [0, 65535];
    case 'uint32': return [0, 4294967295];
    default: return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  }
}

export function isFloatLaneType(t: SmallNumeric): boolean {
  return t === 'float32' || t === 'float64';
}
