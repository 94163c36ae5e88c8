/**
 * SQL's IN over a lane: true where the value equals a listed one (exactly, across numeric
 * types; NaN matches NaN, -0 matches 0), null for a null input, and null instead of false when
 * the list holds a null. Short lists are scanned; long ones go through a Set (numbers, whose
 * SameValueZero is exactly this equality), a BigInt Set, or a hash of UTF-8 bytes. Dictionary
 * strings are tested once per entry.
 */
import type { LiteralValue } from '../../../plan/expr.js';
import { bigRange } from './coerce-lane.js';
import { allNullLane, boolLane, FRESH, type BigLane, type Lane, type NumLane, type Scratch, type StrLane } from './lane.js';
import { entryOf, equalBytes, hashBytes } from './string-lane.js';

const SHORT = 8;

function numMatches(a: NumLane, list: readonly LiteralValue[], out: Uint8Array, n: number): void {
  const wanted: number[] = [];
  for (const w of list) {
    if (typeof w === 'number') wanted.push(w);
    // A bigint can equal a double only when the double holds it exactly.
    else if (typeof w === 'bigint' && BigInt(Number(w)) === w) wanted.push(Number(w));
  }
  const x = a.values;
  const s = a.stride;
  if (wanted.length > SHORT) {
    const set = new Set(wanted);
    for (let i = 0; i < n; i++) out[i] = set.has(x[i * s]!) ? 1 : 0;
    return;
  }
  const nan = wanted.some((w) => w !== w);
  const plain = Float64Array.from(wanted.filter((w) => w === w));
  for (let i = 0; i < n; i++) {
    const v = x[i * s]!;
    let hit = nan && v !== v ? 1 : 0;
    for (let j = 0; j < plain.length && hit === 0; j++) if (v === plain[j]) hit = 1;
    out[i] = hit;
  }
}

function bigMatches(a: BigLane, list: readonly LiteralValue[], out: Uint8Array, n: number): void {
  const [lo, hi] = bigRange(a.type);
  const wanted: bigint[] = [];
  for (const w of list) {
    const b = typeof w === 'bigint' ? w : typeof w === 'number' && Number.isInteger(w) ? BigInt(w) : null;
    if (b !== null && b >= lo && b <= hi) wanted.push(b);
  }
  const s = a.stride;
  if (wanted.length > SHORT) {
    const set = new Set(wanted);
    for (let i = 0; i < n; i++) out[i] = set.has(a.values[i * s]!) ? 1 : 0;
    return;
  }
  // Short lists compare (lo, hi) words, as the lane stores them.
  const los = wanted.map((b) => Number(BigInt.asUintN(32, b)));
  const his = wanted.map((b) => Number(BigInt.asUintN(32, b >> 32n)));
  const w = a.words;
  for (let i = 0; i < n; i++) {
    const l = w[2 * i * s]!;
    const h = w[2 * i * s + 1]!;
    let hit = 0;
    for (let j = 0; j < los.length && hit === 0; j++) if (l === los[j] && h === his[j]) hit = 1;
    out[i] = hit;
  }
}

/** A membership test over UTF-8 byte ranges for the listed strings. */
function stringMembership(list: readonly LiteralValue[]): (bytes: Uint8Array, start: number, end: number) => boolean {
  const encoder = new TextEncoder();
  const wanted = list.filter((w): w is string => typeof w === 'string').map((w) => encoder.encode(w));
  if (wanted.length <= SHORT) {
    return (bytes, start, end) => wanted.some((w) => equalBytes(bytes, start, end, w, 0, w.length));
  }
  const byHash = new Map<number, Uint8Array[]>();
  for (const w of wanted) {
    const h = hashBytes(w, 0, w.length);
    byHash.set(h, [...(byHash.get(h) ?? []), w]);
  }
  return (bytes, start, end) => {
    const candidates = byHash.get(hashBytes(bytes, start, end));
    return candidates !== undefined && candidates.some((w) => equalBytes(bytes, start, end, w, 0, w.length));
  };
}

function strMatches(a: StrLane, list: readonly LiteralValue[], out: Uint8Array, n: number): void {
  const member = stringMembership(list);
  const O = a.offsets;
  if (a.codes !== null && a.stride === 1) {
    const entries = new Uint8Array(O.length - 1);
    for (let k = 0; k < entries.length; k++) entries[k] = member(a.bytes, O[k]!, O[k + 1]!) ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = entries[a.codes[i]!]!;
    return;
  }
  for (let i = 0; i < n; i++) {
    if (a.valid !== null && a.valid[i] === 0) continue;
    const k = entryOf(a, i);
    out[i] = member(a.bytes, O[k]!, O[k + 1]!) ? 1 : 0;
  }
}

/**
 * `a` isIn `list` over one batch of `n` rows.
 *
 * @example
 * isInLane(readLane(int8Data), [1, 2, null], int8Data.length) // false becomes null: a null is listed
 */
export function isInLane(a: Lane, list: readonly LiteralValue[], n: number, scratch: Scratch = FRESH): Lane {
  if (a.kind === 'null') return allNullLane('bool', n);
  // Every row is written (string rows skip their null rows, so theirs starts cleared).
  const out = a.kind === 'str' ? new Uint8Array(n) : scratch.u8(n);
  switch (a.kind) {
    case 'num': numMatches(a, list, out, n); break;
    case 'big': bigMatches(a, list, out, n); break;
    case 'str': strMatches(a, list, out, n); break;
    case 'bool': {
      const t = list.includes(true) ? 1 : 0;
      const f = list.includes(false) ? 1 : 0;
      for (let i = 0; i < n; i++) out[i] = a.values[i * a.stride] === 1 ? t : f;
      break;
    }
    default:
      throw new TypeError(`isIn got a lane of kind ${a.kind}`);
  }
  if (!list.includes(null)) return boolLane(out, a.valid);
  // With a null listed, a value that matches nothing is unknown rather than absent.
  const valid = scratch.u8(n);
  for (let i = 0; i < n; i++) valid[i] = (a.valid === null ? 1 : a.valid[i]!) & out[i]!;
  return boolLane(out, valid);
}
