/**
 * The distinct kernel of dropDuplicates: which rows survive, by their key words. Unlike a join,
 * null keys equal each other here (SQL DISTINCT, pandas): a row with nulls is keyed by its words
 * and by which of its key columns are null, so (null, 1) and (null, 1) are one key and
 * (null, 1), (null, 2) and (0, null) are three.
 *
 * Keys of at most three words (one int, float, string or bool column, with its null flag, or
 * two one-word columns) go through `narrowDistinct`, a table of the words themselves; wider keys
 * number their distinct keys in a `KeyTable` first.
 */
import { keyIds } from './join-maps.js';
import type { KeyWords } from './key-words.js';
import { narrowDistinct, type Keep } from './narrow-distinct.js';

/** Keys whose rows with nulls carry their null columns as extra words, every row valid. */
function nullsAsWords(keys: KeyWords): KeyWords {
  const { rows, width, words, valid, nulls } = keys;
  if (valid === null) return keys;
  // Without `nulls` the words of a null row are all the key says: rows with nulls stay apart from
  // the others through one extra word.
  const extra = nulls == null ? 1 : keys.nullWidth ?? 1;
  const w = width + extra;
  const out = new Uint32Array(rows * w);
  for (let r = 0; r < rows; r++) {
    const p = r * w;
    for (let k = 0; k < width; k++) out[p + k] = words[r * width + k]!;
    if (valid[r] === 1) continue;
    if (nulls == null) out[p + width] = 1;
    else for (let k = 0; k < extra; k++) out[p + width + k] = nulls[r * extra + k]!;
  }
  return { rows, width: w, words: out, valid: null };
}

/** Ascending indices of the rows whose flag is 1 (flags are 0 or 1). */
function flaggedRows(flag: Uint8Array): Uint32Array {
  let kept = 0;
  for (let r = 0; r < flag.length; r++) kept += flag[r]!;
  const out = new Uint32Array(kept);
  let o = 0;
  for (let r = 0; r < flag.length; r++) if (flag[r] === 1) out[o++] = r;
  return out;
}

/** distinctRows through the ids of a KeyTable: any width. */
function wideDistinct(keys: KeyWords, keep: Keep): Uint32Array {
  const { ids, table } = keyIds(keys);
  const n = ids.length;
  const groups = table.size;
  if (keep === 'first') return Uint32Array.from(table.firstRow.subarray(0, groups));
  const flag = new Uint8Array(n);
  if (keep === 'last') {
    const last = new Int32Array(groups);
    for (let r = 0; r < n; r++) last[ids[r]!] = r;
    for (let g = 0; g < groups; g++) flag[last[g]!] = 1;
  } else {
    const count = new Int32Array(groups);
    for (let r = 0; r < n; r++) count[ids[r]!]++;
    for (let r = 0; r < n; r++) flag[r] = count[ids[r]!] === 1 ? 1 : 0;
  }
  return flaggedRows(flag);
}

/**
 * Ascending indices of the rows kept: the first (`'first'`) or last (`'last'`) row of every
 * distinct key, or (`false`) only the rows whose key occurs once.
 *
 * @example
 * const cols = ['email'].map((c) => table.getChild(c)!);
 * const enc = keyEncodings(cols.map((c) => c.type), cols.map((c) => c.type), { left: ['email'], right: ['email'] });
 * const kept = distinctRows(keyWords(cols, enc, new KeyInterner()), 'first');
 * const deduped = takeRows(table, kept);
 */
export function distinctRows(keys: KeyWords, keep: Keep): Uint32Array {
  const all = nullsAsWords(keys);
  if (all.width < 1 || all.width > 3) return wideDistinct(all, keep);
  const flag = new Uint8Array(all.rows);
  narrowDistinct(all, keep, flag);
  return flaggedRows(flag);
}
