// Join family, probe side and output (see src/gpu/kernels/join-maps.ts):
//   probe_main      per left row (per sub-table, as join-build inserts): its key's slot, the
//                   start of the slot's list of right rows (`starts`, NONE when it has none)
//                   and how many output rows the row makes (`outs`, by `how`); right and outer
//                   joins mark the slot matched;
//   total_main      the sum of `outs`, saturating at 2^31 - 1, into acc[0], with acc[1] set
//                   once it reaches 2^31 (the host scans `outs` in u32 and must know it fits;
//                   it runs only when the sizes alone cannot rule that out);
//   unmatched_main  per right row (per sub-table), 1 when its slot was never matched or its
//                   key is null (right and outer joins), else 0;
//   expand_main     per left row, its output rows: the left row, and the position in the
//                   right lists of each match (NONE for none), within one output window;
//   gather_main     per output row, the right row at that list position, within one window of
//                   the lists (not run when no right key repeats: positions are then rows);
//   tail_main       per unmatched right row, its output row (left = NONE) after the left part.
// Output positions come from the host's scans of `outs` (out_offsets) and of `unmatched`
// (tail_offsets). A dispatch that writes by position writes only inside its output window, so
// the host dispatches each input window once per output window (and gather once per window of
// the lists).

// #include join-hash

const WG: u32 = {{WORKGROUP_SIZE}}u;
const KEY_WORDS: u32 = {{KEY_WORDS}}u;
const NONE: u32 = 0xffffffffu;
const SATURATED: u32 = 0x7fffffffu;
// how (as JoinHow)
const INNER: u32 = 0u;
const LEFT: u32 = 1u;
const RIGHT: u32 = 2u;
const OUTER: u32 = 3u;
const SEMI: u32 = 4u;
const ANTI: u32 = 5u;

// total_main, expand_main, gather_main, tail_main.
struct SpanParams {
  // Rows (or, for gather_main, output rows) of this window, and the first one's global index.
  rows: u32,
  row_base: u32,
  // The output window: its first output row and how many it holds.
  out_first: u32,
  out_rows: u32,
  // gather_main: the window of the right lists (first position, length), and 1 for the first
  // such window (which writes the NONE rows).
  list_first: u32,
  list_rows: u32,
  first_list: u32,
  // tail_main: output rows of the left part (the unmatched right rows follow).
  left_total: u32,
}

@group(0) @binding(0) var<storage, read> keys: array<u32>;
// One byte per row: 0 where the key is null.
@group(0) @binding(1) var<storage, read> valid: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read> counts: array<u32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read_write> matched: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> starts: array<u32>;
@group(0) @binding(7) var<storage, read_write> outs: array<u32>;
@group(0) @binding(8) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read> slots: array<u32>;
@group(0) @binding(10) var<storage, read_write> unmatched: array<u32>;
@group(0) @binding(11) var<storage, read> out_offsets: array<u32>;
@group(0) @binding(12) var<storage, read_write> out_left: array<u32>;
@group(0) @binding(13) var<storage, read_write> out_index: array<u32>;
@group(0) @binding(14) var<storage, read> lists: array<u32>;
@group(0) @binding(15) var<storage, read_write> out_right: array<u32>;
@group(0) @binding(16) var<storage, read> tail_offsets: array<u32>;
// probe_main and unmatched_main.
@group(0) @binding(17) var<uniform> hp: TableParams;
@group(0) @binding(18) var<uniform> sp: SpanParams;

var<workgroup> lanes: array<u32, WG>;

// The slot of row i's key in this sub-table, or NONE when the right side does not have it.
fn find(i: u32, h: u32) -> u32 {
  let cap = hp.sub_cap;
  let head_want = key_half(i, 0u);
  var slot = h & (cap - 1u);
  for (var probes = 0u; probes < cap; probes = probes + 1u) {
    let base = slot * HALVES;
    let head = table[base];
    if (head == 0u) {
      return NONE;
    }
    if (head == head_want) {
      var same = true;
      for (var j = 1u; j < HALVES; j = j + 1u) {
        if (table[base + j] != key_half(i, j)) {
          same = false;
          break;
        }
      }
      if (same) {
        return slot;
      }
    }
    slot = (slot + 1u) & (cap - 1u);
  }
  return NONE;
}

