/**
 * when/then/otherwise (and fillNull, which is `when(x is not null).then(x).otherwise(fill)`):
 * each row takes the value of the first branch whose condition is a valid true, else the
 * otherwise value. The choice is made branch by branch over the whole batch (last branch first,
 * so earlier branches overwrite), then values are gathered once per result kind.
 */
import type { ValueType } from '../../../plan/value-type.js';
import {
  allNullLane, bigLane, boolLane, FRESH, newBigArray, numLane, NULL_LANE, wordsOf,
  type BigLane, type BoolLane, type Lane, type NumLane, type Scratch, type StrLane, type Valid,
} from './lane.js';
import { gatherStrings } from './string-lane.js';

type Pick = Uint8Array | Uint16Array | Uint32Array;

/** For each row, the index of the value it takes (`conds.length` for otherwise). */
function choose(conds: readonly Lane[], n: number, scratch: Scratch): Pick {
  const last = conds.length;
  const pick: Pick = last < 256 ? scratch.u8(n) : last < 65536 ? new Uint16Array(n) : new Uint32Array(n);
  pick.fill(last);
  for (let k = last - 1; k >= 0; k--) {
    const c = conds[k]!;
    if (c.kind !== 'bool') continue;
    const x = c.values;
    const s = c.stride;
    const v = c.valid;
    if (v === null) {
      for (let i = 0; i < n; i++) if (x[i * s] === 1) pick[i] = k;
    } else {
      for (let i = 0; i < n; i++) if ((x[i * s]! & v[i]!) === 1) pick[i] = k;
    }
  }
  return pick;
}

function gatherValid(sources: readonly Lane[], pick: Pick, n: number, scratch: Scratch): Valid {
  const valids = sources.map((s) => (s as { valid: Valid }).valid);
  if (valids.every((v) => v === null)) return null;
  const out = scratch.u8(n);
  for (let i = 0; i < n; i++) {
    const v = valids[pick[i]!]!;
    out[i] = v === null ? 1 : v[i]!;
  }
  return out;
}

function gatherNums(sources: readonly NumLane[], pick: Pick, valid: Valid, n: number, scratch: Scratch): NumLane {
  const out = scratch.f64(n);
  for (let i = 0; i < n; i++) {
    const s = sources[pick[i]!]!;
    out[i] = s.values[i * s.stride]!;
  }
  return numLane(sources[0]!.type, out, valid);
}

function gatherBigs(sources: readonly BigLane[], pick: Pick, valid: Valid, n: number, scratch: Scratch): BigLane {
  const values = newBigArray(sources[0]!.type, n, scratch);
  const w = wordsOf(values);
  for (let i = 0; i < n; i++) {
    const s = sources[pick[i]!]!;
    const k = 2 * i * s.stride;
    w[2 * i] = s.words[k]!;
    w[2 * i + 1] = s.words[k + 1]!;
  }
  return bigLane(sources[0]!.type, values, valid);
}

function gatherBools(sources: readonly BoolLane[], pick: Pick, valid: Valid, n: number, scratch: Scratch): BoolLane {
  const out = scratch.u8(n);
  for (let i = 0; i < n; i++) {
    const s = sources[pick[i]!]!;
    out[i] = s.values[i * s.stride]!;
  }
  return boolLane(out, valid);
}

/**
 * The when node over one batch: `conds` are bool (or null) lanes, `values` and `otherwise`
 * are already of the result `type`.
 *
 * @example
 * whenLane([readLane(cond)], [literalLane(1, 'int32')], literalLane(-1, 'int32'), 'int32', cond.length)
 */
export function whenLane(conds: readonly Lane[], values: readonly Lane[], otherwise: Lane, type: ValueType, n: number, scratch: Scratch = FRESH): Lane {
  if (type === 'null') return NULL_LANE;
  const sources = [...values, otherwise].map((s) => (s.kind === 'null' ? allNullLane(type, n) : s));
  const pick = choose(conds, n, scratch);
  const valid = gatherValid(sources, pick, n, scratch);
  switch (sources[0]!.kind) {
    case 'num': return gatherNums(sources as NumLane[], pick, valid, n, scratch);
    case 'big': return gatherBigs(sources as BigLane[], pick, valid, n, scratch);
    case 'bool': return gatherBools(sources as BoolLane[], pick, valid, n, scratch);
    case 'str': return gatherStrings(sources as StrLane[], pick, valid, n);
    default: throw new TypeError(`when cannot gather lanes of kind ${sources[0]!.kind}`);
  }
}
