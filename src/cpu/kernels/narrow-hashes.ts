/**
 * Hashes of narrow key words (one to three u32 words a key) and what a hash table needs to know
 * before it is built, gathered in the same pass: about how many distinct keys there are, so that
 * the table is sized once (one sized for every row being its own key is mostly empty and out of
 * cache when keys repeat; one grown by doubling places its keys again at every step), and how
 * many rows fall in each run of a split by the top bits of the hash. The estimate is a
 * HyperLogLog sketch: 4096 one-byte registers, about 2% off.
 */

const P = 12;
const M = 1 << P;
/** Top hash bits counted: the most a split by hash uses. */
export const TOP_BITS = 10;

/**
 * A hash of up to three key words (0 for the words a key does not have), spread over all 32
 * bits. Not the hash that partitioning uses, so the keys of one shuffle bucket still spread over
 * every slot.
 *
 * @example
 * const slot = narrowHash(lo, hi, 0) & mask;
 */
export function narrowHash(w0: number, w1: number, w2: number): number {
  let h = Math.imul(w0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x27d4eb2f);
  return h ^ (h >>> 15);
}

/** Narrow keys hashed: each row's hash, and over the valid rows, the distinct keys and the rows per top bits. */
export interface HashedKeys {
  /** narrowHash of every row's words (of null rows too). */
  hashes: Int32Array;
  /** About how many distinct keys the valid rows hold (at most one per valid row). */
  estimate: number;
  /** Valid rows per value of the hash's top TOP_BITS bits. */
  top: Int32Array;
}

/** The HyperLogLog estimate of the registers' distinct values, at most `rows`. */
function estimateOf(reg: Uint8Array, rows: number): number {
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < M; i++) {
    sum += 2 ** -reg[i]!;
    if (reg[i] === 0) zeros++;
  }
  const raw = ((0.7213 / (1 + 1.079 / M)) * M * M) / sum;
  // Few keys: linear counting over the empty registers is the better estimate.
  const estimate = raw <= 2.5 * M && zeros > 0 ? M * Math.log(M / zeros) : raw;
  return Math.min(rows, Math.round(estimate));
}

/**
 * Hashes the `rows` keys of `width` (1 to 3) words in `words`; rows whose `valid` is 0 are
 * hashed but left out of the estimate and the counts.
 *
 * @example
 * const { hashes, estimate } = narrowHashes(words, 2, rows, null); // estimate within a few percent
 */
export function narrowHashes(words: Uint32Array, width: number, rows: number, valid: Uint8Array | null): HashedKeys {
  const hashes = new Int32Array(rows);
  const reg = new Uint8Array(M);
  const top = new Int32Array(1 << TOP_BITS);
  let counted = 0;
  for (let r = 0, b = 0; r < rows; r++, b += width) {
    const h = narrowHash(words[b]! | 0, width > 1 ? words[b + 1]! | 0 : 0, width > 2 ? words[b + 2]! | 0 : 0);
    hashes[r] = h;
    if (valid !== null && valid[r] === 0) continue;
    counted++;
    top[h >>> (32 - TOP_BITS)]++;
    const at = h >>> (32 - P);
    // The rank of the first set bit of the other 20 bits (21 when they are all zero).
    const rank = Math.clz32((h << P) | (1 << (P - 1))) + 1;
    if (rank > reg[at]!) reg[at] = rank;
  }
  return { hashes, estimate: estimateOf(reg, counted), top };
}
