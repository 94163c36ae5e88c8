// Array reduction family: one thread folds one segment (up to L consecutive reduced elements)
// of one cell (a position left after the reduction) of a block, and writes the segment's
// partial; the host merges segments and blocks in float64. The block's kept and reduced
// dimensions (padded to 4, size 1 and stride 0 where absent) come in `geom`; element r of cell
// c is at kept_offset(c) + reduced_offset(r). T is the element type, OP the operation:
// 0 sum, 1 moments (sum and M2 about the segment's mean), 2 min, 3 max, 4 argmin, 5 argmax.
// Sums are compensated (Kahan) in f32. NaN wins min/max; ties keep the first element.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const OP: u32 = {{OP}}u;

struct Geometry {
  kept_sizes: vec4<u32>,
  kept_strides: vec4<u32>,
  red_sizes: vec4<u32>,
  red_strides: vec4<u32>,
}

struct Params {
  // Reduced elements per cell, per segment, and segments per cell.
  r: u32,
  l: u32,
  s: u32,
  threads: u32,
  in_base: u32,
  out_base: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<storage, read> input: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> out_a: array<{{T}}>;
@group(0) @binding(2) var<storage, read_write> out_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out_i: array<u32>;
@group(0) @binding(4) var<uniform> geom: Geometry;
@group(0) @binding(5) var<uniform> params: Params;

fn offset(v: u32, sizes: vec4<u32>, strides: vec4<u32>) -> u32 {
  var rem = v;
  var off = 0u;
  for (var d = 3i; d >= 0i; d = d - 1i) {
    off = off + (rem % sizes[d]) * strides[d];
    rem = rem / sizes[d];
  }
  return off;
}

fn is_nan(x: {{T}}) -> bool {
  return {{IS_NAN}};
}

fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn at(cell_off: u32, r: u32) -> {{T}} {
  return input[params.in_base + cell_off + offset(r, geom.red_sizes, geom.red_strides)];
}

@compute @workgroup_size(WG)
fn reduce_segments(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= params.threads) {
    return;
  }
  let cell = t / params.s;
  let first = (t % params.s) * params.l;
  let last = min(first + params.l, params.r);
  let cell_off = offset(cell, geom.kept_sizes, geom.kept_strides);
  let o = params.out_base + t;
  if (OP <= 1u) {
    var sum = 0.0;
    var comp = 0.0;
    for (var r = first; r < last; r = r + 1u) {
      let y = f32(at(cell_off, r)) - comp;
      let next = sum + y;
      // Once the sum is infinite (or NaN) the compensation would turn it into NaN: drop it.
      comp = select(0.0, (next - sum) - y, finite(next));
      sum = next;
    }
    out_a[o] = {{T}}(sum);
    if (OP == 1u) {
      let mean = sum / f32(last - first);
      var m2 = 0.0;
      for (var r = first; r < last; r = r + 1u) {
        let d = f32(at(cell_off, r)) - mean;
        m2 = m2 + d * d;
      }
      out_b[o] = m2;
    }
    return;
  }
  var best = at(cell_off, first);
  var where_at = first;
  for (var r = first + 1u; r < last; r = r + 1u) {
    if (is_nan(best)) {
      break;
    }
    let x = at(cell_off, r);
    var better = x < best;
    if (OP == 3u || OP == 5u) {
      better = x > best;
    }
    if (is_nan(x) || better) {
      best = x;
      where_at = r;
    }
  }
  out_a[o] = best;
  out_i[o] = cell_off + offset(where_at, geom.red_sizes, geom.red_strides);
}
