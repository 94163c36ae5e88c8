/**
 * `tallyPiece`, the TypeScript twin of native/src/column-tally.cpp (see column-tally.ts), and the
 * tally layout both share: the loops of one
 * piece of a column (part of one column chunk under one mask chunk) into a tally. It first lists
 * the piece's kept non-null rows, then runs one tight loop per thing asked over that list, each
 * the group-by state kernel's own one-group update in row order (float-sum-state.ts addRun,
 * moments-state.ts welfordRun / welfordWide, pick-state.ts better and its 64-bit compare), so
 * the results match partialGroupBy's bit for bit. It also serves the cases the native kernel
 * leaves out: 64-bit integers (read as two 32-bit words, never as bigints) and bool min / max.
 */
import type * as arrow from 'apache-arrow';
import { boolAt, numericValues, validityOf, words64, type ColumnKind } from './column-kind.js';

/** Rows [from, from + length) of one column chunk, under rows [maskFrom, ...) of one mask chunk. */
export interface Piece {
  /** The column chunk, or null to count the mask's kept rows only. */
  data: arrow.Data | null;
  from: number;
  /** The mask chunk, or null to keep every row. */
  mask: arrow.Data | null;
  maskFrom: number;
  length: number;
  /** The column row of the piece's first row. */
  base: number;
}

/** What a tally computes besides the counts: bit flags, as the native kernel takes them. */
export const TALLY_SUM = 1;
export const TALLY_MOMENTS = 2;
export const TALLY_MIN = 4;
export const TALLY_MAX = 8;

/** The slots of a tally's Float64Array (the native kernel's layout; the last two are the twin's). */
export const Slot = {
  Rows: 0, Valid: 1, First: 2, Last: 3, Hi: 4, Lo: 5, Count: 6, Mean: 7, M2: 8,
  MinRow: 9, MinValue: 10, MaxRow: 11, MaxValue: 12, MinLow: 13, MaxLow: 14,
} as const;
export const SLOTS = 15;

/** An exact integer total as `IntSumState`'s limbs: l2·2^64 + l1·2^32 + l0, l0 and l1 in [0, 2^32). */
export interface Limbs {
  l0: number;
  l1: number;
  l2: number;
}

const TWO32 = 4294967296;

/**
 * Adds a0 + a1·2^32 (|a0|, |a1| < 2^52) to the limbs, carrying exactly (int-sum-state.ts carry).
 * @example
 * const total = { l0: 0, l1: 0, l2: 0 };
 * carryInto(total, 5, -1); // total = 5 - 2^32
 */
export function carryInto(s: Limbs, a0: number, a1: number): void {
  const x = s.l0 + a0;
  const c = Math.floor(x / TWO32);
  s.l0 = x - c * TWO32;
  const y = s.l1 + a1 + c;
  const c2 = Math.floor(y / TWO32);
  s.l1 = y - c2 * TWO32;
  s.l2 += c2;
}

type Narrow = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** Rows added to a double before it is carried into the limbs: 2^20 · 2^32 stays below 2^53. */
const FLUSH = 1 << 20;

/** The thread's scratch list of kept rows (read only by the loops of the piece that made it). */
let KEPT = new Int32Array(0);

/** The piece's kept non-null rows (chunk rows, in order); counts kept rows, values, first, last. */
function keptRows(piece: Piece, tally: Float64Array): Int32Array {
  const { data, from, length, mask } = piece;
  if (KEPT.length < length) KEPT = new Int32Array(Math.max(length, 2 * KEPT.length));
  const out = KEPT;
  const maskBits = mask === null ? null : (mask.values as Uint8Array);
  const maskValid = mask === null ? null : validityOf(mask);
  const maskAt = mask === null ? 0 : mask.offset + piece.maskFrom;
  const valid = data === null ? null : validityOf(data);
  const validAt = data === null ? 0 : data.offset + from;
  let kept = 0;
  let n = 0;
  for (let i = 0; i < length; i++) {
    if (maskBits !== null) {
      const b = maskAt + i;
      if (((maskBits[b >> 3] >> (b & 7)) & 1) === 0) continue;
      if (maskValid !== null && ((maskValid[b >> 3] >> (b & 7)) & 1) === 0) continue;
    }
    kept++;
    if (valid !== null) {
      const b = validAt + i;
      if (((valid[b >> 3] >> (b & 7)) & 1) === 0) continue;
    }
    out[n++] = from + i;
  }
  tally[Slot.Rows] += kept;
  tally[Slot.Valid] += n;
  if (n > 0) {
    const shift = piece.base - from;
    if (tally[Slot.First] < 0) tally[Slot.First] = shift + out[0];
    tally[Slot.Last] = shift + out[n - 1];
  }
  return out.subarray(0, n);
}

function floatSum(v: Narrow, rows: Int32Array, tally: Float64Array): void {
  let a = tally[Slot.Hi];
  let l = tally[Slot.Lo];
  for (let k = 0; k < rows.length; k++) {
    const x = v[rows[k]];
    const t = a + x;
    const b = t - a;
    l += a - (t - b) + (x - b);
    a = t;
  }
  tally[Slot.Hi] = a;
  tally[Slot.Lo] = l;
}

