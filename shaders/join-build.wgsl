// Join family, build side (see src/gpu/kernels/join-maps.ts): `insert_main` puts every right
// row's key into an open-addressing hash table, writes the row's slot, counts the rows of every
// slot, keeps the most rows any slot has (full[1]) and one row of each slot (`slot_rows`: its
// only row when the key does not repeat). When no key repeats, a slot's one row is its whole
// list; otherwise join-sort sorts the right rows by slot. The probe is join-probe.
//
// The table is `subs` sub-tables of `sub_cap` slots (both powers of two), each small enough
// for one storage binding. A key's hash picks its sub-table (the bits above the slot bits) and
// its first slot there (the low bits); probing wraps inside the sub-table. The host dispatches
// every right row window once per sub-table, bound to that sub-table's slots, counts and slot
// rows, and a row is inserted by the dispatch of its sub-table only. Row slots are
// global: sub * sub_cap + slot. A row with a null key gets NONE (from the sub-table 0 dispatch).
//
// Insertion is the group-by's (shaders/group-by.wgsl): the thread that claims a slot's first
// half by compare-exchange writes the other halves in the same loop iteration; a thread that
// finds the first half equal to its own and another half still 0 reads the slot again. When a
// row has probed every slot of its sub-table, `full` is set and the host retries the build with
// a larger table.

// #include join-hash

const WG: u32 = {{WORKGROUP_SIZE}}u;
const KEY_WORDS: u32 = {{KEY_WORDS}}u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> keys: array<u32>;
// One byte per row: 0 where the key is null.
@group(0) @binding(1) var<storage, read> valid: array<u32>;
@group(0) @binding(2) var<storage, read_write> table: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> slots: array<u32>;
// [0]: set when a sub-table is full; [1]: the most rows one slot has (when above 1).
@group(0) @binding(5) var<storage, read_write> full: array<atomic<u32>>;
@group(0) @binding(6) var<uniform> params: TableParams;
@group(0) @binding(7) var<storage, read_write> slot_rows: array<atomic<u32>>;

// The slot of row i's key in this sub-table (inserting it if new), or NONE when the sub-table
// is full.
fn insert(i: u32, h: u32) -> u32 {
  let cap = params.sub_cap;
  let head_want = key_half(i, 0u);
  var slot = h & (cap - 1u);
  var probes = 0u;
  loop {
    if (probes >= cap) {
      atomicStore(&full[0], 1u);
      return NONE;
    }
    if ((probes & 63u) == 63u && atomicLoad(&full[0]) != 0u) {
      return NONE;
    }
    let base = slot * HALVES;
    let head = atomicLoad(&table[base]);
    if (head == 0u) {
      let r = atomicCompareExchangeWeak(&table[base], 0u, head_want);
      if (r.exchanged) {
        for (var j = 1u; j < HALVES; j = j + 1u) {
          atomicStore(&table[base + j], key_half(i, j));
        }
        return slot;
      }
      // Lost the race (or a spurious failure): look at this slot again.
      continue;
    }
    if (head == head_want) {
      var same = true;
      var pending = false;
      for (var j = 1u; j < HALVES; j = j + 1u) {
        let w = atomicLoad(&table[base + j]);
        if (w == 0u) {
          pending = true;
        } else if (w != key_half(i, j)) {
          same = false;
        }
      }
      if (same && !pending) {
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
fn insert_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var i = wg.x * WG + lid; i < params.rows; i = i + groups.x * WG) {
    if (!key_valid(i, params.has_valid)) {
      if (params.sub == 0u) {
        slots[i] = NONE;
      }
      continue;
    }
    let h = key_hash(i);
    if (!in_sub(h, params)) {
      continue;
    }
    let s = insert(i, h);
    if (s == NONE) {
      // The table is full: this build is retried with a larger one.
      slots[i] = NONE;
      continue;
    }
    let c = atomicAdd(&counts[s], 1u) + 1u;
    // Only repeated keys reach the shared word, and only while they raise it.
    if (c > 1u && c > atomicLoad(&full[1])) {
      atomicMax(&full[1], c);
    }
    atomicStore(&slot_rows[s], params.row_base + i);
    slots[i] = params.sub * params.sub_cap + s;
  }
}
