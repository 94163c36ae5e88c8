// IEEE binary64 in integer arithmetic on vec2<u32> bits (round to nearest even, subnormals
// kept): classification, add, subtract, multiply, divide, remainder, sqrt, rounding and
// comparison, bit for bit as the CPU's doubles. Pure functions on top of `u64` (included here).

// #include u64

// A finite nonzero float64 split into its significand (bit 52 set) and exponent: the value
// is mag * 2^(e - 1075). Subnormals are normalized, so e may be below 1.
struct Unpacked {
  m: vec2<u32>,
  e: i32,
}



fn f64_exp(a: vec2<u32>) -> u32 { return (a.y >> 20u) & 0x7ffu; }
fn f64_frac(a: vec2<u32>) -> vec2<u32> { return vec2<u32>(a.x, a.y & 0xfffffu); }
fn f64_is_nan(a: vec2<u32>) -> bool { return f64_exp(a) == 0x7ffu && !u64_is_zero(f64_frac(a)); }
fn f64_is_inf(a: vec2<u32>) -> bool { return f64_exp(a) == 0x7ffu && u64_is_zero(f64_frac(a)); }
fn f64_is_zero(a: vec2<u32>) -> bool { return a.x == 0u && (a.y & 0x7fffffffu) == 0u; }

fn f64_unpack(a: vec2<u32>) -> Unpacked {
  let e = f64_exp(a);
  let m = f64_frac(a);
  if (e != 0u) { return Unpacked(vec2<u32>(m.x, m.y | 0x100000u), i32(e)); }
  let sh = u64_clz(m) - 11u;
  return Unpacked(u64_shl(m, sh), 1 - i32(sh));
}

// Rounds and packs sign s, exponent e and significand x, where x carries 10 bits below the
// last one kept (bit 0 sticky) and its leading bit at bit 62 (lower only when e is 1).
fn f64_pack(s: u32, e_in: i32, x_in: vec2<u32>) -> vec2<u32> {
  var e = e_in;
  var x = x_in;
  if (e < 1) {
    x = u64_shr_jam(x, u32(1 - e));
    e = 1;
  }
  let rb = x.x & 0x3ffu;
  x = u64_shr(x, 10u);
  if (rb > 0x200u || (rb == 0x200u && (x.x & 1u) == 1u)) {
    x = u64_add(x, vec2<u32>(1u, 0u));
  }
  if (x.y >= 0x200000u) {
    x = u64_shr(x, 1u);
    e = e + 1;
  }
  if (e >= 2047) { return vec2<u32>(0u, s | 0x7ff00000u); }
  if (x.y < 0x100000u) { return vec2<u32>(x.x, s | x.y); }
  return vec2<u32>(x.x, s | (u32(e) << 20u) | (x.y & 0xfffffu));
}

fn f64_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a) || f64_is_nan(b)) { return F64_NAN; }
  let sa = a.y & SIGN;
  let sb = b.y & SIGN;
  if (f64_is_inf(a)) {
    if (f64_is_inf(b) && sa != sb) { return F64_NAN; }
    return a;
  }
  if (f64_is_inf(b)) { return b; }
  if (f64_is_zero(a)) {
    if (f64_is_zero(b)) { return vec2<u32>(0u, sa & sb); }
    return b;
  }
  if (f64_is_zero(b)) { return a; }
  var ma = f64_frac(a);
  var mb = f64_frac(b);
  var ea = i32(f64_exp(a));
  var eb = i32(f64_exp(b));
  if (ea == 0) { ea = 1; } else { ma.y = ma.y | 0x100000u; }
  if (eb == 0) { eb = 1; } else { mb.y = mb.y | 0x100000u; }
  var s = sa;
  if (eb > ea || (eb == ea && u64_lt(ma, mb))) {
    let tm = ma; ma = mb; mb = tm;
    let te = ea; ea = eb; eb = te;
    s = sb;
  }
  let xa = u64_shl(ma, 10u);
  let xb = u64_shr_jam(u64_shl(mb, 10u), u32(ea - eb));
  var e = ea;
  var x: vec2<u32>;
  if (sa == sb) {
    x = u64_add(xa, xb);
    if ((x.y & SIGN) != 0u) {
      x = u64_shr_jam(x, 1u);
      e = e + 1;
    }
  } else {
    x = u64_sub(xa, xb);
    if (u64_is_zero(x)) { return vec2<u32>(0u, 0u); }
    let sh = min(i32(u64_clz(x)) - 1, e - 1);
    x = u64_shl(x, u32(sh));
    e = e - sh;
  }
  return f64_pack(s, e, x);
}

