// Join family, the right rows' lists: a stable LSD radix sort of the right rows by their slot
// (see src/gpu/kernels/join/right-lists.ts). Sorted stably by slot, the rows of one slot are
// in ascending row order and lie exactly where the scanned slot counts say its list starts, so
// a left row's matches come out in right row order without sorting the output.
//
// One pass per digit of `radix` values (a power of two, at most WG), each over blocks of WG
// elements, one element per thread:
//   sort_hist     per block, how many of its elements have each digit: hist[block * radix + d]
//                 (block-major, so a window of blocks is one range of words);
//   sort_columns  per digit, the exclusive sum over blocks, serially, one window of blocks per
//                 dispatch, carrying each digit's running total in `carry` across dispatches;
//   sort_digits   the digits' totals in `carry` become their exclusive prefix (digit starts);
//   sort_scatter  each element goes to carry[d] + hist[block, d] + its rank among the block's
//                 earlier elements of digit d: stable. The rank is a population count of the
//                 lanes below it in its digit's lane mask (WG bits a digit, in workgroup memory),
//                 a few words instead of a walk over every earlier lane.
// The first pass reads the rows themselves (`from_rows`): the element is the row, its key the
// row's slot, and rows with no slot (null keys) are left out. Later passes read (key, row)
// pairs. A scatter dispatch writes only the elements whose destination falls in its window of
// the output, so the host dispatches each source window once per output window.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const NONE: u32 = 0xffffffffu;
// flags
const FROM_ROWS: u32 = 1u;
const WRITE_KEYS: u32 = 2u;

struct Params {
  // Elements in this source window (sort_columns: blocks in this window of hist).
  n: u32,
  // The source window's first element: with FROM_ROWS, its row.
  first: u32,
  flags: u32,
  // This pass's digit of a key: (key >> shift) & (radix - 1).
  shift: u32,
  radix: u32,
  // Word of `hist` that this window's block 0 maps to (hist is bound at an aligned offset).
  hist_base: u32,
  // sort_scatter: the output window's first element and its length.
  dst_first: u32,
  dst_n: u32,
}

@group(0) @binding(0) var<storage, read> src_keys: array<u32>;
@group(0) @binding(1) var<storage, read> src_rows: array<u32>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;
@group(0) @binding(3) var<storage, read_write> carry: array<u32>;
@group(0) @binding(4) var<storage, read_write> dst_keys: array<u32>;
@group(0) @binding(5) var<storage, read_write> dst_rows: array<u32>;
@group(0) @binding(6) var<uniform> params: Params;

// WG is at most 256 (src/gpu/acquire-gpu.ts): the masks take at most 8 KiB of workgroup memory.
const MAX_RADIX: u32 = min(256u, WG);
const MASK_WORDS: u32 = max(WG / 32u, 1u);

var<workgroup> counters: array<atomic<u32>, WG>;
// Per digit, which lanes of the block hold it: bit (lane & 31) of word d * MASK_WORDS + lane / 32.
var<workgroup> masks: array<atomic<u32>, MAX_RADIX * MASK_WORDS>;

// Element i's digit, or `radix` when there is no element (past the window, or a null key).
fn digit_of(i: u32) -> u32 {
  if (i >= params.n) {
    return params.radix;
  }
  let k = src_keys[i];
  if (k == NONE) {
    return params.radix;
  }
  return (k >> params.shift) & (params.radix - 1u);
}

@compute @workgroup_size(WG)
fn sort_hist(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  atomicStore(&counters[lid], 0u);
  workgroupBarrier();
  let d = digit_of(wg.x * WG + lid);
  if (d < params.radix) {
    atomicAdd(&counters[d], 1u);
  }
  workgroupBarrier();
  if (lid < params.radix) {
    hist[params.hist_base + wg.x * params.radix + lid] = atomicLoad(&counters[lid]);
  }
}

@compute @workgroup_size(WG)
fn sort_columns(@builtin(local_invocation_index) lid: u32) {
  if (lid >= params.radix) {
    return;
  }
  var run = carry[lid];
  for (var b = 0u; b < params.n; b = b + 1u) {
    let at = params.hist_base + b * params.radix + lid;
    let v = hist[at];
    hist[at] = run;
    run = run + v;
  }
  carry[lid] = run;
}

@compute @workgroup_size(WG)
fn sort_digits(@builtin(local_invocation_index) lid: u32) {
  // At most 256 digits: one thread's loop is cheaper than a workgroup scan's barriers.
  if (lid != 0u) {
    return;
  }
  var run = 0u;
  for (var d = 0u; d < params.radix; d = d + 1u) {
    let v = carry[d];
    carry[d] = run;
    run = run + v;
  }
}

@compute @workgroup_size(WG)
fn sort_scatter(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  for (var k = lid; k < params.radix * MASK_WORDS; k = k + WG) {
    atomicStore(&masks[k], 0u);
  }
  workgroupBarrier();
  let i = wg.x * WG + lid;
  let d = digit_of(i);
  let word = lid / 32u;
  let bit = 1u << (lid & 31u);
  if (d < params.radix) {
    atomicOr(&masks[d * MASK_WORDS + word], bit);
  }
  workgroupBarrier();
  if (d >= params.radix) {
    return;
  }
  var rank = countOneBits(atomicLoad(&masks[d * MASK_WORDS + word]) & (bit - 1u));
  for (var k = 0u; k < word; k = k + 1u) {
    rank = rank + countOneBits(atomicLoad(&masks[d * MASK_WORDS + k]));
  }
  let dest = carry[d] + hist[params.hist_base + wg.x * params.radix + d] + rank;
  if (dest < params.dst_first || dest - params.dst_first >= params.dst_n) {
    return;
  }
  var row = params.first + i;
  if ((params.flags & FROM_ROWS) == 0u) {
    row = src_rows[i];
  }
  dst_rows[dest - params.dst_first] = row;
  if ((params.flags & WRITE_KEYS) != 0u) {
    dst_keys[dest - params.dst_first] = src_keys[i];
  }
}
