// Radix-sort family: one stable pass of a least-significant-digit radix sort over 4-bit digits,
// on records of STRIDE u32 words (the key's words, low word first, then the row number the
// record came from). The host runs, per digit that varies:
//   radix_histogram  per tile of WG * items records, how many have each digit value, written
//                    digit-major: counts[d * tiles + tile];
//   (the scan family turns the counts into each (digit, tile)'s first output record: all of
//   digit 0's tiles first, then digit 1's, ..., which is the stable order)
//   radix_scatter    each record to its tile's first place for its digit plus its rank among
//                    the tile's earlier records with that digit.
// The rank needs no subgroup operations: each thread takes `items` consecutive records of the
// tile, counts its digits (two 16-bit counts per u32, so the 16 counts fit in 8 words: a tile
// holds at most 65535 records), and one workgroup prefix sum over the threads (Hillis-Steele
// in workgroup memory, on two vec4 per thread) gives every thread, for every digit, how many of
// the tile's earlier threads' records have it; the thread then walks its records in order.
//
// A window is one binding of input records (whole tiles, at an aligned offset) and one of
// output records; every (input window, output window) pair is dispatched and a record is
// written only when its place falls in the bound output window. A tile whose 16 destination
// ranges all miss the output window skips its work.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const STRIDE: u32 = {{STRIDE}}u;
const DIGITS: u32 = 16u;

struct Params {
  // Records in this input window.
  rows: u32,
  // Tile number (over the whole input) of the window's first tile.
  tile_base: u32,
  // Tiles in the whole input: digit d's counts are words [d * tiles, (d + 1) * tiles).
  tiles: u32,
  // Records per thread; a tile is WG * items records.
  items: u32,
  // The digit: bits [4 * (digit & 7), 4 * (digit & 7) + 4) of key word digit >> 3.
  digit: u32,
  // Workgroups dispatched: the grid stride over the window's tiles.
  groups: u32,
  // The output records the bound output window holds: [out_start, out_start + out_rows).
  out_start: u32,
  out_rows: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> counts: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;
@group(0) @binding(4) var<uniform> params: Params;

var<workgroup> lanes_a: array<vec4<u32>, WG>;
var<workgroup> lanes_b: array<vec4<u32>, WG>;
var<workgroup> starts: array<u32, DIGITS>;
var<workgroup> ends: array<u32, DIGITS>;
var<workgroup> reaches: u32;

fn digit_of(i: u32) -> u32 {
  let word = src[i * STRIDE + (params.digit >> 3u)];
  return (word >> ((params.digit & 7u) * 4u)) & 15u;
}

// Digit counts of records [first, last): digit d in bits 16 * (d & 1) of word d >> 1.
fn thread_counts(first: u32, last: u32) -> array<u32, 8> {
  var c: array<u32, 8>;
  for (var i = first; i < last; i = i + 1u) {
    let d = digit_of(i);
    c[d >> 1u] = c[d >> 1u] + (1u << ((d & 1u) * 16u));
  }
  return c;
}

struct Scanned {
  // Packed counts of the threads below this one (exclusive prefix).
  below: array<u32, 8>,
  // Packed counts of the whole tile.
  total: array<u32, 8>,
}

// Exclusive prefix sums over the workgroup's threads of eight packed count words. Every thread
// must call it (it has barriers). The 16-bit halves never carry: a tile has < 65536 records.
fn workgroup_scan(lid: u32, c: array<u32, 8>) -> Scanned {
  let a = vec4<u32>(c[0], c[1], c[2], c[3]);
  let b = vec4<u32>(c[4], c[5], c[6], c[7]);
  lanes_a[lid] = a;
  lanes_b[lid] = b;
  workgroupBarrier();
  for (var step = 1u; step < WG; step = step * 2u) {
    var ta = vec4<u32>(0u);
    var tb = vec4<u32>(0u);
    if (lid >= step) {
      ta = lanes_a[lid - step];
      tb = lanes_b[lid - step];
    }
    workgroupBarrier();
    lanes_a[lid] = lanes_a[lid] + ta;
    lanes_b[lid] = lanes_b[lid] + tb;
    workgroupBarrier();
  }
  let ia = lanes_a[lid] - a;
  let ib = lanes_b[lid] - b;
  let sa = lanes_a[WG - 1u];
  let sb = lanes_b[WG - 1u];
  // A later call overwrites the lanes: every thread must have read them first.
  workgroupBarrier();
  return Scanned(
    array<u32, 8>(ia.x, ia.y, ia.z, ia.w, ib.x, ib.y, ib.z, ib.w),
    array<u32, 8>(sa.x, sa.y, sa.z, sa.w, sb.x, sb.y, sb.z, sb.w),
  );
}

fn unpack(packed: array<u32, 8>, d: u32) -> u32 {
  // A runtime index needs a memory view, not a value.
  var p = packed;
  return (p[d >> 1u] >> ((d & 1u) * 16u)) & 0xffffu;
}

@compute @workgroup_size(WG)
fn radix_histogram(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let tile_rows = WG * params.items;
  let tiles_here = (params.rows + tile_rows - 1u) / tile_rows;
  for (var t = wg.x; t < tiles_here; t = t + params.groups) {
    let first = t * tile_rows + lid * params.items;
    let s = workgroup_scan(lid, thread_counts(first, min(first + params.items, params.rows)));
    if (lid < DIGITS) {
      counts[lid * params.tiles + params.tile_base + t] = unpack(s.total, lid);
    }
  }
}

@compute @workgroup_size(WG)
fn radix_scatter(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let tile_rows = WG * params.items;
  let tiles_here = (params.rows + tile_rows - 1u) / tile_rows;
  let out_end = params.out_start + params.out_rows;
  for (var t = wg.x; t < tiles_here; t = t + params.groups) {
    // (digit, tile)'s places run to the next (digit, tile)'s first place; the host leaves the
    // record count after the last one.
    if (lid < DIGITS) {
      let at = lid * params.tiles + params.tile_base + t;
      starts[lid] = offsets[at];
      ends[lid] = offsets[at + 1u];
    }
    workgroupBarrier();
    if (lid == 0u) {
      var hit = 0u;
      for (var d = 0u; d < DIGITS; d = d + 1u) {
        if (starts[d] < ends[d] && starts[d] < out_end && ends[d] > params.out_start) {
          hit = 1u;
        }
      }
      reaches = hit;
    }
    if (workgroupUniformLoad(&reaches) == 0u) {
      continue;
    }
    let first = t * tile_rows + lid * params.items;
    let last = min(first + params.items, params.rows);
    var below = workgroup_scan(lid, thread_counts(first, last)).below;
    for (var i = first; i < last; i = i + 1u) {
      let d = digit_of(i);
      let shift = (d & 1u) * 16u;
      let place = starts[d] + ((below[d >> 1u] >> shift) & 0xffffu);
      below[d >> 1u] = below[d >> 1u] + (1u << shift);
      if (place >= params.out_start && place < out_end) {
        let o = (place - params.out_start) * STRIDE;
        let at = i * STRIDE;
        for (var k = 0u; k < STRIDE; k = k + 1u) {
          dst[o + k] = src[at + k];
        }
      }
    }
    // The next tile rewrites starts and ends only once every thread has placed its records.
    workgroupBarrier();
  }
}
