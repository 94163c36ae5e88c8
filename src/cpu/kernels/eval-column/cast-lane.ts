/**
 * Casts between the numeric types and bool. To an integer type a float rounds half away from
 * zero; NaN and ±Infinity raise CAST, a value out of range raises OVERFLOW, each at the first
 * valid row in order and in the reference's words. To bool, zero and NaN are false. (Casts from
 * or to strings are left to the reference evaluator.)
 */
import { DuskError } from '../../../errors.js';
import type { CastType } from '../../../plan/expr.js';
import { bigToDoubles, reinterpretBig } from './coerce-lane.js';
import {
  allNullLane, bigLane, boolLane, firstOutside, firstValid, FRESH, isBigType, newBigArray, numLane, overflow, smallRange, wordsOf,
  type BigLane, type BigNumeric, type BoolLane, type Lane, type NumLane, type Scratch, type SmallNumeric, type Valid,
} from './lane.js';

const TWO32 = 4294967296;

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** `x` (of stride 0 or 1) as `n` doubles; the input itself when it already is. */
function expand(x: Float64Array, stride: number, n: number, scratch: Scratch): Float64Array {
  return stride === 1 ? x : scratch.f64(n).fill(x[0]!);
}

function fround(x: Float64Array, scratch: Scratch): Float64Array {
  const out = scratch.f64(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i]!);
  return out;
}

function toBool(a: NumLane | BigLane | BoolLane, n: number, scratch: Scratch): BoolLane {
  if (a.kind === 'bool') return a;
  const out = scratch.u8(n);
  const s = a.stride;
  if (a.kind === 'num') {
    for (let i = 0; i < n; i++) {
      const v = a.values[i * s]!;
      out[i] = +(v !== 0) & +(v === v);
    }
  } else {
    const w = a.words;
    for (let i = 0; i < n; i++) out[i] = +((w[2 * i * s]! | w[2 * i * s + 1]!) !== 0);
  }
  return boolLane(out, a.valid);
}

function boolToDoubles(a: BoolLane, n: number, scratch: Scratch): Float64Array {
  const out = scratch.f64(n);
  for (let i = 0; i < n; i++) out[i] = a.values[i * a.stride]!;
  return out;
}

/** Rounds each double to an integer of `to`, raising at the first valid row that cannot be one. */
function roundToIntegers(x: Float64Array, stride: number, valid: Valid, to: SmallNumeric | BigNumeric, n: number, scratch: Scratch): Float64Array {
  // [lo, end): integers r fit `to` exactly when lo <= r < end (all bounds are doubles).
  const [lo, end] = to === 'int64' ? [-(2 ** 63), 2 ** 63] : to === 'uint64' ? [0, 2 ** 64] : [smallRange(to)[0], smallRange(to)[1] + 1];
  const out = scratch.f64(n);
  let bad = false;
  for (let i = 0; i < n; i++) {
    const r = roundHalfAway(x[i * stride]!);
    // NaN fails both tests and ±Infinity one, like any other value out of range.
    if (!(r >= lo && r < end)) bad = true;
    out[i] = r + 0;
  }
  if (bad) {
    const at = firstValid(valid, n, (i) => !(out[i]! >= lo && out[i]! < end));
    if (at >= 0) {
      const v = x[at * stride]!;
      if (!Number.isFinite(v)) throw new DuskError('CAST', `cannot cast ${v} to ${to}`);
      overflow(`cast(${String(v)})`, to, String(BigInt(out[at]!)));
    }
  }
  return out;
}

/** Integer-valued doubles (in range) as a 64-bit lane, word by word. */
function doublesToBig(d: Float64Array, to: BigNumeric, valid: Valid, n: number, scratch: Scratch): BigLane {
  const values = newBigArray(to, n, scratch);
  const w = wordsOf(values);
  for (let i = 0; i < n; i++) {
    const r = d[i]!;
    const hi = Math.floor(r / TWO32);
    w[2 * i] = r - hi * TWO32;
    w[2 * i + 1] = hi;
  }
  return bigLane(to, values, valid);
}

function bigToInteger(a: BigLane, to: SmallNumeric | BigNumeric, n: number, scratch: Scratch): Lane {
  const what = (v: bigint): string => `cast(${v})`;
  if (isBigType(to)) return reinterpretBig(a, to, n, what);
  // Near a ≤32-bit range every int64 is a double exactly, so the range test on doubles is exact.
  const d = bigToDoubles(a, n, scratch);
  const s = a.stride;
  const [lo, hi] = smallRange(to);
  const bad = firstOutside(d, s, n, lo, hi, a.valid);
  if (bad >= 0) overflow(what(a.values[bad * s]!), to, String(a.values[bad * s]));
  return numLane(to, expand(d, s, n, scratch), a.valid);
}

/**
 * `cast(a, to)` over one batch of `n` rows, for numeric or bool `a` and a non-string `to`.
 *
 * @example
 * castLane(readLane(data), 'int16', data.length) // raises CAST on NaN, OVERFLOW out of range
 */
export function castLane(a: Lane, to: Exclude<CastType, 'string'>, n: number, scratch: Scratch = FRESH): Lane {
  if (a.kind === 'null') return allNullLane(to, n);
  if (a.kind !== 'num' && a.kind !== 'big' && a.kind !== 'bool') throw new TypeError(`cannot cast a lane of kind ${a.kind}`);
  if (to === 'bool') return toBool(a, n, scratch);
  if (to === 'float32' || to === 'float64') {
    let d: Float64Array;
    if (a.kind === 'num') d = expand(a.values, a.stride, n, scratch);
    else if (a.kind === 'big') d = expand(bigToDoubles(a, n, scratch), a.stride, n, scratch);
    else d = boolToDoubles(a, n, scratch);
    if (to === 'float32' && !(a.kind === 'num' && a.type === 'float32')) d = fround(d, scratch);
    return numLane(to, d, a.valid);
  }
  if (a.kind === 'big') return bigToInteger(a, to, n, scratch);
  const d = a.kind === 'bool' ? boolToDoubles(a, n, scratch) : roundToIntegers(a.values, a.stride, a.valid, to, n, scratch);
  return isBigType(to) ? doublesToBig(d, to, a.valid, n, scratch) : numLane(to, d, a.valid);
}
