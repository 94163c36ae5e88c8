// Array elementwise family: one fused chain of elementwise operations per kernel. The host
// renders INPUTS (one read-only binding and one load function per operand), EXPR (the
// chain for element i, from array-wgsl.ts) and OUT_TYPE. Each thread writes one element of
// the output window; operands broadcast through their strides (0 along a broadcast dimension)
// over the output's shape, padded to 4 dimensions.
//
// Windows: the output (and each operand shaped like it) is bound from an aligned element at or
// before the window's first, `out_base` elements in; an operand bound whole has origin 0, one
// bound per window has origin = w0 - its base, so its element is at (offset - origin).

const WG: u32 = {{WORKGROUP_SIZE}}u;

struct Shape {
  dims: vec4<u32>,
  strides: array<vec4<u32>, 5>,
}

struct Params {
  count: u32,
  w0: u32,
  out_base: u32,
  o0: u32,
  o1: u32,
  o2: u32,
  o3: u32,
  o4: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<{{OUT_TYPE}}>;
@group(0) @binding(1) var<uniform> shape: Shape;
@group(0) @binding(2) var<uniform> params: Params;

// The operand offset of output element i, for an operand with element strides s.
fn offset_of(i: u32, s: vec4<u32>) -> u32 {
  var rem = i;
  var off = 0u;
  for (var d = 3i; d >= 0i; d = d - 1i) {
    let n = shape.dims[d];
    off = off + (rem % n) * s[d];
    rem = rem / n;
  }
  return off;
}

fn ew_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn ew_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// A float from its bits. Through a parameter, so it is never a constant expression: constant
// evaluation rejects NaN and infinity.
fn ew_f32(bits: u32) -> f32 { return bitcast<f32>(bits); }
fn ew_nan() -> f32 { return ew_f32(0x7fc00000u); }
fn ew_inf() -> f32 { return ew_f32(0x7f800000u); }
fn ew_truthy(x: f32) -> bool { return ew_isnan(x) || x != 0.0; }
fn ew_eq(a: f32, b: f32) -> bool { return !ew_isnan(a) && !ew_isnan(b) && a == b; }
fn ew_ne(a: f32, b: f32) -> bool { return !ew_eq(a, b); }
fn ew_lt(a: f32, b: f32) -> bool { return !ew_isnan(a) && !ew_isnan(b) && a < b; }
fn ew_le(a: f32, b: f32) -> bool { return !ew_isnan(a) && !ew_isnan(b) && a <= b; }
fn ew_gt(a: f32, b: f32) -> bool { return !ew_isnan(a) && !ew_isnan(b) && a > b; }
fn ew_ge(a: f32, b: f32) -> bool { return !ew_isnan(a) && !ew_isnan(b) && a >= b; }
fn ew_max(a: f32, b: f32) -> f32 { return select(max(a, b), ew_nan(), ew_isnan(a) || ew_isnan(b)); }
fn ew_min(a: f32, b: f32) -> f32 { return select(min(a, b), ew_nan(), ew_isnan(a) || ew_isnan(b)); }
fn ew_sqrt(x: f32) -> f32 { return select(sqrt(x), ew_nan(), x < 0.0 || ew_isnan(x)); }
// The builtins below are not required to carry NaN and infinity through (llvmpipe's tanh(NaN)
// is -1), so the special values are routed around them.
fn ew_special(x: f32) -> bool { return ew_isnan(x) || ew_isinf(x); }
fn ew_tanh(x: f32) -> f32 {
  if (ew_isnan(x)) { return x; }
  return select(tanh(x), sign(x), abs(x) > 20.0);
}
fn ew_exp(x: f32) -> f32 {
  if (ew_isnan(x)) { return x; }
  if (ew_isinf(x)) { return select(ew_inf(), 0.0, x < 0.0); }
  return exp(x);
}
fn ew_sin(x: f32) -> f32 { return select(sin(x), ew_nan(), ew_special(x)); }
fn ew_cos(x: f32) -> f32 { return select(cos(x), ew_nan(), ew_special(x)); }
fn ew_floor(x: f32) -> f32 { return select(floor(x), x, ew_special(x)); }
fn ew_ceil(x: f32) -> f32 { return select(ceil(x), x, ew_special(x)); }
fn ew_round(x: f32) -> f32 { return select(round(x), x, ew_special(x)); }

fn ew_log(x: f32) -> f32 {
  if (ew_isnan(x) || x < 0.0) { return ew_nan(); }
  if (x == 0.0) { return -ew_inf(); }
  return log(x);
}

// numpy's remainder: the sign of the divisor; a finite value mod ±inf keeps the value.
fn ew_fmod(a: f32, b: f32) -> f32 {
  if (ew_isnan(a) || ew_isnan(b) || ew_isinf(a) || b == 0.0) { return ew_nan(); }
  var r = a;
  if (!ew_isinf(b)) { r = a - b * trunc(a / b); }
  if (r == 0.0) { return select(0.0, bitcast<f32>(0x80000000u), b < 0.0); }
  if ((r < 0.0) != (b < 0.0)) { r = r + b; }
  return r;
}

fn ew_imod(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  var r = a % b;
  if (r != 0i && ((r < 0i) != (b < 0i))) { r = r + b; }
  return r;
}

// C's pow: 1 for x^0 and 1^y, real results for negative bases with integer exponents.
fn ew_pow(a: f32, b: f32) -> f32 {
  if (a == 1.0 || b == 0.0) { return 1.0; }
  if (a == -1.0 && ew_isinf(b)) { return 1.0; }
  if (ew_isnan(a) || ew_isnan(b)) { return ew_nan(); }
  let odd = !ew_isinf(b) && abs(b) < 16777216.0 && (i32(b) % 2i) != 0i;
  if (a == 0.0) {
    let negative_zero = (bitcast<u32>(a) & 0x80000000u) != 0u;
    if (b < 0.0) { return select(ew_inf(), -ew_inf(), odd && negative_zero); }
    return select(0.0, a, odd);
  }
  if (a < 0.0) {
    if (!ew_isinf(a) && !ew_isinf(b) && floor(b) != b) { return ew_nan(); }
    let m = pow(-a, b);
    return select(m, -m, odd);
  }
  return pow(a, b);
}

{{INPUTS}}

@compute @workgroup_size(WG)
fn elementwise(@builtin(global_invocation_id) gid: vec3<u32>) {
  let local = gid.x;
  if (local >= params.count) {
    return;
  }
  let i = params.w0 + local;
  out[params.out_base + local] = {{EXPR}};
}
