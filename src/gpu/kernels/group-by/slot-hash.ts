/**
 * The hash `shaders/group-by.wgsl` places keys with, mirrored on the host so tests can build
 * keys that collide on purpose (and so the two can be checked against each other).
 */

function fmix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The part of the hash that does not depend on the low key word. */
function upper(prev: number, hi: number, isNull: boolean): number {
  return fmix((fmix(prev) + Math.imul(hi, 0x9e3779b1) + (isNull ? 0x5bd1e995 : 0)) >>> 0);
}

/**
 * The 32-bit hash of a round key: the previous id, the key's low and high words, the null flag.
 * @example
 * slotHash(0, 42, 0, false) & (capacity - 1); // the first slot probed for int32 key 42
 */
export function slotHash(prev: number, lo: number, hi: number, isNull: boolean): number {
  return fmix((lo ^ upper(prev, hi, isNull)) >>> 0);
}

/**
 * A low word that gives the key (lo', hi2) the same hash as (lo, hi), for the same previous id:
 * two different 64-bit keys that the table can tell apart only by comparing them in full.
 * @example
 * const lo2 = collidingLow(0, 7, 1, 2); // slotHash(0, 7, 1, false) === slotHash(0, lo2, 2, false)
 */
export function collidingLow(prev: number, lo: number, hi: number, hi2: number): number {
  return (lo ^ upper(prev, hi, false) ^ upper(prev, hi2, false)) >>> 0;
}
