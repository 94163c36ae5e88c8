// Matmul family: C = A·B (matmul_store) or C = A·B + C (matmul_accumulate), float32, row-major.
//
// One workgroup computes a BM × BN tile of C: its THREAD_ROWS × THREAD_COLS threads each own a
// 4 × 4 set of outputs, strided by the thread grid (rows ty + i·THREAD_ROWS, columns
// tx + j·THREAD_COLS), so neighbouring threads read neighbouring workgroup-memory words and write
// neighbouring words of C. The inner dimension is walked TILE_K at a time: the workgroup stages a
// BM × TILE_K tile of A (transposed, so a column of it is contiguous) and a TILE_K × BN tile of B
// in workgroup memory, then every thread does 16 fused multiply-adds per staged step. Loads
// outside the window read 0 and stores outside it are skipped, so no size needs to be a multiple
// of a tile.
//
// The host dispatches in windows of at most one binding each (rows × inner × columns of the
// whole product): a, b and c are bound at aligned offsets at or before the window's first
// element, a_base/b_base/c_base elements in; lda is the row stride of A (its full k) and ldn the
// row stride of B and C (their full n). The grid is 1-D: workgroup g takes tile row
// g / tiles_across and tile column g % tiles_across.

const TR: u32 = {{THREAD_ROWS}}u;
const TC: u32 = {{THREAD_COLS}}u;
const WG: u32 = TR * TC;
const TK: u32 = {{TILE_K}}u;
const BM: u32 = TR * 4u;
const BN: u32 = TC * 4u;

struct Params {
  // Rows, inner length and columns of this window.
  rows: u32,
  inner: u32,
  cols: u32,
  lda: u32,
  ldn: u32,
  a_base: u32,
  b_base: u32,
  c_base: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// A's tile transposed: element (row r, step s) at s * BM + r.
var<workgroup> tile_a: array<f32, BM * TK>;
// B's tile: element (step s, column j) at s * BN + j.
var<workgroup> tile_b: array<f32, TK * BN>;

fn stage(lid: u32, row0: u32, col0: u32, k0: u32) {
  for (var e = lid; e < BM * TK; e = e + WG) {
    // Consecutive threads take consecutive steps of one row of A: contiguous global reads.
    let r = e / TK;
    let s = e % TK;
    var v = 0.0;
    if (row0 + r < params.rows && k0 + s < params.inner) {
      v = a[params.a_base + (row0 + r) * params.lda + k0 + s];
    }
    tile_a[s * BM + r] = v;
  }
  for (var e = lid; e < TK * BN; e = e + WG) {
    let s = e / BN;
    let j = e % BN;
    var v = 0.0;
    if (k0 + s < params.inner && col0 + j < params.cols) {
      v = b[params.b_base + (k0 + s) * params.ldn + col0 + j];
    }
    tile_b[e] = v;
  }
}

fn product(lid: u32, group: u32, accumulate: bool) {
  let tiles_across = (params.cols + BN - 1u) / BN;
  let row0 = (group / tiles_across) * BM;
  let col0 = (group % tiles_across) * BN;
  let tx = lid % TC;
  let ty = lid / TC;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < params.inner; k0 = k0 + TK) {
    stage(lid, row0, col0, k0);
    workgroupBarrier();
    for (var s = 0u; s < TK; s = s + 1u) {
      let bs = s * BN + tx;
      let bv = vec4<f32>(tile_b[bs], tile_b[bs + TC], tile_b[bs + 2u * TC], tile_b[bs + 3u * TC]);
      let as_ = s * BM + ty;
      for (var i = 0u; i < 4u; i = i + 1u) {
        acc[i] = fma(vec4<f32>(tile_a[as_ + i * TR]), bv, acc[i]);
      }
    }
    // The next stage overwrites the tiles: every thread must be done reading them.
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i = i + 1u) {
    let row = row0 + ty + i * TR;
    if (row >= params.rows) {
      break;
    }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let col = col0 + tx + j * TC;
      if (col < params.cols) {
        let at = params.c_base + row * params.ldn + col;
        if (accumulate) {
          c[at] = c[at] + acc[i][j];
        } else {
          c[at] = acc[i][j];
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn matmul_store(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  product(lid, wg.x, false);
}

@compute @workgroup_size(WG)
fn matmul_accumulate(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  product(lid, wg.x, true);
}
