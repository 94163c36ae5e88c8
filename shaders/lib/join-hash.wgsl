// Join keys as the hash table sees them (join-build inserts, join-probe looks up): the hash
// that places a key, mirrored by src/gpu/kernels/join/join-hash.ts so tests can make keys that
// collide on purpose, and the 16-bit halves a table slot stores a key as.
//
// The includer declares KEY_WORDS (u32 words per key) and the bindings `keys` (array<u32>,
// KEY_WORDS words per row, row-major) and `valid` (one byte per row, 0 where the key is null).
//
// A slot is HALVES words: half j of the key with MARK set, so no stored word is 0 and a 0 word
// is one not yet written. Each half is one atomic word, so a reader that sees every half
// non-zero sees the whole key without any ordering between words (WGSL atomics are relaxed).

const MARK: u32 = 0x10000u;
const HALVES: u32 = 2u * KEY_WORDS;

// The parameters of a dispatch over one window of rows and one sub-table (join-build's
// insert, join-probe's probe and unmatched flags).
struct TableParams {
  // Rows of this window.
  rows: u32,
  // Whether `valid` is bound (without it every key is non-null).
  has_valid: u32,
  // The sub-table of this dispatch, its slots (a power of two) and their log2, and the number
  // of sub-tables minus one (a power of two minus one).
  sub: u32,
  sub_cap: u32,
  sub_bits: u32,
  subs_mask: u32,
  // join-build: the window's first row. join-probe: the join kind (see join-probe.wgsl).
  row_base: u32,
  how: u32,
}

// Whether a key of hash h lives in the sub-table of this dispatch: the hash bits above those
// that pick the key's first slot pick its sub-table.
fn in_sub(h: u32, p: TableParams) -> bool {
  return ((h >> p.sub_bits) & p.subs_mask) == p.sub;
}

// A bijective 32-bit mixer (Wellons' lowbias32): a key of one word never shares its hash.
fn mix32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

// The hash of row i's key: the last word mixed first, then each earlier word folded in, so
// that a key's first word can be chosen to give any other key's hash (see join-hash.ts).
fn key_hash(i: u32) -> u32 {
  let first = i * KEY_WORDS;
  var h = mix32(keys[first + KEY_WORDS - 1u] + 0x9e3779b9u);
  for (var j = KEY_WORDS - 1u; j > 0u; j = j - 1u) {
    h = mix32(h ^ keys[first + j - 1u]);
  }
  return h;
}

// Half j of row i's key as a slot stores it.
fn key_half(i: u32, j: u32) -> u32 {
  let w = keys[i * KEY_WORDS + (j >> 1u)];
  return select(w & 0xffffu, w >> 16u, (j & 1u) == 1u) | MARK;
}

// Whether row i's key is non-null (`has_valid` 0: no key is null, and `valid` is not read).
fn key_valid(i: u32, has_valid: u32) -> bool {
  if (has_valid == 0u) {
    return true;
  }
  return ((valid[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu) != 0u;
}
