/**
 * eq, ne, lt, le, gt, ge between two lanes, each in its own type (comparisons do not convert:
 * an int64 meets a double exactly, as `compareValues` does). NaN equals itself and is above
 * +Infinity; -0 equals 0. Doubles compare directly; 64-bit integers compare as (hi, lo) words,
 * and against doubles through the nearest double, falling back to BigInt only on a tie.
 */
import {
  allNullLane, andValid, boolLane, FRESH, type BigLane, type BoolLane, type Lane, type NumLane, type Scratch,
} from './lane.js';
import { CMP_RESULT, FLIPPED, type CmpOp } from './cmp-op.js';
import { compareStrings } from './compare-strings.js';

export type { CmpOp };

const TWO32 = 4294967296;

/**
 * Doubles with NaN above everything and equal to itself. Each answer is built from comparisons
 * turned into 0/1 and combined bitwise: random data makes branches unpredictable, and this form
 * has none.
 */
function compareDoubles(op: CmpOp, x: Float64Array, sx: number, y: Float64Array, sy: number, out: Uint8Array, n: number): void {
  // A column against a constant (the usual predicate) gets loops without the stride arithmetic.
  if (sx === 0 && sy === 1) {
    compareDoubles(FLIPPED[op], y, sy, x, sx, out, n);
    return;
  }
  if (sx === 1 && sy === 0 && y[0] === y[0]) {
    compareToNumber(op, x, y[0]!, out, n);
    return;
  }
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = +(a === b) | (+(a !== a) & +(b !== b));
      }
      break;
    case 'ne':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = 1 ^ (+(a === b) | (+(a !== a) & +(b !== b)));
      }
      break;
    case 'lt':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = +(a < b) | (+(b !== b) & +(a === a));
      }
      break;
    case 'le':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = +(a <= b) | +(b !== b);
      }
      break;
    case 'gt':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = +(a > b) | (+(a !== a) & +(b === b));
      }
      break;
    case 'ge':
      for (let i = 0; i < n; i++) {
        const a = x[i * sx]!;
        const b = y[i * sy]!;
        out[i] = +(a >= b) | +(a !== a);
      }
      break;
  }
}

/** `x[i] op b` for a b that is not NaN: NaN in x is above b, so only gt, ge and ne hold for it. */
function compareToNumber(op: CmpOp, x: Float64Array, b: number, out: Uint8Array, n: number): void {
  switch (op) {
    case 'eq':
      for (let i = 0; i < n; i++) out[i] = +(x[i]! === b);
      break;
    case 'ne':
      for (let i = 0; i < n; i++) out[i] = +(x[i]! !== b);
      break;
    case 'lt':
      for (let i = 0; i < n; i++) out[i] = +(x[i]! < b);
      break;
    case 'le':
      for (let i = 0; i < n; i++) out[i] = +(x[i]! <= b);
      break;
    case 'gt':
      for (let i = 0; i < n; i++) {
        const a = x[i]!;
        out[i] = +(a > b) | +(a !== a);
      }
      break;
    case 'ge':
      for (let i = 0; i < n; i++) {
        const a = x[i]!;
        out[i] = +(a >= b) | +(a !== a);
      }
      break;
  }
}

/** Two 64-bit integer lanes (either signedness): lexicographic on (hi, lo), exact. */
function compareBigs(op: CmpOp, a: BigLane, b: BigLane, out: Uint8Array, n: number): void {
  // Indexed by 2·sign(hi) + sign(lo) + 3, whose sign is the comparison's: no branches.
  const table = Uint8Array.from([-3, -2, -1, 0, 1, 2, 3], (c) => CMP_RESULT[op][Math.sign(c) + 1]!);
  const A = a.words;
  const B = b.words;
  const sa = a.stride;
  const sb = b.stride;
  const as = a.type === 'int64';
  const bs = b.type === 'int64';
  for (let i = 0; i < n; i++) {
    const ka = 2 * i * sa;
    const kb = 2 * i * sb;
    const ahi = as ? A[ka + 1]! | 0 : A[ka + 1]!;
    const bhi = bs ? B[kb + 1]! | 0 : B[kb + 1]!;
    const alo = A[ka]!;
    const blo = B[kb]!;
    out[i] = table[2 * (+(ahi > bhi) - +(ahi < bhi)) + (+(alo > blo) - +(alo < blo)) + 3]!;
  }
}

/** A 64-bit integer lane against a double lane, exactly. */
function compareBigDouble(op: CmpOp, a: BigLane, b: NumLane, out: Uint8Array, n: number): void {
  const table = CMP_RESULT[op];
  const A = a.words;
  const Y = b.values;
  const sa = a.stride;
  const sb = b.stride;
  const signed = a.type === 'int64';
  for (let i = 0; i < n; i++) {
    const k = 2 * i * sa;
    // Rounding is monotonic, so the nearest double decides unless it ties with y.
    const d = (signed ? A[k + 1]! | 0 : A[k + 1]!) * TWO32 + A[k]!;
    const y = Y[i * sb]!;
    let c: number;
    if (y !== y || d < y) c = -1;
    else if (d > y) c = 1;
    else {
      const exact = a.values[i * sa]!;
      const by = BigInt(y);
      c = exact < by ? -1 : exact > by ? 1 : 0;
    }
    out[i] = table[c + 1]!;
  }
}

function compareBools(op: CmpOp, a: BoolLane, b: BoolLane, out: Uint8Array, n: number): void {
  const table = CMP_RESULT[op];
  const x = a.values;
  const y = b.values;
  const sa = a.stride;
  const sb = b.stride;
  for (let i = 0; i < n; i++) out[i] = table[x[i * sa]! - y[i * sb]! + 1]!;
}

/**
 * `a op b` over one batch of `n` rows: a bool lane, null where either side is null.
 *
 * @example
 * compareLanes('gt', readLane(f64Data), literalLane(100, 'int32'), f64Data.length)
 */
export function compareLanes(op: CmpOp, a: Lane, b: Lane, n: number, scratch: Scratch = FRESH): Lane {
  if (a.kind === 'null' || b.kind === 'null') return allNullLane('bool', n);
  if (a.kind === 'str' && b.kind === 'str') return compareStrings(op, a, b, n);
  const out = scratch.u8(n);
  const valid = andValid(a.valid, b.valid, n, scratch);
  if (a.kind === 'num' && b.kind === 'num') compareDoubles(op, a.values, a.stride, b.values, b.stride, out, n);
  else if (a.kind === 'big' && b.kind === 'big') compareBigs(op, a, b, out, n);
  else if (a.kind === 'big' && b.kind === 'num') compareBigDouble(op, a, b, out, n);
  else if (a.kind === 'num' && b.kind === 'big') compareBigDouble(FLIPPED[op], b, a, out, n);
  else if (a.kind === 'bool' && b.kind === 'bool') compareBools(op, a, b, out, n);
  else throw new TypeError(`cannot compare lanes of kinds ${a.kind} and ${b.kind}`);
  return boolLane(out, valid);
}