fn f64_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return f64_add(a, vec2<u32>(b.x, b.y ^ SIGN));
}

fn f64_mul(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a) || f64_is_nan(b)) { return F64_NAN; }
  let s = (a.y ^ b.y) & SIGN;
  let zero = f64_is_zero(a) || f64_is_zero(b);
  if (f64_is_inf(a) || f64_is_inf(b)) {
    if (zero) { return F64_NAN; }
    return vec2<u32>(0u, s | 0x7ff00000u);
  }
  if (zero) { return vec2<u32>(0u, s); }
  let ua = f64_unpack(a);
  let ub = f64_unpack(b);
  let p = mul_128(ua.m, ub.m);
  var e = ua.e + ub.e - 1023;
  var r = 10u;
  if ((p.w & 0x200u) != 0u) {
    r = 11u;
    e = e + 1;
  }
  // p >> (32 + r), the top at bit 62, and a sticky bit for what fell off.
  var x = vec2<u32>((p.y >> r) | (p.z << (32u - r)), (p.z >> r) | (p.w << (32u - r)));
  let lost = p.x != 0u || (p.y & ((1u << r) - 1u)) != 0u;
  x.x = x.x | select(0u, 1u, lost);
  return f64_pack(s, e, x);
}

fn f64_div(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a) || f64_is_nan(b)) { return F64_NAN; }
  let s = (a.y ^ b.y) & SIGN;
  if (f64_is_inf(a)) {
    if (f64_is_inf(b)) { return F64_NAN; }
    return vec2<u32>(0u, s | 0x7ff00000u);
  }
  if (f64_is_inf(b)) { return vec2<u32>(0u, s); }
  if (f64_is_zero(b)) {
    if (f64_is_zero(a)) { return F64_NAN; }
    return vec2<u32>(0u, s | 0x7ff00000u);
  }
  if (f64_is_zero(a)) { return vec2<u32>(0u, s); }
  let ua = f64_unpack(a);
  let ub = f64_unpack(b);
  var r = ua.m;
  var e = ua.e - ub.e + 1023;
  if (u64_lt(r, ub.m)) {
    r = u64_shl(r, 1u);
    e = e - 1;
  }
  var q = vec2<u32>(0u, 0u);
  for (var k = 0u; k < 63u; k = k + 1u) {
    q = u64_shl(q, 1u);
    if (!u64_lt(r, ub.m)) {
      r = u64_sub(r, ub.m);
      q.x = q.x | 1u;
    }
    r = u64_shl(r, 1u);
  }
  q.x = q.x | select(0u, 1u, !u64_is_zero(r));
  return f64_pack(s, e, q);
}

fn u128_lt(a: vec4<u32>, b: vec4<u32>) -> bool {
  if (a.w != b.w) { return a.w < b.w; }
  if (a.z != b.z) { return a.z < b.z; }
  return u64_lt(a.xy, b.xy);
}

fn u128_sub(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
  let lo = u64_sub(a.xy, b.xy);
  let borrow = select(0u, 1u, u64_lt(a.xy, b.xy));
  let hi = u64_sub(u64_sub(a.zw, b.zw), vec2<u32>(borrow, 0u));
  return vec4<u32>(lo, hi);
}

