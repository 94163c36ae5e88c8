// Scan family: an in-place exclusive prefix sum of u32 words, reduce-then-scan (no decoupled
// look-back: that needs forward-progress guarantees WebGPU does not give).
//
// The host splits the words into blocks of BLOCK = WG * ITEMS and runs, per level:
//   scan_reduce  one workgroup per block writes the block's sum to the next level's words;
//   scan_top     one workgroup scans the last level (at most BLOCK words) and writes the total;
//   scan_add     one workgroup per block scans it in place, starting from its (scanned) sum.
// A level larger than one binding is dispatched in windows: `data` is bound at the window's
// first word (a multiple of BLOCK, so the offset is aligned), `sums` at an aligned word at or
// before the window's first sum, `sums_base` words in.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const ITEMS: u32 = {{ITEMS}}u;
const BLOCK: u32 = WG * ITEMS;

struct Params {
  // Words of `data` in this window.
  n: u32,
  // Word of `sums` that block 0 of this window maps to.
  sums_base: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

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
  // A later call overwrites lanes: every thread must have read its words first.
  workgroupBarrier();
  return vec2<u32>(inclusive - v, total);
}

fn load(i: u32) -> u32 {
  if (i < params.n) {
    return data[i];
  }
  return 0u;
}

// Scans block `block` of the window in place, from `start`; returns the block's total.
fn scan_block(lid: u32, block: u32, start: u32) -> u32 {
  let first = block * BLOCK + lid * ITEMS;
  var items: array<u32, ITEMS>;
  var s = 0u;
  for (var k = 0u; k < ITEMS; k = k + 1u) {
    items[k] = load(first + k);
    s = s + items[k];
  }
  let r = workgroup_scan(lid, s);
  var run = start + r.x;
  for (var k = 0u; k < ITEMS; k = k + 1u) {
    if (first + k < params.n) {
      data[first + k] = run;
    }
    run = run + items[k];
  }
  return r.y;
}

@compute @workgroup_size(WG)
fn scan_reduce(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let first = wg.x * BLOCK + lid * ITEMS;
  var s = 0u;
  for (var k = 0u; k < ITEMS; k = k + 1u) {
    s = s + load(first + k);
  }
  let r = workgroup_scan(lid, s);
  if (lid == 0u) {
    sums[params.sums_base + wg.x] = r.y;
  }
}

@compute @workgroup_size(WG)
fn scan_top(@builtin(local_invocation_index) lid: u32) {
  let total = scan_block(lid, 0u, 0u);
  if (lid == 0u) {
    sums[params.sums_base] = total;
  }
}

@compute @workgroup_size(WG)
fn scan_add(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let start = sums[params.sums_base + wg.x];
  _ = scan_block(lid, wg.x, start);
}
