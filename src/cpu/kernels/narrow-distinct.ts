/**
 * The distinct kernel's fast path, for keys of one to three words with every row valid (one int,
 * float, string or bool column with its null flag as a word, or two one-word columns): a
 * `NarrowTable` whose slot value is the row each key keeps, so a row costs one probe and no id.
 * The table is sized once from an estimate of the distinct keys; when they are many, the rows
 * are split into runs by hash first, each run keeping its rows in order, so that first and last
 * are still the first and last rows.
 *
 * Slot value: row + 1 of the row the key keeps (its first, or the last seen), negated once a
 * second row of the key is seen (keep = false drops those).
 */
import type { KeyWords } from './key-words.js';
import { narrowHashes } from './narrow-hashes.js';
import { NarrowTable, runBits, splitByHash } from './narrow-table.js';

export type Keep = 'first' | 'last' | false;

/** Flags the rows the keys keep (keep 'last' or false; 'first' flags them on insert) and empties the table. */
function finish(t: NarrowTable, keep: Keep, flag: Uint8Array): void {
  const { slots } = t;
  if (keep !== 'first') for (let p = 3; p < slots.length; p += 4) if (slots[p]! > 0) flag[slots[p]! - 1] = 1;
  t.clear();
}

/**
 * Inserts the keys of entries [from, to) of `entries`: `stride` words each, the key's `width`
 * words and then, when `stride > width`, its row (else the entry's index is the row).
 */
function insertRun(t: NarrowTable, entries: Uint32Array, width: number, stride: number, from: number, to: number, keep: Keep, flag: Uint8Array): void {
  const rowAt = stride > width;
  for (let i = from, at = from * stride; i < to; i++, at += stride) {
    const r = rowAt ? entries[at + width]! : i;
    const slot = t.find(entries, at, width);
    const kept = t.slots[slot + 3]!;
    if (kept === 0) {
      t.put(slot, entries, at, width, r + 1);
      if (keep === 'first') flag[r] = 1;
    } else if (keep === 'last') t.slots[slot + 3] = r + 1;
    else if (keep === false && kept > 0) t.slots[slot + 3] = -kept;
  }
}

/**
 * Flags (1 in `flag`, one byte per row) the rows that distinct keeps of keys 1 to 3 words wide,
 * every row valid: the first or last row of each key, or (keep = false) the rows of keys seen once.
 *
 * @example
 * const flag = new Uint8Array(keys.rows);
 * narrowDistinct(keys, 'first', flag); // keys.width <= 3, keys.valid === null
 */
export function narrowDistinct(keys: KeyWords, keep: Keep, flag: Uint8Array): void {
  const { rows, width, words } = keys;
  const hashed = narrowHashes(words, width, rows, null);
  const { estimate } = hashed;
  const bits = runBits(estimate);
  const table = new NarrowTable(Math.ceil((estimate >> bits) * 1.25));
  if (bits === 0) {
    insertRun(table, words, width, width, 0, rows, keep, flag);
    finish(table, keep, flag);
    return;
  }
  const { start, entries } = splitByHash(words, width, hashed, bits, null);
  for (let p = 0; p < 1 << bits; p++) {
    insertRun(table, entries, width, width + 1, start[p]!, start[p + 1]!, keep, flag);
    finish(table, keep, flag);
  }
}
