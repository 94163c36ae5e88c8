/**
 * The numeric unary functions: neg and abs (integer results range-checked, as the reference
 * does), sqrt, exp and the logarithms (always float64, IEEE), and round (half away from zero),
 * floor and ceil, which leave integers as they are.
 */
import type { ValueType } from '../../../plan/value-type.js';
import { bigRange, bigToDoubles } from './coerce-lane.js';
import {
  allNullLane, bigLane, firstOutside, isFloatLaneType, newBigArray, numLane, overflow, smallRange,
  FRESH, type BigLane, type Lane, type NumLane, type Scratch,
} from './lane.js';

export type MathOp = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log' | 'log10' | 'log2' | 'round' | 'floor' | 'ceil';

const FLOAT_FN: Record<'sqrt' | 'exp' | 'log' | 'log10' | 'log2', (x: number) => number> = {
  sqrt: Math.sqrt, exp: Math.exp, log: Math.log, log10: Math.log10, log2: Math.log2,
};

function mapDoubles(x: Float64Array, stride: number, n: number, fn: (v: number) => number, scratch: Scratch): Float64Array {
  const out = scratch.f64(n);
  for (let i = 0; i < n; i++) out[i] = fn(x[i * stride]!);
  return out;
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function numMath(op: MathOp, a: NumLane, n: number, scratch: Scratch): Lane {
  const x = a.values;
  const s = a.stride;
  const integer = !isFloatLaneType(a.type);
  let out: Float64Array;
  switch (op) {
    case 'neg':
    case 'abs': {
      out = scratch.f64(n);
      if (op === 'neg') for (let i = 0; i < n; i++) out[i] = -x[i * s]!;
      else for (let i = 0; i < n; i++) out[i] = Math.abs(x[i * s]!);
      if (integer) {
        const [lo, hi] = smallRange(a.type);
        const bad = firstOutside(out, 1, n, lo, hi, a.valid);
        if (bad >= 0) overflow(op === 'neg' ? `-${x[bad * s]}` : `abs(${x[bad * s]})`, a.type, String(out[bad]));
      }
      return numLane(a.type, out, a.valid);
    }
    case 'round':
    case 'floor':
    case 'ceil':
      if (integer) return a;
      out = mapDoubles(x, s, n, op === 'round' ? roundHalfAway : op === 'floor' ? Math.floor : Math.ceil, scratch);
      return numLane(a.type, out, a.valid);
    default:
      return numLane('float64', mapDoubles(x, s, n, FLOAT_FN[op], scratch), a.valid);
  }
}

function bigMath(op: MathOp, a: BigLane, n: number, scratch: Scratch): Lane {
  switch (op) {
    case 'round':
    case 'floor':
    case 'ceil':
      return a;
    case 'neg':
    case 'abs': {
      if (op === 'abs' && a.type === 'uint64') return a;
      const [lo, hi] = bigRange(a.type);
      const values = newBigArray(a.type, n, scratch);
      for (let i = 0; i < n; i++) {
        const v = a.values[i * a.stride]!;
        const r = op === 'neg' || v < 0n ? -v : v;
        if ((r < lo || r > hi) && (a.valid === null || a.valid[i] === 1)) {
          overflow(op === 'neg' ? `-${v}` : `abs(${v})`, a.type, String(r));
        }
        values[i] = r;
      }
      return bigLane(a.type, values, a.valid);
    }
    default: {
      const d = bigToDoubles(a, n, scratch);
      return numLane('float64', mapDoubles(d, a.stride, n, FLOAT_FN[op], scratch), a.valid);
    }
  }
}

/**
 * `op(a)` over one batch of `n` rows; `type` is the result type (for all-null inputs).
 *
 * @example
 * mathLane('round', readLane(f64Data), 'float64', f64Data.length) // 2.5 → 3, -2.5 → -3
 */
export function mathLane(op: MathOp, a: Lane, type: ValueType, n: number, scratch: Scratch = FRESH): Lane {
  if (a.kind === 'null') return allNullLane(type, n);
  if (a.kind === 'num') return numMath(op, a, n, scratch);
  if (a.kind === 'big') return bigMath(op, a, n, scratch);
  throw new TypeError(`${op} got a lane of kind ${a.kind}`);
}