// Output rows of a left row with c matches.
fn output_rows(c: u32) -> u32 {
  switch (hp.how) {
    case LEFT, OUTER: { return max(c, 1u); }
    case SEMI: { return min(c, 1u); }
    case ANTI: { return select(0u, 1u, c == 0u); }
    default: { return c; }
  }
}

@compute @workgroup_size(WG)
fn probe_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var i = wg.x * WG + lid; i < hp.rows; i = i + groups.x * WG) {
    var c = 0u;
    var start = NONE;
    if (key_valid(i, hp.has_valid)) {
      let h = key_hash(i);
      if (!in_sub(h, hp)) {
        continue;
      }
      let s = find(i, h);
      if (s != NONE) {
        c = counts[s];
        if (hp.how != SEMI && hp.how != ANTI) {
          start = offsets[s];
        }
        if (hp.how == RIGHT || hp.how == OUTER) {
          atomicStore(&matched[s], 1u);
        }
      }
    } else if (hp.sub != 0u) {
      continue;
    }
    starts[i] = start;
    outs[i] = output_rows(c);
  }
}

@compute @workgroup_size(WG)
fn total_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  // Every term is below 2^31, so two saturated sums add without wrapping.
  var s = 0u;
  for (var i = wg.x * WG + lid; i < sp.rows; i = i + groups.x * WG) {
    s = min(s + outs[i], SATURATED);
  }
  lanes[lid] = s;
  workgroupBarrier();
  for (var step = WG / 2u; step > 0u; step = step / 2u) {
    if (lid < step) {
      lanes[lid] = min(lanes[lid] + lanes[lid + step], SATURATED);
    }
    workgroupBarrier();
  }
  if (lid == 0u && lanes[0] > 0u) {
    // The add that takes the total to 2^31 sees it from below, so it cannot be missed even
    // when later adds wrap acc[0] around.
    let old = atomicAdd(&acc[0], lanes[0]);
    if (old > SATURATED || old + lanes[0] > SATURATED) {
      atomicStore(&acc[1], 1u);
    }
  }
}

@compute @workgroup_size(WG)
fn unmatched_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var r = wg.x * WG + lid; r < hp.rows; r = r + groups.x * WG) {
    let s = slots[r];
    if (s == NONE) {
      if (hp.sub == 0u) {
        unmatched[r] = 1u;
      }
      continue;
    }
    if ((s >> hp.sub_bits) != hp.sub) {
      continue;
    }
    unmatched[r] = select(0u, 1u, atomicLoad(&matched[s & (hp.sub_cap - 1u)]) == 0u);
  }
}

@compute @workgroup_size(WG)
fn expand_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let out_end = sp.out_first + sp.out_rows;
  for (var i = wg.x * WG + lid; i < sp.rows; i = i + groups.x * WG) {
    let o = out_offsets[i];
    let lo = max(o, sp.out_first);
    let hi = min(o + outs[i], out_end);
    let start = starts[i];
    for (var p = lo; p < hi; p = p + 1u) {
      out_left[p - sp.out_first] = sp.row_base + i;
      out_index[p - sp.out_first] = select(start + (p - o), NONE, start == NONE);
    }
  }
}

@compute @workgroup_size(WG)
fn gather_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var p = wg.x * WG + lid; p < sp.rows; p = p + groups.x * WG) {
    let at = out_index[p];
    if (at == NONE) {
      if (sp.first_list == 1u) {
        out_right[p] = NONE;
      }
    } else if (at >= sp.list_first && at - sp.list_first < sp.list_rows) {
      out_right[p] = lists[at - sp.list_first];
    }
  }
}

@compute @workgroup_size(WG)
fn tail_main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var r = wg.x * WG + lid; r < sp.rows; r = r + groups.x * WG) {
    if (unmatched[r] == 0u) {
      continue;
    }
    let p = sp.left_total + tail_offsets[r];
    if (p >= sp.out_first && p - sp.out_first < sp.out_rows) {
      out_left[p - sp.out_first] = NONE;
      out_right[p - sp.out_first] = sp.row_base + r;
    }
  }
}
