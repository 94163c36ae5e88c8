// Filter family: compaction of a table's rows where a bool mask is true (a null mask value
// drops its row), over one input window at a time:
//   count_blocks      per block of BLOCK = WG * ITEMS rows, how many rows survive;
//   (the scan family turns the block counts into each block's first output row)
//   dest_rows         per row, its output row, or NONE when it is dropped;
//   scatter_32 / _64  values of surviving rows to their output rows in one output window;
//   scatter_validity  validity bits likewise (atomicOr: rows from two input windows can share
//                     an output word; the host clears the output bitmap first).
// Output rows are global; a scatter dispatch writes the rows in [out_start, out_start +
// out_rows) — one output window — and the host dispatches each input window once for every
// output window its survivors reach.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const ITEMS: u32 = {{ITEMS}}u;
const BLOCK: u32 = WG * ITEMS;
const NONE: u32 = 0xffffffffu;

struct Params {
  // Rows of this input window.
  rows: u32,
  // Bit of row 0 in the mask's (count_blocks, dest_rows) or the column's (scatter_validity)
  // bitmap, and whether that bitmap exists (without one, every row is valid).
  bit_offset: u32,
  has_validity: u32,
  // Word of counts/offsets that block 0 of this window maps to.
  base: u32,
  blocks: u32,
  // Workgroups dispatched: the grid stride.
  groups: u32,
  out_start: u32,
  out_rows: u32,
}

@group(0) @binding(0) var<storage, read> mask: array<u32>;
@group(0) @binding(1) var<storage, read> mask_validity: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> dest: array<u32>;
@group(0) @binding(5) var<storage, read> row_dest: array<u32>;
@group(0) @binding(6) var<storage, read> src32: array<u32>;
@group(0) @binding(7) var<storage, read_write> dst32: array<u32>;
@group(0) @binding(8) var<storage, read> src64: array<vec2<u32>>;
@group(0) @binding(9) var<storage, read_write> dst64: array<vec2<u32>>;
@group(0) @binding(10) var<storage, read> src_bits: array<u32>;
@group(0) @binding(11) var<storage, read_write> dst_bits: array<atomic<u32>>;
@group(0) @binding(12) var<uniform> params: Params;

var<workgroup> lanes: array<u32, WG>;

// The exclusive prefix of v over the workgroup's threads (Hillis-Steele in workgroup memory),
// and in .y the workgroup's total. Every thread must call it (it has barriers).
fn workgroup_scan(lid: u32, v: u32) -> vec2<u32> {
  lanes[lid] = v;
  workgroupBarrier();
  for (var step = 1u; step < WG; step = step * 2u) {
    var t = 0u;
    if (lid >= step) {
      t = lanes[lid - step];
    }
    workgroupBarrier();
    lanes[lid] = lanes[lid] + t;
    workgroupBarrier();
  }
  let inclusive = lanes[lid];
  let total = lanes[WG - 1u];
  workgroupBarrier();
  return vec2<u32>(inclusive - v, total);
}

// 1 when row i of the window exists, its mask value is valid and true.
fn keep(i: u32) -> u32 {
  if (i >= params.rows) {
    return 0u;
  }
  if (params.has_validity != 0u) {
    let b = params.bit_offset + i;
    if (((mask_validity[b >> 5u] >> (b & 31u)) & 1u) == 0u) {
      return 0u;
    }
  }
  return select(0u, 1u, mask[i] != 0u);
}

@compute @workgroup_size(WG)
fn count_blocks(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  for (var b = wg.x; b < params.blocks; b = b + params.groups) {
    let first = b * BLOCK + lid * ITEMS;
    var c = 0u;
    for (var k = 0u; k < ITEMS; k = k + 1u) {
      c = c + keep(first + k);
    }
    let r = workgroup_scan(lid, c);
    if (lid == 0u) {
      counts[params.base + b] = r.y;
    }
  }
}

@compute @workgroup_size(WG)
fn dest_rows(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  for (var b = wg.x; b < params.blocks; b = b + params.groups) {
    let first = b * BLOCK + lid * ITEMS;
    var flags: array<u32, ITEMS>;
    var c = 0u;
    for (var k = 0u; k < ITEMS; k = k + 1u) {
      flags[k] = keep(first + k);
      c = c + flags[k];
    }
    let r = workgroup_scan(lid, c);
    var at = offsets[params.base + b] + r.x;
    for (var k = 0u; k < ITEMS; k = k + 1u) {
      let i = first + k;
      if (i < params.rows) {
        dest[i] = select(NONE, at, flags[k] == 1u);
      }
      at = at + flags[k];
    }
  }
}

// The row of the output window that input row i goes to, or NONE when it goes elsewhere.
fn out_row(i: u32) -> u32 {
  let d = row_dest[i];
  // NONE - out_start is never below out_rows: a window never ends at 2^32 - 1.
  if (d < params.out_start || d - params.out_start >= params.out_rows) {
    return NONE;
  }
  return d - params.out_start;
}

@compute @workgroup_size(WG)
fn scatter_32(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.rows; i = i + params.groups * WG) {
    let o = out_row(i);
    if (o != NONE) {
      dst32[o] = src32[i];
    }
  }
}

@compute @workgroup_size(WG)
fn scatter_64(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.rows; i = i + params.groups * WG) {
    let o = out_row(i);
    if (o != NONE) {
      dst64[o] = src64[i];
    }
  }
}

@compute @workgroup_size(WG)
fn scatter_validity(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.rows; i = i + params.groups * WG) {
    let o = out_row(i);
    let b = params.bit_offset + i;
    // A source window without a bitmap (has_validity 0) has every row valid.
    if (o != NONE && (params.has_validity == 0u || ((src_bits[b >> 5u] >> (b & 31u)) & 1u) == 1u)) {
      atomicOr(&dst_bits[o >> 5u], 1u << (o & 31u));
    }
  }
}
