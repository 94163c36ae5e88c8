// Hash group-by family over one row window of a GpuTable (see src/gpu/kernels/group-by.ts).
//
// Rows get group ids in rounds, one key column a round: `mask_main` marks each row selected
// (id 0) or skipped (SKIP); `insert_main` inserts the pair (previous id, key words, null flag)
// of every selected row into an open-addressing table and writes the slot as the row's new id;
// the host numbers the slots of the last round in order of first row and `remap_main` turns
// slots into dense group ids. The aggregate entries then add into per-group accumulators with
// u32 atomics only, and every sum is exact integer (fixed-point) arithmetic, so the result does
// not depend on the order the rows arrive in: the same input gives the same bits every run.
//
// A table slot is SLOT words: the key as 16-bit halves, each stored with MARK (bit 16) so that a
// word still 0 is one not yet written (word 0 also carries the null flag), then ~first row. The
// thread that claims word 0 by compare-exchange writes the other halves in the same loop
// iteration; a thread that finds word 0 equal to its own waits (re-reads the slot) until every
// half is there. Each half is one atomic word, so no ordering between words is needed. When
// every slot has been probed the table is full: the flag word after the slots is set, and the
// host retries the round with a larger table.
//
// KEY_WORDS is 1 or 2 (a key column's words per row). The aggregate entries are the group-agg
// family; what both share is shaders/lib/group-common.wgsl.

// #include group-common

const KEY_WORDS: u32 = {{KEY_WORDS}}u;

const HALVES: u32 = 2u + 2u * KEY_WORDS;
const SLOT: u32 = HALVES + 1u;
const MARK: u32 = 0x10000u;
const NULL_BIT: u32 = 0x20000u;

// ---- hashing (mirrored by slot-hash.ts) ----

fn fmix(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x85ebca6bu;
  h ^= h >> 13u;
  h *= 0xc2b2ae35u;
  h ^= h >> 16u;
  return h;
}

fn slot_hash(p: u32, k0: u32, k1: u32, is_null: bool) -> u32 {
  let g = fmix(fmix(p) + k1 * 0x9e3779b1u + select(0u, 0x5bd1e995u, is_null));
  return fmix(k0 ^ g);
}

fn want_word(j: u32, p: u32, k: vec2<u32>, is_null: bool) -> u32 {
  var w = 0u;
  switch (j) {
    case 0u: { w = p & 0xffffu; }
    case 1u: { w = p >> 16u; }
    case 2u: { w = k.x & 0xffffu; }
    case 3u: { w = k.x >> 16u; }
    case 4u: { w = k.y & 0xffffu; }
    default: { w = k.y >> 16u; }
  }
  w = w | MARK;
  if (j == 0u && is_null) {
    w = w | NULL_BIT;
  }
  return w;
}

fn insert(p: u32, k: vec2<u32>, is_null: bool, row: u32) -> u32 {
  let cap = params.capacity;
  let flag_at = cap * SLOT;
  let head_want = want_word(0u, p, k, is_null);
  var slot = slot_hash(p, k.x, k.y, is_null) & (cap - 1u);
  var probes = 0u;
  loop {
    if (probes >= cap) {
      atomicStore(&acc[flag_at], 1u);
      return FULL;
    }
    if ((probes & 63u) == 63u && atomicLoad(&acc[flag_at]) != 0u) {
      return FULL;
    }
    let base = slot * SLOT;
    let head = atomicLoad(&acc[base]);
    if (head == 0u) {
      let r = atomicCompareExchangeWeak(&acc[base], 0u, head_want);
      if (r.exchanged) {
        for (var j = 1u; j < HALVES; j = j + 1u) {
          atomicStore(&acc[base + j], want_word(j, p, k, is_null));
        }
        atomicMax(&acc[base + HALVES], ~row);
        return slot;
      }
      // Lost the race (or a spurious failure): look at this slot again.
      continue;
    }
    if (head == head_want) {
      var same = true;
      var pending = false;
      for (var j = 1u; j < HALVES; j = j + 1u) {
        let w = atomicLoad(&acc[base + j]);
        if (w == 0u) {
          pending = true;
        } else if (w != want_word(j, p, k, is_null)) {
          same = false;
        }
      }
      if (same && !pending) {
        atomicMax(&acc[base + HALVES], ~row);
        return slot;
      }
      if (same) {
        // The claiming thread is writing the other halves: read the slot again.
        continue;
      }
    }
    slot = (slot + 1u) & (cap - 1u);
    probes = probes + 1u;
  }
}

@compute @workgroup_size(WG)
fn mask_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let keep = params.op == 0u || (is_valid(i) && values[i] != 0u);
    ids[i] = select(SKIP, 0u, keep);
  }
}

@compute @workgroup_size(WG)
fn insert_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let p = prev[i];
    if (p == SKIP) {
      ids[i] = SKIP;
      continue;
    }
    let valid = is_valid(i);
    var k = vec2<u32>(0u, 0u);
    if (valid) {
      k = vec2<u32>(lo_word(i), hi_word(i));
    }
    ids[i] = insert(p, k, !valid, params.row_base + i);
  }
}

@compute @workgroup_size(WG)
fn remap_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let s = ids[i];
    if (s != SKIP) {
      ids[i] = aux[s];
    }
  }
}