// The correctly rounded square root (Math.sqrt): the integer square root of the significand
// shifted to 126 bits gives 63 bits of root, and the remainder the sticky bit.
fn f64_sqrt(a: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a)) { return F64_NAN; }
  if (f64_is_zero(a)) { return a; }
  if ((a.y & SIGN) != 0u) { return F64_NAN; }
  if (f64_is_inf(a)) { return a; }
  let u = f64_unpack(a);
  var m = u.m;
  var k = u.e - 1075;
  if ((k & 1) != 0) {
    m = u64_shl(m, 1u);
    k = k - 1;
  }
  // m << 72, as four words.
  var big = vec4<u32>(0u, 0u, m.x << 8u, (m.y << 8u) | (m.x >> 24u));
  var rem = vec4<u32>(0u, 0u, 0u, 0u);
  var root = vec2<u32>(0u, 0u);
  for (var step = 0u; step < 63u; step = step + 1u) {
    let at = 124u - 2u * step;
    let pair = (big[at >> 5u] >> (at & 31u)) & 3u;
    rem = vec4<u32>((rem.x << 2u) | pair, (rem.y << 2u) | (rem.x >> 30u), (rem.z << 2u) | (rem.y >> 30u), (rem.w << 2u) | (rem.z >> 30u));
    let trial = vec4<u32>((root.x << 2u) | 1u, (root.y << 2u) | (root.x >> 30u), root.y >> 30u, 0u);
    root = u64_shl(root, 1u);
    if (!u128_lt(rem, trial)) {
      rem = u128_sub(rem, trial);
      root.x = root.x | 1u;
    }
  }
  root.x = root.x | select(0u, 1u, any(rem != vec4<u32>(0u, 0u, 0u, 0u)));
  return f64_pack(0u, 1085 + (k - 72) / 2, root);
}

// The exact remainder with the sign of the dividend (C's fmod, JS's %): the divisor's
// significand divided into the dividend's one bit of exponent difference at a time.
fn f64_mod(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a) || f64_is_nan(b) || f64_is_inf(a) || f64_is_zero(b)) { return F64_NAN; }
  if (f64_is_inf(b) || f64_is_zero(a)) { return a; }
  let s = a.y & SIGN;
  let ua = f64_unpack(a);
  let ub = f64_unpack(b);
  if (ua.e < ub.e || (ua.e == ub.e && u64_lt(ua.m, ub.m))) { return a; }
  var r = ua.m;
  if (!u64_lt(r, ub.m)) { r = u64_sub(r, ub.m); }
  for (var d = ua.e - ub.e; d > 0; d = d - 1) {
    r = u64_shl(r, 1u);
    if (!u64_lt(r, ub.m)) { r = u64_sub(r, ub.m); }
  }
  if (u64_is_zero(r)) { return vec2<u32>(0u, s); }
  let sh = u64_clz(r) - 1u;
  return f64_pack(s, ub.e + 10 - i32(sh), u64_shl(r, sh));
}

fn f32_mod(a: u32, b: u32) -> u32 { return f64_to_f32(f64_mod(f32_to_f64(a), f32_to_f64(b))); }

// floor (mode 0), ceil (1) or round half away from zero (2), as Math.floor, Math.ceil and
// sign(x) * Math.round(|x|) give them (-0 where those give -0).
fn f64_round(a: vec2<u32>, mode: u32) -> vec2<u32> {
  let e = i32(f64_exp(a));
  if (e == 0x7ff || e >= 1075) { return a; }
  let s = a.y & SIGN;
  var t = vec2<u32>(0u, s);
  var frac = !f64_is_zero(a);
  var half = e == 1022;
  if (e >= 1023) {
    let fb = u32(1075 - e);
    let mask = u64_sub(u64_shl(vec2<u32>(1u, 0u), fb), vec2<u32>(1u, 0u));
    let low = a & mask;
    t = a & ~mask;
    frac = !u64_is_zero(low);
    half = !u64_is_zero(low & u64_shl(vec2<u32>(1u, 0u), fb - 1u));
  }
  var bump = half;
  if (mode == 0u) { bump = s != 0u && frac; }
  if (mode == 1u) { bump = s == 0u && frac; }
  if (!bump) { return t; }
  return f64_add(t, vec2<u32>(0u, s | 0x3ff00000u));
}
