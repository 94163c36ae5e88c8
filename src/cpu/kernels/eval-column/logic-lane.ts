/**
 * SQL's three-valued and/or, not, and isNull/isNotNull over byte masks: a row of `and` is false
 * when either side is a valid false, true when both are valid trues, else null; `or` mirrors it.
 * Null lanes take part as all-null booleans.
 */
import { allNullLane, boolLane, FRESH, laneValid, type BoolLane, type Lane, type Scratch } from './lane.js';

export type LogicOp = 'and' | 'or' | 'not' | 'isNull' | 'isNotNull';

function asBool(lane: Lane, n: number): BoolLane {
  if (lane.kind === 'bool') return lane;
  if (lane.kind === 'null') return allNullLane('bool', n) as BoolLane;
  throw new TypeError(`a boolean operator got a lane of kind ${lane.kind}`);
}

function andOr(or: boolean, a: BoolLane, b: BoolLane, n: number, scratch: Scratch): BoolLane {
  const x = a.values;
  const y = b.values;
  const sa = a.stride;
  const sb = b.stride;
  const out = scratch.u8(n);
  if (a.valid === null && b.valid === null) {
    if (or) for (let i = 0; i < n; i++) out[i] = x[i * sa]! | y[i * sb]!;
    else for (let i = 0; i < n; i++) out[i] = x[i * sa]! & y[i * sb]!;
    return boolLane(out, null);
  }
  const va = a.valid;
  const vb = b.valid;
  const valid = scratch.u8(n);
  for (let i = 0; i < n; i++) {
    const p = x[i * sa]!;
    const q = y[i * sb]!;
    const pv = va === null ? 1 : va[i]!;
    const qv = vb === null ? 1 : vb[i]!;
    // A valid operand equal to the absorbing value (false for and, true for or) decides alone.
    const absorbP = or ? p : p ^ 1;
    const absorbQ = or ? q : q ^ 1;
    valid[i] = (pv & qv) | (pv & absorbP) | (qv & absorbQ);
    out[i] = or ? (p & pv) | (q & qv) : p & q;
  }
  return boolLane(out, valid);
}

function isNullLane(lane: Lane, negate: boolean, n: number, scratch: Scratch): BoolLane {
  const valid = laneValid(lane, n);
  const out = scratch.u8(n);
  if (valid === null) {
    out.fill(negate ? 1 : 0);
  } else {
    for (let i = 0; i < n; i++) out[i] = negate ? valid[i]! : valid[i]! ^ 1;
  }
  return boolLane(out, null);
}

/**
 * A boolean operator over one batch of `n` rows (`b` only for and/or).
 *
 * @example
 * logicLane('and', readLane(p), readLane(q), p.length) // null and false is false
 */
export function logicLane(op: LogicOp, a: Lane, b: Lane | null, n: number, scratch: Scratch = FRESH): Lane {
  switch (op) {
    case 'isNull':
      return isNullLane(a, false, n, scratch);
    case 'isNotNull':
      return isNullLane(a, true, n, scratch);
    case 'not': {
      if (a.kind === 'null') return a;
      const x = asBool(a, n);
      const out = scratch.u8(n);
      for (let i = 0; i < n; i++) out[i] = x.values[i * x.stride]! ^ 1;
      return boolLane(out, x.valid);
    }
    default:
      return andOr(op === 'or', asBool(a, n), asBool(b!, n), n, scratch);
  }
}
