/**
 * The build and probe of the CPU hash join for keys of one to three words (one int, float,
 * string or bool key, or two one-word keys): the right side's keys go into a `NarrowTable`
 * whose slot value is the key's first right row, and every left row looks its key up there.
 * When the right side holds many keys, both sides are split into runs by the same top bits of
 * their hash first, so that each run's table stays in cache while its right rows build it and
 * its left rows probe it. Null keys are left out of both and never match.
 */
import { narrowHashes } from './narrow-hashes.js';
import type { KeyWords } from './key-words.js';
import { NarrowTable, runBits, splitByHash } from './narrow-table.js';

/**
 * Which key every row of both sides has, named by the key's first right row: equal keys, equal
 * names, and a lookup join (every right key once) reads its right row straight off `lids`.
 */
export interface JoinIds {
  /** Right row → the first right row of its key (-1: a null key). */
  rids: Int32Array;
  /** Left row → the first right row of its key (-1: no right row has it, or a null key). */
  lids: Int32Array;
  /** How many distinct keys the right side has. */
  keys: number;
}

/** Entries [from, to) of `entries` (`stride` words each: the key's words, then the row when stride > width). */
interface Span {
  entries: Uint32Array;
  stride: number;
  from: number;
  to: number;
  valid: Uint8Array | null;
}

/** Inserts the right keys of `span`, naming each by its first row in `rids`; returns how many keys were new. */
function build(t: NarrowTable, width: number, span: Span, rids: Int32Array): number {
  const { entries, stride, from, to, valid } = span;
  const rowAt = stride > width;
  const before = t.size;
  for (let i = from, at = from * stride; i < to; i++, at += stride) {
    const r = rowAt ? entries[at + width]! : i;
    if (valid !== null && valid[r] === 0) continue;
    const slot = t.find(entries, at, width);
    const first1 = t.slots[slot + 3]!;
    if (first1 === 0) t.put(slot, entries, at, width, r + 1);
    rids[r] = first1 === 0 ? r : first1 - 1;
  }
  return t.size - before;
}

/** Looks the left keys of `span` up, writing their keys' first right rows (the rest stay -1). */
function probe(t: NarrowTable, width: number, span: Span, lids: Int32Array): void {
  const { entries, stride, from, to, valid } = span;
  const rowAt = stride > width;
  const { slots } = t;
  for (let i = from, at = from * stride; i < to; i++, at += stride) {
    const r = rowAt ? entries[at + width]! : i;
    if (valid !== null && valid[r] === 0) continue;
    const first1 = slots[t.find(entries, at, width) + 3]!;
    if (first1 !== 0) lids[r] = first1 - 1;
  }
}

/**
 * The keys of both sides of a join on keys of 1 to 3 words (`left` and `right` of one width,
 * from the same encodings and interner), named by their first right row.
 *
 * @example
 * const { lids, rids } = narrowJoinIds(leftKeys, rightKeys); // lids[l] === rids[r] when the keys match
 */
export function narrowJoinIds(left: KeyWords, right: KeyWords): JoinIds {
  const { width } = right;
  const hr = narrowHashes(right.words, width, right.rows, right.valid);
  const { estimate } = hr;
  const ids: JoinIds = { rids: new Int32Array(right.rows).fill(-1), lids: new Int32Array(left.rows).fill(-1), keys: 0 };
  const bits = runBits(estimate);
  const table = new NarrowTable(Math.ceil((estimate >> bits) * 1.25));
  if (bits === 0) {
    ids.keys = build(table, width, { entries: right.words, stride: width, from: 0, to: right.rows, valid: right.valid }, ids.rids);
    probe(table, width, { entries: left.words, stride: width, from: 0, to: left.rows, valid: left.valid }, ids.lids);
    return ids;
  }
  const r = splitByHash(right.words, width, hr, bits, right.valid);
  const l = splitByHash(left.words, width, narrowHashes(left.words, width, left.rows, left.valid), bits, left.valid);
  for (let p = 0; p < 1 << bits; p++) {
    ids.keys += build(table, width, { entries: r.entries, stride: width + 1, from: r.start[p]!, to: r.start[p + 1]!, valid: null }, ids.rids);
    probe(table, width, { entries: l.entries, stride: width + 1, from: l.start[p]!, to: l.start[p + 1]!, valid: null }, ids.lids);
    table.clear();
  }
  return ids;
}
