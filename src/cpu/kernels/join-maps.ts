/**
 * The CPU hash join over key words: which left rows pair with which right rows. The right side
 * is built into a table of its distinct keys, each named by its first right row
 * (`narrowJoinIds` for keys of up to three words, a `KeyTable` for wider ones), with its rows
 * listed per key in row order unless every key has one row; every left row probes it once and
 * emits the rows of its key, so a key that holds half the rows costs one probe per left row,
 * never a walk over the duplicates. Null keys never match.
 *
 * Output order (the GPU twin's too): pairs in left row order; one left row's matches in right row
 * order; a left row without a match (left, outer) once with right = -1, in its place; then
 * (right, outer) the right rows that matched nothing, ascending, with left = -1. semi: each
 * matching left row once; anti: each left row without a match (null keys included); right = -1.
 */
import { MemoryLimitError, PlanError } from '../../errors.js';
import type { GatherMaps, JoinHow, KeyWords } from './key-words.js';
import { narrowJoinIds, type JoinIds } from './narrow-join.js';

/**
 * A hash of the `width` words of one row, spread over all 32 bits.
 * @example
 * const h = wordsHash(keys.words, row * keys.width, keys.width);
 */
export function wordsHash(words: Uint32Array, base: number, width: number): number {
  let h = 0x9e3779b9 ^ width;
  for (let k = 0; k < width; k++) {
    h = Math.imul(h ^ words[base + k]!, 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

/**
 * The distinct word rows of one array of keys, numbered 0, 1, 2 ... in order of first insert,
 * in an open-addressing table. A slot holds (hash, id + 1), and the ids' words are kept back to
 * back, so a lookup touches the slot and one run of words; one-word keys keep the word itself in
 * the slot instead of the hash, so a lookup touches the slot only.
 * @example
 * const table = new KeyTable(right.words, right.width, right.rows);
 * const id = table.insert(r);
 * table.find(left.words, l * left.width); // id, or -1
 */
export class KeyTable {
  size = 0;
  /** The first row of every id. */
  firstRow: Int32Array;
  /** The words of every id, `width` each. */
  private keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(private readonly words: Uint32Array, private readonly width: number, expected = 16) {
    // Sized for every row being its own key: growing by doubling re-places every key each time
    // (it measured 4x slower to build 1.25e6 unique keys). A few distinct keys in a large table
    // still touch only their own slots' cache lines.
    let cap = 16;
    while (cap * 3 < expected * 4) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    const ids = Math.max(expected, 16);
    this.firstRow = new Int32Array(ids);
    this.keys = new Uint32Array(ids * Math.max(width, 1));
  }

  /** The id of the words of `row` (in the table's own words), inserting them when new. */
  insert(row: number): number {
    const { words, width, slots, mask, keys } = this;
    const base = row * width;
    const one = width === 1;
    const h = one ? hash1(words[base]!) : wordsHash(words, base, width);
    const tag = one ? words[base]! | 0 : h;
    // One walk finds the key or the free slot it goes to.
    let s = h & mask;
    for (;;) {
      const id1 = slots[2 * s + 1]!;
      if (id1 === 0) break;
      if (slots[2 * s] === tag) {
        if (one) return id1 - 1;
        const at = (id1 - 1) * width;
        let k = 0;
        while (k < width && keys[at + k] === words[base + k]) k++;
        if (k === width) return id1 - 1;
      }
      s = (s + 1) & mask;
    }
    const id = this.size++;
    if (id === this.firstRow.length) {
      this.firstRow = grown(this.firstRow, id * 2) as Int32Array;
      this.keys = grown(this.keys, id * 2 * Math.max(width, 1)) as Uint32Array;
    }
    this.firstRow[id] = row;
    for (let k = 0; k < width; k++) this.keys[id * width + k] = words[base + k]!;
    slots[2 * s] = tag;
    slots[2 * s + 1] = id + 1;
    // Grown past three quarters full (linear probing stays short below that).
    if (this.size * 4 > this.mask * 3) this.rehash();
    return id;
  }

  /** The id of the `width` words at `other[base]`, or -1 (`h`: their hash, when known). */
  find(other: Uint32Array, base: number, h?: number): number {
    const { slots, mask, width } = this;
    if (width === 1) {
      const w = other[base]! | 0;
      let s = (h ?? hash1(w)) & mask;
      for (;;) {
        const id1 = slots[2 * s + 1]!;
        if (id1 === 0) return -1;
        if (slots[2 * s] === w) return id1 - 1;
        s = (s + 1) & mask;
      }
    }
    const hh = h ?? wordsHash(other, base, width);
    const keys = this.keys;
    let s = hh & mask;
    for (;;) {
      const id1 = slots[2 * s + 1]!;
      if (id1 === 0) return -1;
      if (slots[2 * s] === hh) {
        const at = (id1 - 1) * width;
        let k = 0;
        while (k < width && keys[at + k] === other[base + k]) k++;
        if (k === width) return id1 - 1;
      }
      s = (s + 1) & mask;
    }
  }

  /** Puts id (slot tag `tag`: the word, or the hash) in the first free slot from `h`. */
  private place(tag: number, h: number, id: number): void {
    const { slots, mask } = this;
    let s = h & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = tag;
    slots[2 * s + 1] = id + 1;
  }

  private rehash(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    const one = this.width === 1;
    for (let p = 0; p < old.length; p += 2) {
      if (old[p + 1] !== 0) this.place(old[p]!, one ? hash1(old[p]!) : old[p]!, old[p + 1]! - 1);
    }
  }
}

/** wordsHash of a single word, inlined for one-word keys. */
function hash1(w: number): number {
  let h = Math.imul(w ^ 0x9e3779b8, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

function grown(a: Int32Array | Uint32Array, length: number): Int32Array | Uint32Array {
  const b = a instanceof Int32Array ? new Int32Array(length) : new Uint32Array(length);
  b.set(a);
  return b;
}

/**
 * The key id of every row (-1 for a row with a null key), the rows inserted in order.
 * @example
 * const { ids, table } = keyIds(keys);
 */
export function keyIds(keys: KeyWords): { ids: Int32Array; table: KeyTable } {
  const { rows, valid } = keys;
  const table = new KeyTable(keys.words, keys.width, rows);
  const ids = new Int32Array(rows);
  for (let r = 0; r < rows; r++) ids[r] = valid === null || valid[r] === 1 ? table.insert(r) : -1;
  return { ids, table };
}

/**
 * The keys of both sides named by their first right row (`JoinIds`): narrow keys through
 * `narrowJoinIds`, wider ones through a KeyTable.
 */
function joinIds(left: KeyWords, right: KeyWords): JoinIds {
  if (right.width >= 1 && right.width <= 3) return narrowJoinIds(left, right);
  const { ids: rids, table } = keyIds(right);
  const { firstRow } = table;
  for (let r = 0; r < rids.length; r++) if (rids[r]! >= 0) rids[r] = firstRow[rids[r]!]!;
  const { rows, width, words, valid } = left;
  const lids = new Int32Array(rows);
  for (let l = 0; l < rows; l++) {
    const id = valid === null || valid[l] === 1 ? table.find(words, l * width) : -1;
    lids[l] = id < 0 ? -1 : firstRow[id]!;
  }
  return { rids, lids, keys: table.size };
}

/** Each right key's rows, ascending: rows of the key named k (its first row) are list[start[k], start[k + 1]). */
function rowsByKey(rids: Int32Array): { start: Int32Array; list: Int32Array } {
  const n = rids.length;
  const start = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) if (rids[r]! >= 0) start[rids[r]! + 1]++;
  for (let k = 0; k < n; k++) start[k + 1] += start[k]!;
  const list = new Int32Array(start[n]!);
  const fill = start.slice(0, n);
  for (let r = 0; r < n; r++) if (rids[r]! >= 0) list[fill[rids[r]!]++] = r;
  return { start, list };
}

/** Rows whose key is not null. */
function validRows(keys: KeyWords): number {
  if (keys.valid === null) return keys.rows;
  let n = 0;
  for (let r = 0; r < keys.rows; r++) n += keys.valid[r]!;
  return n;
}

function mapsOf(n: number): GatherMaps {
  if (n > 2 ** 31 - 1) {
    throw new MemoryLimitError('JOIN_TOO_LARGE', `a join would produce ${n} rows, more than one partition can hold: use more partitions or fewer duplicate keys`);
  }
  return { left: new Int32Array(n), right: new Int32Array(n) };
}

/** semi and anti: each left row at most once, right always -1. */
function filterLeft(lids: Int32Array, keep: boolean): GatherMaps {
  let n = 0;
  for (let l = 0; l < lids.length; l++) if (lids[l]! >= 0 === keep) n++;
  const maps = mapsOf(n);
  maps.right.fill(-1);
  let o = 0;
  for (let l = 0; l < lids.length; l++) if (lids[l]! >= 0 === keep) maps.left[o++] = l;
  return maps;
}

/**
 * The gather maps of a join of `left` and `right` keys (words from the same encodings and
 * interner). Null keys never match.
 *
 * @example
 * const interner = new KeyInterner();
 * const maps = joinMaps(keyWords(lk, enc, interner), keyWords(rk, enc, interner), 'inner');
 * const joined = takeRows(left, maps.left); // row i pairs with right row maps.right[i]
 */
export function joinMaps(left: KeyWords, right: KeyWords, how: JoinHow): GatherMaps {
  if (left.width !== right.width) {
    throw new PlanError('JOIN_KEYS', `joinMaps: the left keys have ${left.width} words per row and the right keys ${right.width}: build both from the same encodings`);
  }
  const { rids, lids, keys } = joinIds(left, right);
  if (how === 'semi' || how === 'anti') return filterLeft(lids, how === 'semi');
  const keepLeft = how === 'left' || how === 'outer';
  const keepRight = how === 'right' || how === 'outer';
  // Every right key once (a lookup table, the common case): a left row's one match is the row
  // its key is named by, so the per-key lists are not built.
  const lookup = keys === validRows(right);
  const { start, list } = lookup ? { start: null, list: null } : rowsByKey(rids);
  // By key name (a right row): whether some left row matched it.
  const matched = new Uint8Array(keepRight ? rids.length : 0);
  let n = 0;
  for (let l = 0; l < lids.length; l++) {
    const k = lids[l]!;
    n += k < 0 ? (keepLeft ? 1 : 0) : start === null ? 1 : start[k + 1]! - start[k]!;
    if (keepRight && k >= 0) matched[k] = 1;
  }
  let unmatched = 0;
  if (keepRight) for (let r = 0; r < rids.length; r++) if (rids[r]! < 0 || matched[rids[r]!] === 0) unmatched++;
  const maps = mapsOf(n + unmatched);
  const { left: lm, right: rm } = maps;
  let o = 0;
  for (let l = 0; l < lids.length; l++) {
    const k = lids[l]!;
    if (k < 0 || start === null) {
      if (k >= 0 || keepLeft) {
        lm[o] = l;
        rm[o++] = k;
      }
      continue;
    }
    for (let j = start[k]!, end = start[k + 1]!; j < end; j++) {
      lm[o] = l;
      rm[o++] = list![j]!;
    }
  }
  if (keepRight) {
    for (let r = 0; r < rids.length; r++) {
      if (rids[r]! >= 0 && matched[rids[r]!] === 1) continue;
      lm[o] = -1;
      rm[o++] = r;
    }
  }
  return maps;
}