function intSum(v: Narrow, rows: Int32Array, sum: Limbs): void {
  let acc = 0;
  for (let k = 0; k < rows.length; k++) {
    acc += v[rows[k]];
    if ((k + 1) % FLUSH === 0) {
      carryInto(sum, acc, 0);
      acc = 0;
    }
  }
  if (acc !== 0) carryInto(sum, acc, 0);
}

function wideSum(lo: Uint32Array, hi: Int32Array | Uint32Array, rows: Int32Array, sum: Limbs): void {
  let a0 = 0;
  let a1 = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    a0 += lo[2 * r];
    a1 += hi[2 * r + 1];
    if ((k + 1) % FLUSH === 0) {
      carryInto(sum, a0, a1);
      a0 = a1 = 0;
    }
  }
  if (a0 !== 0 || a1 !== 0) carryInto(sum, a0, a1);
}

/** Welford's update over the rows; `at(r)` reads row r as a double. */
function welford(rows: Int32Array, tally: Float64Array, at: (r: number) => number): void {
  let c = tally[Slot.Count];
  let mu = tally[Slot.Mean];
  let q = tally[Slot.M2];
  for (let k = 0; k < rows.length; k++) {
    const x = at(rows[k]);
    const n = ++c;
    const d = x - mu;
    const m = mu + d / n;
    mu = m;
    q += d * (x - m);
  }
  tally[Slot.Count] = c;
  tally[Slot.Mean] = mu;
  tally[Slot.M2] = q;
}

/** pick-state.ts better(): NaN above everything; ties keep the earlier row. */
function better(min: boolean, x: number, c: number): boolean {
  return min ? x < c || (c !== c && x === x) : x > c || (x !== x && c === c);
}

/** The least (or greatest) value's row, values read as doubles by `at`. */
function pick(min: boolean, rows: Int32Array, shift: number, tally: Float64Array, at: (r: number) => number): void {
  const rowSlot = min ? Slot.MinRow : Slot.MaxRow;
  const valueSlot = min ? Slot.MinValue : Slot.MaxValue;
  let best = tally[rowSlot];
  let value = tally[valueSlot];
  for (let k = 0; k < rows.length; k++) {
    const x = at(rows[k]);
    if (best < 0 || better(min, x, value)) {
      best = shift + rows[k];
      value = x;
    }
  }
  tally[rowSlot] = best;
  tally[valueSlot] = value;
}

/** The same for 64-bit integers, compared as (high word, low word) like pick-state.ts. */
function pickWide(min: boolean, lo: Uint32Array, hi: Int32Array | Uint32Array, rows: Int32Array, shift: number, tally: Float64Array): void {
  const rowSlot = min ? Slot.MinRow : Slot.MaxRow;
  const hiSlot = min ? Slot.MinValue : Slot.MaxValue;
  const loSlot = min ? Slot.MinLow : Slot.MaxLow;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    const h = hi[2 * r + 1];
    const l = lo[2 * r];
    const best = tally[rowSlot];
    const c = best < 0 ? 0 : h !== tally[hiSlot] ? h - tally[hiSlot] : l - tally[loSlot];
    if (best < 0 || (min ? c < 0 : c > 0)) {
      tally[rowSlot] = shift + r;
      tally[hiSlot] = h;
      tally[loSlot] = l;
    }
  }
}

/**
 * Adds one piece to the tally (slots of column-tally.ts) and, for integer sums, to `sum`.
 * @example
 * tallyPiece({ data, from: 0, mask: null, maskFrom: 0, length: data.length, base: 0 }, kind, TALLY_SUM, tally, sum);
 */
export function tallyPiece(piece: Piece, kind: ColumnKind | null, flags: number, tally: Float64Array, sum: Limbs): void {
  const rows = keptRows(piece, tally);
  const data = piece.data;
  if (flags === 0 || data === null || rows.length === 0 || kind === null) return;
  const shift = piece.base - piece.from;
  if (kind.kind === 'bool') {
    const at = (r: number): number => boolAt(data, r);
    if ((flags & TALLY_MIN) !== 0) pick(true, rows, shift, tally, at);
    if ((flags & TALLY_MAX) !== 0) pick(false, rows, shift, tally, at);
    return;
  }
  if (kind.kind !== 'number') return;
  if (kind.dtype === 'int64' || kind.dtype === 'uint64') {
    const { lo, hi } = words64(data, kind.dtype === 'int64');
    if ((flags & TALLY_SUM) !== 0) wideSum(lo, hi, rows, sum);
    if ((flags & TALLY_MOMENTS) !== 0) welford(rows, tally, (r) => hi[2 * r + 1] * TWO32 + lo[2 * r]);
    if ((flags & TALLY_MIN) !== 0) pickWide(true, lo, hi, rows, shift, tally);
    if ((flags & TALLY_MAX) !== 0) pickWide(false, lo, hi, rows, shift, tally);
    return;
  }
  const v = numericValues(data) as Narrow;
  const at = (r: number): number => v[r];
  if ((flags & TALLY_SUM) !== 0) {
    if (kind.dtype === 'float32' || kind.dtype === 'float64') floatSum(v, rows, tally);
    else intSum(v, rows, sum);
  }
  if ((flags & TALLY_MOMENTS) !== 0) welford(rows, tally, at);
  if ((flags & TALLY_MIN) !== 0) pick(true, rows, shift, tally, at);
  if ((flags & TALLY_MAX) !== 0) pick(false, rows, shift, tally, at);
}
