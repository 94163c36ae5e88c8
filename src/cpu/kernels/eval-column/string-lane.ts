/**
 * Helpers over string lanes: comparing UTF-8 byte ranges (byte order is code point order, the
 * order `compareValues` uses), hashing them for list membership, and gathering rows of several
 * string lanes into a fresh Utf8 lane (for fillNull and when) without decoding anything.
 */
import type { StrLane, Valid } from './lane.js';

/** The entry (dictionary code or row) that row `i` of `s` reads. */
export function entryOf(s: StrLane, i: number): number {
  return s.codes === null ? i * s.stride : s.codes[i * s.stride]!;
}

/**
 * Sign of the comparison of `A[as, ae)` with `B[bs, be)` as unsigned bytes.
 *
 * @example
 * compareBytes(bytes, 0, 3, lit, 0, lit.length) // -1, 0 or 1
 */
export function compareBytes(A: Uint8Array, as: number, ae: number, B: Uint8Array, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const m = la < lb ? la : lb;
  for (let j = 0; j < m; j++) {
    const d = A[as + j]! - B[bs + j]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export function equalBytes(A: Uint8Array, as: number, ae: number, B: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let j = 0; j < ae - as; j++) if (A[as + j] !== B[bs + j]) return false;
  return true;
}

/** FNV-1a of a byte range. */
export function hashBytes(A: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let j = start; j < end; j++) h = Math.imul(h ^ A[j]!, 0x01000193);
  return h >>> 0;
}

/**
 * Rows of `sources` chosen per row by `pick` (an index into `sources`) as one Utf8 lane; rows
 * invalid in `valid` are left empty.
 *
 * @example
 * gatherStrings([a, b], pick, null, n) // row i from a where pick[i] is 0, else from b
 */
export function gatherStrings(sources: readonly StrLane[], pick: Uint8Array | Uint16Array | Uint32Array, valid: Valid, n: number): StrLane {
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (valid === null || valid[i] === 1) {
      const s = sources[pick[i]!]!;
      const k = entryOf(s, i);
      total += s.offsets[k + 1]! - s.offsets[k]!;
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const at = offsets[i]!;
    const len = offsets[i + 1]! - at;
    if (len === 0) continue;
    const s = sources[pick[i]!]!;
    const start = s.offsets[entryOf(s, i)]!;
    if (len > 32) bytes.set(s.bytes.subarray(start, start + len), at);
    else for (let j = 0; j < len; j++) bytes[at + j] = s.bytes[start + j]!;
  }
  return { kind: 'str', bytes, offsets, codes: null, stride: 1, valid };
}

/** Whether `s` holds a lone surrogate, which UTF-8 cannot carry (so bytes cannot stand for it). */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}
