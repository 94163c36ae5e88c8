/**
 * Literals and implicit conversions: where the reference evaluator turns an operand into the
 * type its parent computes in (`toNumeric`), these do the same to a lane. Only conversions into
 * a 64-bit integer type can fail (a uint64 above int64's range meeting an int64, a literal out
 * of range), and they fail with the reference's words ('literal = …', 'conversion = …').
 */
import type { LiteralValue } from '../../../plan/expr.js';
import { isNumeric, type ValueType } from '../../../plan/value-type.js';
import {
  allNullLane, bigLane, boolLane, firstOutside, FRESH, isBigType, newBigArray, numLane, NULL_LANE, overflow, wordsOf,
  type BigLane, type BigNumeric, type Lane, type NumLane, type Scratch, type SmallNumeric,
} from './lane.js';

const TWO32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

export function bigRange(t: BigNumeric): [bigint, bigint] {
  return t === 'int64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
}

/**
 * A literal as a stride-0 lane of type `t` (the reference's `toNumeric(value, t, 'literal')`).
 *
 * @example
 * literalLane(2n ** 63n, 'int64') // throws OVERFLOW: literal = 9223372036854775808 overflows int64
 */
export function literalLane(value: LiteralValue, t: ValueType): Lane {
  if (value === null) return NULL_LANE;
  if (isBigType(t)) {
    const b = typeof value === 'bigint' ? value : BigInt(value as number);
    const [lo, hi] = bigRange(t);
    if (b < lo || b > hi) overflow('literal', t, String(b));
    const values = newBigArray(t, 1);
    values[0] = b;
    return bigLane(t, values, null, 0);
  }
  if (isNumeric(t)) {
    const n = Number(value);
    return numLane(t, Float64Array.of(t === 'float32' ? Math.fround(n) : n), null, 0);
  }
  if (typeof value === 'boolean') return boolLane(Uint8Array.of(value ? 1 : 0), null, 0);
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    return { kind: 'str', bytes, offsets: Int32Array.of(0, bytes.length), codes: null, stride: 0, valid: null };
  }
  return NULL_LANE;
}

/**
 * Doubles nearest to the 64-bit integers of a lane (as `Number(bigint)`: one rounding).
 *
 * @example
 * bigToDoubles(readLane(int64Data) as BigLane, int64Data.length)
 */
export function bigToDoubles(a: BigLane, n: number, scratch: Scratch = FRESH): Float64Array {
  const w = a.words;
  const s = a.stride;
  const out = scratch.f64(s === 0 ? 1 : n);
  const m = out.length;
  if (a.type === 'int64') {
    for (let i = 0; i < m; i++) out[i] = (w[2 * i + 1]! | 0) * TWO32 + w[2 * i]!;
  } else {
    for (let i = 0; i < m; i++) out[i] = w[2 * i + 1]! * TWO32 + w[2 * i]!;
  }
  return out;
}

function numToBig(a: NumLane, t: BigNumeric, n: number, scratch: Scratch): BigLane {
  const m = a.stride === 0 ? 1 : n;
  const x = a.values;
  if (t === 'uint64') {
    const s = a.stride;
    const bad = firstOutside(x, s, n, 0, Number.POSITIVE_INFINITY, a.valid);
    if (bad >= 0) overflow('conversion', t, String(x[bad * s]));
  }
  const values = newBigArray(t, m, scratch);
  const out = wordsOf(values);
  for (let i = 0; i < m; i++) {
    const v = x[i]!;
    // Integers of up to 32 bits: the low word is v mod 2^32, the high word its sign.
    out[2 * i] = v;
    out[2 * i + 1] = v < 0 ? 0xffffffff : 0;
  }
  return bigLane(t, values, a.valid, a.stride);
}

/**
 * A 64-bit lane read as the other 64-bit type (the same bits), raising where a valid row does
 * not fit: uint64 above 2^63 - 1 or int64 below 0, both of which have the top bit set.
 *
 * @example
 * reinterpretBig(uint64Lane, 'int64', n, () => 'conversion') // raises above 2^63 - 1
 */
export function reinterpretBig(a: BigLane, t: BigNumeric, n: number, what: (v: bigint) => string): BigLane {
  if (a.type === t) return a;
  const s = a.stride;
  const w = a.words;
  const valid = a.valid;
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) if (w[2 * i * s + 1]! >= 0x80000000 && (valid === null || valid[i] === 1)) bad = i;
  if (bad >= 0) overflow(what(a.values[bad * s]!), t, String(a.values[bad * s]));
  const { buffer, byteOffset, length } = a.values;
  const values = t === 'int64' ? new BigInt64Array(buffer, byteOffset, length) : new BigUint64Array(buffer, byteOffset, length);
  return bigLane(t, values, a.valid, s);
}

/**
 * `lane` (of type `from`) as a lane of type `to`, as the reference converts an operand whose
 * type differs from the one its parent computes in. Non-numeric targets keep the lane as it is.
 *
 * @example
 * coerceLane(readLane(int32Data), 'int32', 'float32', int32Data.length) // values rounded to float32
 */
export function coerceLane(lane: Lane, from: ValueType, to: ValueType, n: number, scratch: Scratch = FRESH): Lane {
  if (lane.kind === 'null') return to === 'null' ? lane : allNullLane(to, n);
  if (from === to || !isNumeric(to)) return lane;
  if (lane.kind === 'num') {
    if (isBigType(to)) return numToBig(lane, to, n, scratch);
    if (to !== 'float32' || lane.type === 'float32') return numLane(to, lane.values, lane.valid, lane.stride);
    const out = scratch.f64(lane.values.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.fround(lane.values[i]!);
    return numLane(to, out, lane.valid, lane.stride);
  }
  if (lane.kind === 'big') {
    if (isBigType(to)) return reinterpretBig(lane, to, n, () => 'conversion');
    const d = bigToDoubles(lane, n, scratch);
    if (to === 'float32') for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]!);
    return numLane(to as SmallNumeric, d, lane.valid, lane.stride);
  }
  return lane;
}
