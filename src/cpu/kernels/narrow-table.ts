/**
 * The hash table behind the narrow-key fast paths of distinct and join (keys of one to three u32
 * words): open addressing over slots of 4 words — the key's words (0 past its width) and a value
 * the caller owns, 0 meaning free — probed with `narrowHash`. When the keys are many, the rows
 * are first split by the top bits of their hash into runs (`splitByHash`) whose tables stay in a
 * core's cache: a table far larger than the cache costs a miss per row, a split costs a pass.
 */
import { narrowHash, TOP_BITS, type HashedKeys } from './narrow-hashes.js';

/** Keys per run's table: 16384 slots of 16 bytes, at most half full, 256 KiB. */
const RUN_KEYS = 8192;

/**
 * How many top hash bits split `keys` keys into runs of at most about RUN_KEYS keys (0: no split).
 *
 * @example
 * runBits(167_000); // 5: 32 runs
 */
export function runBits(keys: number): number {
  let bits = 0;
  while (bits < TOP_BITS && keys > RUN_KEYS << bits) bits++;
  return bits;
}

/**
 * Slots for about `keys` keys (at most half full at first), doubled when the keys outnumber
 * the guess.
 *
 * @example
 * const t = new NarrowTable(1000);
 * const slot = t.find(words, r * 2, 2);
 * if (t.slots[slot + 3] === 0) t.put(slot, words, r * 2, 2, r + 1);
 */
export class NarrowTable {
  slots: Int32Array;
  mask: number;
  size = 0;

  constructor(keys: number) {
    let cap = 16;
    while (cap < keys * 2) cap *= 2;
    this.slots = new Int32Array(cap * 4);
    this.mask = cap - 1;
  }

  /**
   * The slot (the index of its first word) that holds the key of `width` words at `words[at]`,
   * or the free slot where it goes (its value word, `slots[slot + 3]`, is 0).
   */
  find(words: Uint32Array, at: number, width: number): number {
    const { slots, mask } = this;
    const w0 = words[at]! | 0;
    const w1 = width > 1 ? words[at + 1]! | 0 : 0;
    const w2 = width > 2 ? words[at + 2]! | 0 : 0;
    let s = narrowHash(w0, w1, w2) & mask;
    for (;;) {
      const p = s << 2;
      if (slots[p + 3] === 0 || (slots[p] === w0 && slots[p + 1] === w1 && slots[p + 2] === w2)) return p;
      s = (s + 1) & mask;
    }
  }

  /** Puts the key at `words[at]` with `value` (not 0) in the free slot `slot` that `find` gave; the slots may be replaced. */
  put(slot: number, words: Uint32Array, at: number, width: number, value: number): void {
    const { slots } = this;
    slots[slot] = words[at]!;
    slots[slot + 1] = width > 1 ? words[at + 1]! : 0;
    slots[slot + 2] = width > 2 ? words[at + 2]! : 0;
    slots[slot + 3] = value;
    // Past three quarters full linear probing grows long: twice the slots.
    if (++this.size * 4 > this.mask * 3) this.grow();
  }

  /** Twice the slots, the keys placed again. */
  private grow(): void {
    const old = this.slots;
    const mask = this.mask * 2 + 1;
    const slots = new Int32Array((mask + 1) * 4);
    for (let q = 0; q < old.length; q += 4) {
      if (old[q + 3] === 0) continue;
      let s = narrowHash(old[q]!, old[q + 1]!, old[q + 2]!) & mask;
      while (slots[(s << 2) + 3] !== 0) s = (s + 1) & mask;
      slots.set(old.subarray(q, q + 4), s << 2);
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Empties the table for the next run. */
  clear(): void {
    this.slots.fill(0);
    this.size = 0;
  }
}

/** Runs of entries: run p is entries start[p] .. start[p + 1] - 1 of `entries`, `width + 1` words each (the key's words, then its row). */
export interface Runs {
  start: Int32Array;
  entries: Uint32Array;
}

/**
 * The rows' keys reordered into 2^bits runs by the top bits of their hash, rows in order within
 * each; rows whose `valid` is 0 are left out. One array of entries, so that the split writes one
 * stream per run.
 *
 * @example
 * const hashed = narrowHashes(words, 2, rows, null);
 * const { start, entries } = splitByHash(words, 2, hashed, 5, null);
 */
export function splitByHash(words: Uint32Array, width: number, keys: HashedKeys, bits: number, valid: Uint8Array | null): Runs {
  const { hashes: h, top } = keys;
  const rows = h.length;
  const runs = 1 << bits;
  const shift = 32 - bits;
  // Runs from the rows counted per top TOP_BITS bits: run p holds 2^(TOP_BITS - bits) of those.
  const start = new Int32Array(runs + 1);
  const per = TOP_BITS - bits;
  for (let t = 0; t < top.length; t++) start[(t >>> per) + 1] += top[t]!;
  for (let p = 0; p < runs; p++) start[p + 1] += start[p]!;
  const fill = start.slice(0, runs);
  const stride = width + 1;
  const entries = new Uint32Array(start[runs]! * stride);
  for (let r = 0; r < rows; r++) {
    if (valid !== null && valid[r] === 0) continue;
    const o = fill[h[r]! >>> shift]!++ * stride;
    entries[o] = words[r * width]!;
    if (width > 1) entries[o + 1] = words[r * width + 1]!;
    if (width > 2) entries[o + 2] = words[r * width + 2]!;
    entries[o + width] = r;
  }
  return { start, entries };
}
