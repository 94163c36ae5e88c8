/**
 * Comparisons of two string lanes without decoding: a dictionary column against a literal
 * compares each dictionary entry once and then maps the codes; anything else compares the UTF-8
 * bytes of each row in place.
 */
import { andValid, boolLane, type Lane, type StrLane } from './lane.js';
import { CMP_RESULT, FLIPPED, type CmpOp } from './cmp-op.js';
import { compareBytes, entryOf, equalBytes } from './string-lane.js';

function isScalar(s: StrLane): boolean {
  return s.stride === 0 && s.codes === null;
}

/** Dictionary rows against one string: the answer per entry, then per code. */
function compareDictionary(op: CmpOp, dict: StrLane, scalar: StrLane, out: Uint8Array, n: number): void {
  const table = CMP_RESULT[op];
  const D = dict.offsets;
  const S = scalar.bytes;
  const entries = new Uint8Array(D.length - 1);
  for (let k = 0; k < entries.length; k++) {
    entries[k] = table[compareBytes(dict.bytes, D[k]!, D[k + 1]!, S, 0, S.length) + 1]!;
  }
  const codes = dict.codes!;
  // A null row may hold any code; reading past the table gives undefined, stored as 0.
  for (let i = 0; i < n; i++) out[i] = entries[codes[i]!]!;
}

/**
 * `a op b` for string lanes, one batch of `n` rows.
 *
 * @example
 * compareStrings('eq', readLane(dictData) as StrLane, literalLane('active', 'string') as StrLane, dictData.length)
 */
export function compareStrings(op: CmpOp, a: StrLane, b: StrLane, n: number): Lane {
  const out = new Uint8Array(n);
  const valid = andValid(a.valid, b.valid, n);
  if (a.codes !== null && a.stride === 1 && isScalar(b)) {
    compareDictionary(op, a, b, out, n);
    return boolLane(out, valid);
  }
  if (b.codes !== null && b.stride === 1 && isScalar(a)) {
    compareDictionary(FLIPPED[op], b, a, out, n);
    return boolLane(out, valid);
  }
  const table = CMP_RESULT[op];
  const equality = op === 'eq' || op === 'ne';
  const A = a.bytes;
  const B = b.bytes;
  const OA = a.offsets;
  const OB = b.offsets;
  for (let i = 0; i < n; i++) {
    if (valid !== null && valid[i] === 0) continue;
    const ka = entryOf(a, i);
    const kb = entryOf(b, i);
    const c = equality
      ? (equalBytes(A, OA[ka]!, OA[ka + 1]!, B, OB[kb]!, OB[kb + 1]!) ? 0 : 1)
      : compareBytes(A, OA[ka]!, OA[ka + 1]!, B, OB[kb]!, OB[kb + 1]!);
    out[i] = table[c + 1]!;
  }
  return boolLane(out, valid);
}
