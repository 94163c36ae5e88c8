// What the two group-by families (group-by: the hash rounds; group-agg: the aggregates) share:
// the element KIND, the ids' special values, the parameters, the bindings (one layout for every
// entry point, so one bind group serves them all) and the readers of a row's words.
// KIND is the element type of `values` (as in reduce.wgsl): 0 f32, 1 f64, 2 i32, 3 u32 (also
// bool and codes), 4 i64, 5 u64.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const KIND: u32 = {{KIND}}u;
// Row ids: SKIP for a row left out (masked, or no group); FULL flags a full hash table.
const SKIP: u32 = 0xffffffffu;
const FULL: u32 = 0xfffffffeu;

struct Params {
  rows: u32,
  row_base: u32,
  has_validity: u32,
  groups: u32,
  // Hash entries: slots in the table. Aggregates: unused.
  capacity: u32,
  // mask_main: 1 when a mask is bound. min/max and first/last: 0 min/first, 1 max/last.
  op: u32,
  // Always 0: see `opaque` (keeps double-float error terms from being optimized away).
  zero: u32,
  pad0: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read> validity: array<u32>;
@group(0) @binding(2) var<storage, read> prev: array<u32>;
@group(0) @binding(3) var<storage, read_write> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read> aux: array<u32>;
@group(0) @binding(6) var<uniform> params: Params;

// Every entry point uses every binding, so the pipelines' 'auto' layouts all match the one
// bind group the host makes (the branch never runs).
fn touch() {
  if (params.zero == 1u) {
    _ = values[0];
    _ = validity[0];
    _ = prev[0];
    _ = ids[0];
    _ = atomicLoad(&acc[0]);
    _ = aux[0];
  }
}

fn is_valid(i: u32) -> bool {
  if (params.has_validity == 0u) {
    return true;
  }
  return ((validity[i >> 5u] >> (i & 31u)) & 1u) == 1u;
}

fn wide() -> bool {
  return KIND == 1u || KIND == 4u || KIND == 5u;
}

fn lo_word(i: u32) -> u32 {
  if (wide()) {
    return values[2u * i];
  }
  return values[i];
}

fn hi_word(i: u32) -> u32 {
  if (wide()) {
    return values[2u * i + 1u];
  }
  return 0u;
}

fn stride() -> u32 {
  return params.groups * WG;
}
