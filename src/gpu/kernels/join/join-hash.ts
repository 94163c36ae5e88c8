/**
 * The hash `shaders/lib/join-hash.wgsl` places join keys with, mirrored on the host so tests
 * can build different keys that share a hash (which only a full compare of the key tells
 * apart) and so the two can be checked against each other.
 */

/** Wellons' lowbias32: a bijection on 32-bit words. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash state after every word but the first has been folded in. */
function folded(key: ArrayLike<number>): number {
  let h = mix32((key[key.length - 1]! + 0x9e3779b9) >>> 0);
  for (let j = key.length - 1; j > 1; j--) h = mix32((h ^ key[j - 1]!) >>> 0);
  return h;
}

/**
 * The 32-bit hash of one key (its words, first to last).
 * @example
 * joinHash([42, 7]) & (slots - 1); // the first slot a table of `slots` slots probes for (42, 7)
 */
export function joinHash(key: ArrayLike<number>): number {
  if (key.length === 1) return folded(key);
  return mix32((folded(key) ^ key[0]!) >>> 0);
}

/**
 * A key that ends in `rest` (words 1 and up) and has the same hash as `key` (of the same width,
 * at least 2): its first word is chosen to cancel the difference.
 * @example
 * const other = collidingKey([1, 2], [3]); // joinHash(other) === joinHash([1, 2]), other[1] === 3
 */
export function collidingKey(key: ArrayLike<number>, rest: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(key.length);
  out.set(rest as ArrayLike<number>, 1);
  out[0] = (key[0]! ^ folded(key) ^ folded(out)) >>> 0;
  return out;
}
