/**
 * Reads one field's bytes as an integer, a float or a boolean, without making a string on the
 * common paths. The accepted texts follow DuckDB's casts from VARCHAR: numbers may have a sign
 * and blanks (spaces, tabs) around them; floats also take `1e10`, `.5`, `5.`, and `nan`, `inf`,
 * `infinity` in any case with an optional sign; integers are decimal only (no `3.0`, no hex).
 * Floats are correctly rounded: a fast exact path, else the engine's own `Number()`.
 * `sniffable` adds the two rules DuckDB's type detection applies on top (see infer-schema.ts).
 */
import { SPACE, TAB } from './csv-options.js';

const ZERO = 0x30;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const LOWER = 0x20; // ASCII letters: upper | 0x20 is lower

/** Results of the integer readers. */
export const INT_OK = 0;
export const INT_SYNTAX = 1;
export const INT_RANGE = 2;

/** Exact powers of ten a double holds, for the fast float path. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isBlank(c: number | undefined): boolean {
  return c === SPACE || c === TAB;
}

/**
 * The integer in `[s, e)`, or NaN when the text is not an optionally signed run of decimal
 * digits (blanks around it allowed). Exact below 2^53 in magnitude, approximate above.
 */
export function readInteger(bytes: Uint8Array, s: number, e: number): number {
  while (s < e && isBlank(bytes[s])) s++;
  while (e > s && isBlank(bytes[e - 1])) e--;
  let negative = false;
  const c = bytes[s];
  if (c === MINUS || c === PLUS) {
    negative = c === MINUS;
    s++;
  }
  if (s >= e) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = bytes[i]! - ZERO;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** Reads an int32 into `out[i]`; returns INT_OK, INT_SYNTAX or INT_RANGE. */
export function readInt32(bytes: Uint8Array, s: number, e: number, out: Int32Array, i: number): number {
  const v = readInteger(bytes, s, e);
  if (v !== v) return INT_SYNTAX;
  if (v > 2147483647 || v < -2147483648) return INT_RANGE;
  out[i] = v;
  return INT_OK;
}

/**
 * Reads an int64 into element `i` of a 64-bit buffer seen as 32-bit words (little-endian) and
 * as bigints; returns INT_OK, INT_SYNTAX or INT_RANGE. Values below 2^53 are written as two
 * words, so that no bigint is made for them.
 */
export function readInt64(
  bytes: Uint8Array, s: number, e: number, words: Uint32Array, big: BigInt64Array, i: number,
): number {
  const v = readInteger(bytes, s, e);
  if (v !== v) return INT_SYNTAX;
  if (v < TWO53 && v > -TWO53) {
    words[2 * i] = v >>> 0;
    words[2 * i + 1] = Math.floor(v / TWO32) >>> 0;
    return INT_OK;
  }
  const exact = BigInt(asciiText(bytes, s, e).trim());
  if (exact < INT64_MIN || exact > INT64_MAX) return INT_RANGE;
  big[i] = exact;
  return INT_OK;
}

/** Reads a float64 into `out[i]`; returns false when the text is not a number. */
export function readFloat64(bytes: Uint8Array, s: number, e: number, out: Float64Array, i: number): boolean {
  while (s < e && isBlank(bytes[s])) s++;
  while (e > s && isBlank(bytes[e - 1])) e--;
  const start = s;
  let negative = false;
  let c = bytes[s];
  if (c === MINUS || c === PLUS) {
    negative = c === MINUS;
    c = bytes[++s];
  }
  if (s < e && (c! | LOWER) >= 0x61) return readNamedFloat(bytes, s, e, negative, out, i);
  let mantissa = 0;
  let digits = 0; // significant digits in mantissa
  let sawDigit = false;
  let scale = 0; // decimal exponent from the digits after the point
  for (; s < e; s++) {
    const d = bytes[s]! - ZERO;
    if (d < 0 || d > 9) break;
    sawDigit = true;
    if (digits > 0 || d > 0) digits++;
    mantissa = mantissa * 10 + d;
  }
  if (s < e && bytes[s] === DOT) {
    for (s++; s < e; s++) {
      const d = bytes[s]! - ZERO;
      if (d < 0 || d > 9) break;
      sawDigit = true;
      if (digits > 0 || d > 0) digits++;
      mantissa = mantissa * 10 + d;
      scale--;
    }
  }
  if (!sawDigit) return false;
  let exponent = 0;
  if (s < e && (bytes[s]! | LOWER) === 0x65) {
    s++;
    let expNegative = false;
    if (bytes[s] === MINUS || bytes[s] === PLUS) expNegative = bytes[s++] === MINUS;
    const first = s;
    for (; s < e; s++) {
      const d = bytes[s]! - ZERO;
      if (d < 0 || d > 9) break;
      if (exponent < 100000) exponent = exponent * 10 + d;
    }
    if (s === first) return false;
    if (expNegative) exponent = -exponent;
  }
  if (s !== e) return false;
  const power = scale + exponent;
  let v: number;
  // Clinger's fast path: both operands are exact doubles, so one rounding gives the right answer.
  if (mantissa === 0) v = 0;
  else if (digits <= 15 && power >= -22 && power <= 22) v = power < 0 ? mantissa / POW10[-power]! : mantissa * POW10[power]!;
  else v = Math.abs(Number(asciiText(bytes, start, e)));
  out[i] = negative ? -v : v;
  return true;
}

/** `nan`, `inf` or `infinity` in any case, after the sign. */
function readNamedFloat(
  bytes: Uint8Array, s: number, e: number, negative: boolean, out: Float64Array, i: number,
): boolean {
  const n = e - s;
  if (n !== 3 && n !== 8) return false;
  let word = '';
  for (let k = s; k < e; k++) word += String.fromCharCode(bytes[k]! | LOWER);
  if (word === 'nan') out[i] = NaN;
  else if (word === 'inf' || word === 'infinity') out[i] = negative ? -Infinity : Infinity;
  else return false;
  return true;
}

/**
 * A boolean: 1 for true, 0 for false, -1 for neither. Takes `true/false`, `t/f`, and, unless
 * `sniffable`, also `yes/no`, `y/n` and `1/0` (case-insensitive, no blanks), as DuckDB does.
 */
export function readBool(bytes: Uint8Array, s: number, e: number, sniffable = false): number {
  const n = e - s;
  if (n < 1 || n > 5) return -1;
  const first = bytes[s]! | LOWER;
  if (n === 1) {
    if (first === 0x74) return 1; // t
    if (first === 0x66) return 0; // f
    if (sniffable) return -1;
    if (first === 0x79 || bytes[s] === 0x31) return 1; // y, 1
    if (first === 0x6e || bytes[s] === ZERO) return 0; // n, 0
    return -1;
  }
  let word = '';
  for (let k = s; k < e; k++) word += String.fromCharCode(bytes[k]! | LOWER);
  if (word === 'true') return 1;
  if (word === 'false') return 0;
  if (!sniffable && word === 'yes') return 1;
  if (!sniffable && word === 'no') return 0;
  return -1;
}

/**
 * False for numbers DuckDB's type detection keeps as text, though its casts read them: a
 * leading `+` (phone numbers), and a leading zero before a digit (zip codes, ids like `007`).
 */
export function sniffableNumber(bytes: Uint8Array, s: number, e: number): boolean {
  while (s < e && isBlank(bytes[s])) s++;
  const c = bytes[s];
  if (c === PLUS) return false;
  if (c === ZERO && s + 1 < e) {
    const d = bytes[s + 1]! - ZERO;
    if (d >= 0 && d <= 9) return false;
  }
  return true;
}

/** The bytes as a string, one character per byte; for text already known to be ASCII. */
export function asciiText(bytes: Uint8Array, s: number, e: number): string {
  let text = '';
  for (let k = s; k < e; k++) text += String.fromCharCode(bytes[k]!);
  return text;
}
