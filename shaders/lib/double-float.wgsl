// Double-float arithmetic (a value as an unevaluated sum hi + lo of two f32, about 48 bits of
// significand) and 96-bit two's complement integers, shared by the reduce and group-by families
// through `// #include double-float`. No FMA is assumed: every error-free step is written so a
// compiler that fuses or reassociates cannot change it. `opaque` needs `params.zero` (always 0,
// unknown to the compiler) in the including shader.

fn opaque(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) ^ params.zero);
}

fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = opaque(a + b);
  let bb = opaque(s - a);
  let e = (a - opaque(s - bb)) + (b - bb);
  return vec2<f32>(s, e);
}

fn quick_two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = opaque(a + b);
  let e = b - opaque(s - a);
  return vec2<f32>(s, e);
}

fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let t = two_sum(a.y, b.y);
  var r = quick_two_sum(s.x, s.y + t.x);
  r = quick_two_sum(r.x, r.y + t.y);
  return r;
}

// The square of a double-float. The high part is split with a bit mask, not Dekker's
// 4097 trick: the split products are then exact by construction, whatever the compiler does
// with float expressions (llvmpipe broke Dekker's product error even behind `opaque`).
fn df_sqr(a: vec2<f32>) -> vec2<f32> {
  let h = bitcast<f32>(bitcast<u32>(a.x) & 0xfffff000u);
  let l = opaque(a.x - h);
  var r = two_sum(h * h, 2.0 * h * l);
  r = df_add(r, vec2<f32>(l * l, 0.0));
  return df_add(r, vec2<f32>(2.0 * a.x * a.y, 0.0));
}


fn add96(a: vec3<u32>, b: vec3<u32>) -> vec3<u32> {
  let x = a.x + b.x;
  let c0 = select(0u, 1u, x < a.x);
  let y1 = a.y + b.y;
  let c1 = select(0u, 1u, y1 < a.y);
  let y = y1 + c0;
  let c2 = select(0u, 1u, y < y1);
  return vec3<u32>(x, y, a.z + b.z + c1 + c2);
}

// A 96-bit two's complement integer (lo, mid, hi) of magnitude below 2^88 as a double-float,
// from exact pieces: the signed top word times 2^64, then four 16-bit pieces.
fn i96_df(v: vec3<u32>) -> vec2<f32> {
  var s = two_sum(f32(bitcast<i32>(v.z)) * 18446744073709551616.0, f32(v.y >> 16u) * 281474976710656.0);
  s = df_add(s, vec2<f32>(f32(v.y & 0xffffu) * 4294967296.0, 0.0));
  s = df_add(s, vec2<f32>(f32(v.x >> 16u) * 65536.0, 0.0));
  return df_add(s, vec2<f32>(f32(v.x & 0xffffu), 0.0));
}
