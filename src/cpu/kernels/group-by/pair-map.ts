/**
 * An open-addressing hash map from a pair of 32-bit words to a dense id (0, 1, 2 ... in order of
 * first sight), all in one typed array. It numbers 64-bit keys (as low and high words), float
 * bits, and (group, code) pairs when key columns are combined.
 */

/**
 * Mixes two 32-bit words into a well spread 32-bit hash.
 * @example
 * const h = hashPair(lo, hi);
 */
export function hashPair(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h ^ b, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Dense ids for pairs of 32-bit words.
 * @example
 * const map = new PairMap();
 * map.id(7, 0); // 0
 * map.id(9, 1); // 1
 * map.id(7, 0); // 0
 */
export class PairMap {
  /** Three words per slot: a, b, id + 1 (0 marks an empty slot). */
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * 3);
    this.mask = cap - 1;
  }

  /** The id of (a, b) (each taken as an int32), inserting it with the next id when new. */
  id(a: number, b: number): number {
    a |= 0;
    b |= 0;
    const slots = this.slots;
    const mask = this.mask;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const p = slot * 3;
      const v = slots[p + 2];
      if (v === 0) {
        slots[p] = a;
        slots[p + 1] = b;
        slots[p + 2] = ++this.size;
        if (this.size * 2 > mask) this.rehash();
        return this.size - 1;
      }
      if (slots[p] === a && slots[p + 1] === b) return v - 1;
      slot = (slot + 1) & mask;
    }
  }

  private rehash(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const slots = new Int32Array(cap * 3);
    const mask = cap - 1;
    for (let p = 0; p < old.length; p += 3) {
      if (old[p + 2] === 0) continue;
      let slot = hashPair(old[p], old[p + 1]) & mask;
      while (slots[slot * 3 + 2] !== 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(p, p + 3), slot * 3);
    }
    this.slots = slots;
    this.mask = mask;
  }
}
