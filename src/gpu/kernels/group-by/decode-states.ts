/**
 * Accumulator words read back from the device turned into the CPU twin's state kinds:
 * counts, exact integer sums (two 96-bit magnitudes → three limbs), fixed-point float sums
 * (two 256-bit magnitudes → a double-double), and min/max order keys → values.
 */
import { addDD } from '../../../reduce/reduce-partial.js';
import type { CountState, FloatSumState, IntSumState, PickState } from '../../../cpu/kernels/group-by/agg-types.js';
import type { GpuTableColumn } from '../../upload-table.js';
import { kindOf } from './group-pass.js';
import { plainFromWords } from './plain-words.js';

const TWO32 = 4294967296;
/** Limbs of one fixed-point magnitude, as the shader's LIMBS. */
export const LIMBS = 8;
export const FSUM_WORDS = 20;
export const ISUM_WORDS = 6;
export const MSQ_WORDS = 32;

/**
 * Counts per group from one word each.
 * @example
 * const state = countState(words);
 */
export function countState(words: Uint32Array): CountState {
  return { kind: 'count', count: Float64Array.from(words) };
}

/**
 * Exact integer sums: positive minus negative magnitude, as the limbs of `IntSumState`.
 * @example
 * const state = intSumState(words, counts);
 */
export function intSumState(words: Uint32Array, count: Float64Array): IntSumState {
  const groups = count.length;
  const s: IntSumState = { kind: 'int-sum', count, l0: new Float64Array(groups), l1: new Float64Array(groups), l2: new Float64Array(groups) };
  for (let g = 0; g < groups; g++) {
    const o = g * 6;
    const x0 = words[o]! - words[o + 3]!;
    const c0 = Math.floor(x0 / TWO32);
    const x1 = words[o + 1]! - words[o + 4]! + c0;
    const c1 = Math.floor(x1 / TWO32);
    s.l0[g] = x0 - c0 * TWO32;
    s.l1[g] = x1 - c1 * TWO32;
    s.l2[g] = words[o + 2]! - words[o + 5]! + c1;
  }
  return s;
}

/**
 * The value of a signed fixed-point number: `LIMBS` positive limbs at `at`, `LIMBS` negative
 * after them, limb i weighing 2^(32·i + bottom); as a double-double [hi, lo].
 * @example
 * const [hi, lo] = fixedValue(words, g * FSUM_WORDS, -112);
 */
export function fixedValue(words: Uint32Array, at: number, bottom: number): [number, number] {
  // The exact difference first (with borrows), so no cancellation happens in floating point.
  const d = new Array<number>(LIMBS);
  let borrow = 0;
  for (let i = 0; i < LIMBS; i++) {
    let x = words[at + i]! - words[at + LIMBS + i]! - borrow;
    borrow = x < 0 ? 1 : 0;
    if (x < 0) x += TWO32;
    d[i] = x;
  }
  let sign = 1;
  if (borrow === 1) {
    // Negative: take the two's complement of the 256-bit difference.
    sign = -1;
    let carry = 1;
    for (let i = 0; i < LIMBS; i++) {
      const x = TWO32 - 1 - d[i]! + carry;
      carry = x >= TWO32 ? 1 : 0;
      d[i] = x - carry * TWO32;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let i = LIMBS - 1; i >= 0; i--) {
    if (d[i] !== 0) [hi, lo] = addDD(hi, lo, d[i]! * 2 ** (32 * i + bottom), 0);
  }
  return [sign * hi, sign * lo];
}

/**
 * Float sums from the fixed-point accumulators (words 0..15) and the NaN, +Inf, -Inf and
 * out-of-range counts (words 16..19); `outOfRange` counts values the window could not hold.
 * @example
 * const { state, outOfRange } = floatSumState(words, counts);
 */
export function floatSumState(words: Uint32Array, count: Float64Array): { state: FloatSumState; outOfRange: number } {
  const groups = count.length;
  const hi = new Float64Array(groups);
  const lo = new Float64Array(groups);
  let outOfRange = 0;
  for (let g = 0; g < groups; g++) {
    const o = g * FSUM_WORDS;
    const nan = words[o + 16]!;
    const pinf = words[o + 17]!;
    const ninf = words[o + 18]!;
    outOfRange += words[o + 19]!;
    if (nan > 0 || (pinf > 0 && ninf > 0)) hi[g] = Number.NaN;
    else if (pinf > 0) hi[g] = Number.POSITIVE_INFINITY;
    else if (ninf > 0) hi[g] = Number.NEGATIVE_INFINITY;
    else [hi[g], lo[g]] = fixedValue(words, o, -112);
  }
  return { state: { kind: 'float-sum', count, hi, lo }, outOfRange };
}

/**
 * min/max from the stored order keys (inverted for min) and the has-value flags.
 * @example
 * const state = minMaxState(column, 'min', words);
 */
export function minMaxState(column: GpuTableColumn, fn: 'min' | 'max', words: Uint32Array): PickState {
  const groups = words.length / 3;
  const lo = new Uint32Array(groups);
  const hi = new Uint32Array(groups);
  const valid = new Uint8Array(groups);
  const kind = kindOf(column.dtype);
  for (let g = 0; g < groups; g++) {
    valid[g] = words[3 * g + 2]!;
    const kh = (fn === 'min' ? ~words[3 * g]! : words[3 * g]!) >>> 0;
    const kl = (fn === 'min' ? ~words[3 * g + 1]! : words[3 * g + 1]!) >>> 0;
    switch (kind) {
      case 0: // f32: the key's top bit set means a non-negative value
        lo[g] = (kh & 0x80000000) !== 0 ? (kh ^ 0x80000000) >>> 0 : ~kh >>> 0;
        break;
      case 1:
        if ((kh & 0x80000000) !== 0) {
          lo[g] = kl;
          hi[g] = (kh ^ 0x80000000) >>> 0;
        } else {
          lo[g] = ~kl >>> 0;
          hi[g] = ~kh >>> 0;
        }
        break;
      case 2:
        lo[g] = (kh ^ 0x80000000) >>> 0;
        break;
      case 3:
        lo[g] = kh;
        break;
      case 4:
        lo[g] = kl;
        hi[g] = (kh ^ 0x80000000) >>> 0;
        break;
      default:
        lo[g] = kl;
        hi[g] = kh;
    }
  }
  return { kind: 'pick', fn, values: plainFromWords(column, lo, hi, valid) };
}
