/**
 * add, sub, mul, div, mod over two lanes already converted to the result type. Types up to 32
 * bits compute in doubles exactly as the reference does (then a range check); int64/uint64 add
 * and sub work on 32-bit words with a carry, so the common sums never allocate a BigInt, while
 * mul, div and mod use BigInt. Overflow raises only for a valid row, the first one in row order,
 * with the reference's message; integer division or modulo by zero gives null.
 */
import {
  andValid, bigLane, copyValid, firstOutside, firstValid, isFloatLaneType, newBigArray, numLane, overflow, smallRange,
  FRESH, type BigLane, type Lane, type NumLane, type Scratch, type Valid,
} from './lane.js';
import { bigRange } from './coerce-lane.js';

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';

const SYMBOL: Record<ArithOp, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' };
const TWO32 = 4294967296;

function floatLoop(op: ArithOp, x: Float64Array, sx: number, y: Float64Array, sy: number, out: Float64Array, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = x[i * sx]! + y[i * sy]!; break;
    case 'sub': for (let i = 0; i < n; i++) out[i] = x[i * sx]! - y[i * sy]!; break;
    case 'mul': for (let i = 0; i < n; i++) out[i] = x[i * sx]! * y[i * sy]!; break;
    case 'div': for (let i = 0; i < n; i++) out[i] = x[i * sx]! / y[i * sy]!; break;
    case 'mod': for (let i = 0; i < n; i++) out[i] = x[i * sx]! % y[i * sy]!; break;
  }
}

/** Integer div/mod in doubles: by zero → null (cleared in `valid`), else truncated, -0 made 0. */
function intDivLoop(op: 'div' | 'mod', x: Float64Array, sx: number, y: Float64Array, sy: number, out: Float64Array, valid: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const b = y[i * sy]!;
    if (b === 0) {
      valid[i] = 0;
      out[i] = 0;
    } else {
      out[i] = op === 'div' ? Math.trunc(x[i * sx]! / b) : (x[i * sx]! % b) + 0;
    }
  }
}

function numArithmetic(op: ArithOp, a: NumLane, b: NumLane, n: number, scratch: Scratch): NumLane {
  const t = a.type;
  const out = scratch.f64(n);
  let valid: Valid = andValid(a.valid, b.valid, n, scratch);
  const integer = !isFloatLaneType(t);
  if (integer && (op === 'div' || op === 'mod')) {
    // A copy: `andValid` may have handed back an operand's own validity.
    const v = copyValid(valid, n, scratch);
    intDivLoop(op, a.values, a.stride, b.values, b.stride, out, v, n);
    valid = v;
  } else {
    floatLoop(op, a.values, a.stride, b.values, b.stride, out, n);
  }
  if (t === 'float32') {
    for (let i = 0; i < n; i++) out[i] = Math.fround(out[i]!);
  } else if (integer && op !== 'mod') {
    const [lo, hi] = smallRange(t);
    const bad = firstOutside(out, 1, n, lo, hi, valid);
    if (bad >= 0) overflow(`${a.values[bad * a.stride]} ${SYMBOL[op]} ${b.values[bad * b.stride]}`, t, String(out[bad]));
    // Only now: the overflow message shows the quotient before -0 is normalised.
    if (op === 'div') for (let i = 0; i < n; i++) out[i] = out[i]! + 0;
  }
  return numLane(t, out, valid);
}

/** int64/uint64 add or sub on (lo, hi) words; returns whether any row left the type's range. */
function wordAddSub(sub: boolean, signed: boolean, A: Uint32Array, sa: number, B: Uint32Array, sb: number, O: Uint32Array, n: number): boolean {
  const hiMin = signed ? -2147483648 : 0;
  const hiMax = signed ? 2147483647 : 4294967295;
  let bad = false;
  for (let i = 0; i < n; i++) {
    const ka = 2 * i * sa;
    const kb = 2 * i * sb;
    const alo = A[ka]!;
    const blo = B[kb]!;
    const ahi = signed ? A[ka + 1]! | 0 : A[ka + 1]!;
    const bhi = signed ? B[kb + 1]! | 0 : B[kb + 1]!;
    let lo: number;
    let hi: number;
    if (sub) {
      lo = alo - blo;
      const borrow = +(lo < 0);
      lo += borrow * TWO32;
      hi = ahi - bhi - borrow;
    } else {
      lo = alo + blo;
      const carry = +(lo >= TWO32);
      lo -= carry * TWO32;
      hi = ahi + bhi + carry;
    }
    O[2 * i] = lo;
    O[2 * i + 1] = hi;
    if (hi < hiMin || hi > hiMax) bad = true;
  }
  return bad;
}

function bigArithmetic(op: ArithOp, a: BigLane, b: BigLane, n: number, scratch: Scratch): BigLane {
  const t = a.type;
  const [lo, hi] = bigRange(t);
  const x = a.values;
  const y = b.values;
  const sa = a.stride;
  const sb = b.stride;
  const values = newBigArray(t, n, scratch);
  let valid = andValid(a.valid, b.valid, n, scratch);
  const fail = (i: number, r: bigint): never => overflow(`${x[i * sa]} ${SYMBOL[op]} ${y[i * sb]}`, t, String(r));
  if (op === 'add' || op === 'sub') {
    const out = bigLane(t, values, valid);
    if (wordAddSub(op === 'sub', t === 'int64', a.words, sa, b.words, sb, out.words, n)) {
      const exact = (i: number): bigint => (op === 'add' ? x[i * sa]! + y[i * sb]! : x[i * sa]! - y[i * sb]!);
      const bad = firstValid(valid, n, (i) => exact(i) < lo || exact(i) > hi);
      if (bad >= 0) fail(bad, exact(bad));
    }
    return out;
  }
  if (op === 'mul') {
    for (let i = 0; i < n; i++) {
      const r = x[i * sa]! * y[i * sb]!;
      if ((r < lo || r > hi) && (valid === null || valid[i] === 1)) fail(i, r);
      values[i] = r;
    }
    return bigLane(t, values, valid);
  }
  const v = copyValid(valid, n, scratch);
  for (let i = 0; i < n; i++) {
    const d = y[i * sb]!;
    if (d === 0n) {
      v[i] = 0;
      continue;
    }
    const r = op === 'div' ? x[i * sa]! / d : x[i * sa]! % d;
    if (r > hi && v[i] === 1) fail(i, r);
    values[i] = r;
  }
  valid = v;
  return bigLane(t, values, valid);
}

/**
 * `a op b` for two lanes of the same numeric type (num or big; all-null lanes included), one
 * batch of `n` rows.
 *
 * @example
 * arithmeticLane('add', readLane(a), literalLane(1, 'int32'), a.length) // a: an Int32 Data
 */
export function arithmeticLane(op: ArithOp, a: Lane, b: Lane, n: number, scratch: Scratch = FRESH): Lane {
  if (a.kind === 'num' && b.kind === 'num') return numArithmetic(op, a, b, n, scratch);
  if (a.kind === 'big' && b.kind === 'big') return bigArithmetic(op, a, b, n, scratch);
  throw new TypeError(`arithmetic on lanes of kinds ${a.kind} and ${b.kind}`);
}
