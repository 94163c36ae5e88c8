// Expression family: one pass over the rows of a window of a GpuTable, evaluating several
// expressions at once (the assigns and the filter predicate of a fused stage). The TypeScript
// side (src/gpu/expr/) generates only the bindings, the body of `eval_row` (column reads, one
// `let` per expression node, output writes) and the body of `flush`; everything below is the
// fixed library those snippets call.
//
// Values travel as raw words: int8/16/32 as i32, uint8/16/32 as u32, int64/uint64 as
// vec2<u32> (lo, hi), float32 as its u32 bits, float64 as its vec2<u32> bits, bool as bool,
// dictionary strings as i32 codes. Float arithmetic is IEEE binary64 done in integer
// arithmetic (round to nearest even, subnormals kept): it gives the CPU's doubles bit for bit,
// with no range limit and nothing a GLSL compiler may reassociate or fuse. float32 arithmetic
// is the float64 operation rounded to float32, which is what the CPU does (Math.fround of the
// double result; that double rounding is innocuous for + - * /). sqrt and % are exact too;
// exp and the logarithms are series evaluations within a few ulp of Math's.
//
// Integer results outside their type and float-to-integer casts out of range raise on the
// CPU; here they set a bit of `err` (only for rows where the value is not null), the host
// reads it back with the run, and the partition is recomputed on the CPU, which raises.

const WG: u32 = {{WORKGROUP_SIZE}}u;
const WORDS_PER_GROUP: u32 = WG / 32u;
const ERR_OVERFLOW: u32 = 1u;
const ERR_CAST: u32 = 2u;
const F64_NAN: vec2<u32> = vec2<u32>(0u, 0x7ff80000u);
const SIGN: u32 = 0x80000000u;

struct Params {
  rows: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  // Dictionary codes of string literals, looked up in the partition's dictionary at dispatch
  // time (-1 when the literal is absent: it then equals no row).
  codes: array<vec4<i32>, {{CODE_SLOTS}}>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> flags: array<atomic<u32>>;
{{BINDINGS}}

// Validity bits of the current block of WG rows, one word per 32 rows per output.
var<workgroup> bits: array<atomic<u32>, {{OUTPUT_WORDS}}>;
var<private> err: u32;

// A sign-and-magnitude integer: every integer type fits, and cross-type comparisons use it.
struct Wide {
  neg: bool,
  mag: vec2<u32>,
}

// A finite nonzero float64 split into its significand (bit 52 set) and exponent: the value
// is mag * 2^(e - 1075). Subnormals are normalized, so e may be below 1.
struct Unpacked {
  m: vec2<u32>,
  e: i32,
}

fn trap(live: bool, bad: bool, code: u32) {
  if (live && bad) {
    err = err | code;
  }
}

fn valid_bit(words_at: u32, i: u32) -> bool {
  return ((words_at >> (i & 31u)) & 1u) == 1u;
}

// ---- 64-bit words ----

fn u64_add(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn u64_sub(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}

fn u64_lt(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y < b.y || (a.y == b.y && a.x < b.x);
}

fn u64_is_zero(a: vec2<u32>) -> bool {
  return a.x == 0u && a.y == 0u;
}

fn u64_shl(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2<u32>(0u, 0u); }
  if (n >= 32u) { return vec2<u32>(0u, a.x << (n - 32u)); }
  return vec2<u32>(a.x << n, (a.y << n) | (a.x >> (32u - n)));
}

fn u64_shr(a: vec2<u32>, n: u32) -> vec2<u32> {
  if (n == 0u) { return a; }
  if (n >= 64u) { return vec2<u32>(0u, 0u); }
  if (n >= 32u) { return vec2<u32>(a.y >> (n - 32u), 0u); }
  return vec2<u32>((a.x >> n) | (a.y << (32u - n)), a.y >> n);
}

// Shifts right, OR-ing whatever fell off into bit 0: the sticky bit rounding needs.
fn u64_shr_jam(a: vec2<u32>, n: u32) -> vec2<u32> {
  let r = u64_shr(a, n);
  let lost = any(u64_shl(r, n) != a);
  return vec2<u32>(r.x | select(0u, 1u, lost), r.y);
}

fn u32_shr_jam(a: u32, n: u32) -> u32 {
  if (n == 0u) { return a; }
  if (n >= 32u) { return select(0u, 1u, a != 0u); }
  let r = a >> n;
  return r | select(0u, 1u, (r << n) != a);
}

fn u64_clz(a: vec2<u32>) -> u32 {
  if (a.y != 0u) { return countLeadingZeros(a.y); }
  return 32u + countLeadingZeros(a.x);
}

fn cmp_u64(a: vec2<u32>, b: vec2<u32>) -> i32 {
  if (u64_lt(a, b)) { return -1; }
  if (u64_lt(b, a)) { return 1; }
  return 0;
}

fn mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}

// The 128-bit product of two 64-bit words, least significant word first.
fn mul_128(a: vec2<u32>, b: vec2<u32>) -> vec4<u32> {
  let ll = mul_wide(a.x, b.x);
  let lh = mul_wide(a.x, b.y);
  let hl = mul_wide(a.y, b.x);
  let hh = mul_wide(a.y, b.y);
  let t = u64_add(u64_add(vec2<u32>(ll.y, 0u), vec2<u32>(lh.x, 0u)), vec2<u32>(hl.x, 0u));
  let u = u64_add(u64_add(u64_add(hh, vec2<u32>(lh.y, 0u)), vec2<u32>(hl.y, 0u)), vec2<u32>(t.y, 0u));
  return vec4<u32>(ll.x, t.x, u.x, u.y);
}

// ---- integers ----

fn i64_neg(a: vec2<u32>) -> vec2<u32> {
  return u64_sub(vec2<u32>(0u, 0u), a);
}

fn wide_i32(a: i32) -> Wide {
  let u = bitcast<u32>(a);
  return Wide(a < 0, vec2<u32>(select(u, 0u - u, a < 0), 0u));
}

fn wide_u32(a: u32) -> Wide {
  return Wide(false, vec2<u32>(a, 0u));
}

fn wide_i64(a: vec2<u32>) -> Wide {
  let neg = (a.y & SIGN) != 0u;
  return Wide(neg, select(a, i64_neg(a), neg));
}

fn wide_u64(a: vec2<u32>) -> Wide {
  return Wide(false, a);
}

fn cmp_wide(a: Wide, b: Wide) -> i32 {
  let an = a.neg && !u64_is_zero(a.mag);
  let bn = b.neg && !u64_is_zero(b.mag);
  if (an != bn) { return select(1, -1, an); }
  let c = cmp_u64(a.mag, b.mag);
  return select(c, -c, an);
}

fn cmp_i32(a: i32, b: i32) -> i32 { return select(select(0, 1, a > b), -1, a < b); }
fn cmp_u32(a: u32, b: u32) -> i32 { return select(select(0, 1, a > b), -1, a < b); }
fn cmp_bool(a: bool, b: bool) -> i32 { return cmp_u32(select(0u, 1u, a), select(0u, 1u, b)); }
fn cmp_i64(a: vec2<u32>, b: vec2<u32>) -> i32 {
  return cmp_u64(vec2<u32>(a.x, a.y ^ SIGN), vec2<u32>(b.x, b.y ^ SIGN));
}

fn wide_to_i32(w: Wide, lo: i32, hi: i32, live: bool) -> i32 {
  let big = w.mag.y != 0u || w.mag.x > select(bitcast<u32>(hi), 0u - bitcast<u32>(lo), w.neg);
  trap(live, big, ERR_OVERFLOW);
  return bitcast<i32>(select(w.mag.x, 0u - w.mag.x, w.neg));
}

fn wide_to_u32(w: Wide, hi: u32, live: bool) -> u32 {
  trap(live, (w.neg && !u64_is_zero(w.mag)) || w.mag.y != 0u || w.mag.x > hi, ERR_OVERFLOW);
  return w.mag.x;
}

fn wide_to_i64(w: Wide, live: bool) -> vec2<u32> {
  let limit = select(vec2<u32>(0xffffffffu, 0x7fffffffu), vec2<u32>(0u, SIGN), w.neg);
  trap(live, u64_lt(limit, w.mag), ERR_OVERFLOW);
  return select(w.mag, i64_neg(w.mag), w.neg);
}

fn wide_to_u64(w: Wide, live: bool) -> vec2<u32> {
  trap(live, w.neg && !u64_is_zero(w.mag), ERR_OVERFLOW);
  return w.mag;
}

fn add_i32(a: i32, b: i32, lo: i32, hi: i32, live: bool) -> i32 {
  let r = bitcast<i32>(bitcast<u32>(a) + bitcast<u32>(b));
  trap(live, ((a ^ r) & (b ^ r)) < 0 || r < lo || r > hi, ERR_OVERFLOW);
  return r;
}

fn sub_i32(a: i32, b: i32, lo: i32, hi: i32, live: bool) -> i32 {
  let r = bitcast<i32>(bitcast<u32>(a) - bitcast<u32>(b));
  trap(live, ((a ^ b) & (a ^ r)) < 0 || r < lo || r > hi, ERR_OVERFLOW);
  return r;
}

fn mul_i32(a: i32, b: i32, lo: i32, hi: i32, live: bool) -> i32 {
  let x = wide_i32(a);
  let y = wide_i32(b);
  return wide_to_i32(Wide(x.neg != y.neg, mul_wide(x.mag.x, y.mag.x)), lo, hi, live);
}

fn div_i32(a: i32, b: i32, lo: i32, hi: i32, live: bool) -> i32 {
  // -2^31 / -1 does not fit; a narrower type's quotient is caught by its range.
  let minus = a == bitcast<i32>(SIGN) && b == -1;
  let q = select(a / select(b, 1, b == 0 || minus), a, minus);
  trap(live, minus || q < lo || q > hi, ERR_OVERFLOW);
  return q;
}

fn mod_i32(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  return a % b;
}

fn neg_i32(a: i32, lo: i32, hi: i32, live: bool) -> i32 {
  return sub_i32(0, a, lo, hi, live);
}

fn abs_i32(a: i32, lo: i32, hi: i32, live: bool) -> i32 {
  return select(a, neg_i32(a, lo, hi, live), a < 0);
}

fn add_u32(a: u32, b: u32, hi: u32, live: bool) -> u32 {
  let r = a + b;
  trap(live, r < a || r > hi, ERR_OVERFLOW);
  return r;
}

fn sub_u32(a: u32, b: u32, live: bool) -> u32 {
  trap(live, a < b, ERR_OVERFLOW);
  return a - b;
}

fn mul_u32(a: u32, b: u32, hi: u32, live: bool) -> u32 {
  let p = mul_wide(a, b);
  trap(live, p.y != 0u || p.x > hi, ERR_OVERFLOW);
  return p.x;
}

fn div_u32(a: u32, b: u32) -> u32 { return a / select(b, 1u, b == 0u); }
fn mod_u32(a: u32, b: u32) -> u32 { return a % select(b, 1u, b == 0u); }

fn add_i64(a: vec2<u32>, b: vec2<u32>, live: bool) -> vec2<u32> {
  let r = u64_add(a, b);
  trap(live, ((a.y ^ r.y) & (b.y ^ r.y) & SIGN) != 0u, ERR_OVERFLOW);
  return r;
}

fn sub_i64(a: vec2<u32>, b: vec2<u32>, live: bool) -> vec2<u32> {
  let r = u64_sub(a, b);
  trap(live, ((a.y ^ b.y) & (a.y ^ r.y) & SIGN) != 0u, ERR_OVERFLOW);
  return r;
}

fn neg_i64(a: vec2<u32>, live: bool) -> vec2<u32> {
  return sub_i64(vec2<u32>(0u, 0u), a, live);
}

fn abs_i64(a: vec2<u32>, live: bool) -> vec2<u32> {
  return select(a, neg_i64(a, live), (a.y & SIGN) != 0u);
}

fn add_u64(a: vec2<u32>, b: vec2<u32>, live: bool) -> vec2<u32> {
  let r = u64_add(a, b);
  trap(live, u64_lt(r, a), ERR_OVERFLOW);
  return r;
}

fn sub_u64(a: vec2<u32>, b: vec2<u32>, live: bool) -> vec2<u32> {
  trap(live, u64_lt(a, b), ERR_OVERFLOW);
  return u64_sub(a, b);
}

fn u64_to_i64(a: vec2<u32>, live: bool) -> vec2<u32> {
  trap(live, (a.y & SIGN) != 0u, ERR_OVERFLOW);
  return a;
}

fn i64_from_i32(a: i32) -> vec2<u32> {
  return vec2<u32>(bitcast<u32>(a), select(0u, 0xffffffffu, a < 0));
}

// ---- float64 (IEEE binary64 in integer arithmetic) ----

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

// ---- exp and logarithms (within a few ulp of Math.exp / Math.log, not correctly rounded) ----

const F64_ONE: vec2<u32> = vec2<u32>(0u, 0x3ff00000u);
const F64_INF: vec2<u32> = vec2<u32>(0u, 0x7ff00000u);
// fdlibm's split of ln 2: k * LN2_HI is exact for every |k| < 2^11.
const LN2_HI: vec2<u32> = vec2<u32>(0xfee00000u, 0x3fe62e42u);
const LN2_LO: vec2<u32> = vec2<u32>(0x35793c76u, 0x3dea39efu);
const INV_LN2: vec2<u32> = vec2<u32>(0x652b82feu, 0x3ff71547u);
const INV_LN10: vec2<u32> = vec2<u32>(0x1526e50du, 0x3fdbcb7bu);
const SQRT2: vec2<u32> = vec2<u32>(0x667f3bcdu, 0x3ff6a09eu);

fn pow2(j: i32) -> vec2<u32> {
  return vec2<u32>(0u, u32(j + 1023) << 20u);
}

// e^x: x = k ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to r^14 / 14!, then
// scaled by 2^k in steps that round once.
fn f64_e_pow(a: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a)) { return F64_NAN; }
  let neg = (a.y & SIGN) != 0u;
  if (f64_exp(a) >= 1033u) { return select(F64_INF, vec2<u32>(0u, 0u), neg); }
  let kf = f64_round(f64_mul(a, INV_LN2), 2u);
  let kw = f64_integer(kf).w;
  let k = select(i32(kw.mag.x), -i32(kw.mag.x), kw.neg);
  let r = f64_sub(f64_sub(a, f64_mul(kf, LN2_HI)), f64_mul(kf, LN2_LO));
  var c = array<vec2<u32>, 15>(
    vec2<u32>(0x00000000u, 0x3ff00000u), vec2<u32>(0x00000000u, 0x3ff00000u), vec2<u32>(0x00000000u, 0x3fe00000u),
    vec2<u32>(0x55555555u, 0x3fc55555u), vec2<u32>(0x55555555u, 0x3fa55555u), vec2<u32>(0x11111111u, 0x3f811111u),
    vec2<u32>(0x16c16c17u, 0x3f56c16cu), vec2<u32>(0x1a01a01au, 0x3f2a01a0u), vec2<u32>(0x1a01a01au, 0x3efa01a0u),
    vec2<u32>(0xa556c734u, 0x3ec71de3u), vec2<u32>(0xb7789f5cu, 0x3e927e4fu), vec2<u32>(0x67f544e4u, 0x3e5ae645u),
    vec2<u32>(0xeff8d898u, 0x3e21eed8u), vec2<u32>(0x13a86d09u, 0x3de61246u), vec2<u32>(0xa8c07c9du, 0x3da93974u),
  );
  var p = c[14];
  for (var n = 13; n >= 0; n = n - 1) {
    p = f64_add(f64_mul(p, r), c[n]);
  }
  var j = k;
  if (j > 1023) {
    p = f64_mul(p, pow2(j - 1000));
    j = 1000;
  }
  if (j < -1000) {
    p = f64_mul(p, pow2(j + 1000));
    j = -1000;
  }
  return f64_mul(p, pow2(j));
}

// log x (base 0), log2 x (1) or log10 x (2): x = 2^k y with y in [sqrt(1/2), sqrt(2)), and
// log y = 2 atanh(s), s = (y - 1) / (y + 1), by its series to s^25.
fn f64_log(a: vec2<u32>, base: u32) -> vec2<u32> {
  if (f64_is_nan(a)) { return F64_NAN; }
  if (f64_is_zero(a)) { return vec2<u32>(0u, SIGN | 0x7ff00000u); }
  if ((a.y & SIGN) != 0u) { return F64_NAN; }
  if (f64_is_inf(a)) { return a; }
  let u = f64_unpack(a);
  var k = u.e - 1023;
  var y = vec2<u32>(u.m.x, (u.m.y & 0xfffffu) | 0x3ff00000u);
  if (cmp_f64(y, SQRT2) > 0) {
    y.y = (y.y & 0xfffffu) | 0x3fe00000u;
    k = k + 1;
  }
  let s = f64_div(f64_sub(y, F64_ONE), f64_add(y, F64_ONE));
  let z = f64_mul(s, s);
  var c = array<vec2<u32>, 13>(
    vec2<u32>(0x00000000u, 0x40000000u), vec2<u32>(0x55555555u, 0x3fe55555u), vec2<u32>(0x9999999au, 0x3fd99999u),
    vec2<u32>(0x92492492u, 0x3fd24924u), vec2<u32>(0x1c71c71cu, 0x3fcc71c7u), vec2<u32>(0x745d1746u, 0x3fc745d1u),
    vec2<u32>(0x13b13b14u, 0x3fc3b13bu), vec2<u32>(0x11111111u, 0x3fc11111u), vec2<u32>(0x1e1e1e1eu, 0x3fbe1e1eu),
    vec2<u32>(0xbca1af28u, 0x3fbaf286u), vec2<u32>(0x18618618u, 0x3fb86186u), vec2<u32>(0x590b2164u, 0x3fb642c8u),
    vec2<u32>(0x47ae147bu, 0x3fb47ae1u),
  );
  var p = c[12];
  for (var n = 11; n >= 0; n = n - 1) {
    p = f64_add(f64_mul(p, z), c[n]);
  }
  let lm = f64_mul(s, p);
  let kf = i32_to_f64(k);
  // log2 keeps k exact, so powers of two give integers.
  if (base == 1u) { return f64_add(kf, f64_mul(lm, INV_LN2)); }
  let ln = f64_add(f64_mul(kf, LN2_HI), f64_add(f64_mul(kf, LN2_LO), lm));
  if (base == 2u) { return f64_mul(ln, INV_LN10); }
  return ln;
}

// An order-preserving key: NaN above +Infinity, -0 equal to 0 (the CPU's compareValues).
fn f64_key(a: vec2<u32>) -> vec2<u32> {
  if (f64_is_nan(a)) { return vec2<u32>(0xffffffffu, 0xffffffffu); }
  if (f64_is_zero(a)) { return vec2<u32>(0u, SIGN); }
  if ((a.y & SIGN) != 0u) { return ~a; }
  return vec2<u32>(a.x, a.y | SIGN);
}

fn cmp_f64(a: vec2<u32>, b: vec2<u32>) -> i32 {
  return cmp_u64(f64_key(a), f64_key(b));
}

fn f64_truthy(a: vec2<u32>) -> bool {
  return !f64_is_zero(a) && !f64_is_nan(a);
}

// ---- conversions ----

// The double nearest a sign-and-magnitude integer (ties to even), as Number(bigint).
fn wide_to_f64(w: Wide) -> vec2<u32> {
  if (u64_is_zero(w.mag)) { return vec2<u32>(0u, 0u); }
  let lz = u64_clz(w.mag);
  var x = u64_shr_jam(w.mag, 1u);
  if (lz > 0u) { x = u64_shl(w.mag, lz - 1u); }
  return f64_pack(select(0u, SIGN, w.neg), 1086 - i32(lz), x);
}

fn i32_to_f64(a: i32) -> vec2<u32> { return wide_to_f64(wide_i32(a)); }
fn u32_to_f64(a: u32) -> vec2<u32> { return wide_to_f64(wide_u32(a)); }
fn i64_to_f64(a: vec2<u32>) -> vec2<u32> { return wide_to_f64(wide_i64(a)); }
fn u64_to_f64(a: vec2<u32>) -> vec2<u32> { return wide_to_f64(wide_u64(a)); }

// The integer an integral, finite double holds; `big` when its magnitude is 2^64 or more.
struct WideF {
  w: Wide,
  big: bool,
}

fn f64_integer(a: vec2<u32>) -> WideF {
  let neg = (a.y & SIGN) != 0u;
  let e = i32(f64_exp(a));
  if (e < 1023) { return WideF(Wide(neg, vec2<u32>(0u, 0u)), false); }
  if (e >= 1023 + 64) { return WideF(Wide(neg, vec2<u32>(0u, 0u)), true); }
  let m = vec2<u32>(a.x, (a.y & 0xfffffu) | 0x100000u);
  var mag = u64_shr(m, u32(max(1075 - e, 0)));
  if (e > 1075) { mag = u64_shl(m, u32(e - 1075)); }
  return WideF(Wide(neg, mag), false);
}

// A double cast to an integer: rounded half away from zero; not finite or too large traps.
fn f64_to_wide(a: vec2<u32>, live: bool) -> Wide {
  trap(live, f64_exp(a) == 0x7ffu, ERR_CAST);
  let r = f64_integer(f64_round(a, 2u));
  trap(live, r.big, ERR_OVERFLOW);
  return r.w;
}

// An exact comparison of an integer with a double (NaN above every integer).
fn cmp_wide_f64(w: Wide, f: vec2<u32>) -> i32 {
  if (f64_is_nan(f)) { return -1; }
  let c = cmp_f64(wide_to_f64(w), f);
  if (c != 0) { return c; }
  // f is the double nearest w, so an integer of magnitude at most 2^64.
  let g = f64_integer(f);
  if (g.big) { return select(-1, 1, g.w.neg); }
  return cmp_wide(w, g.w);
}

fn f32_to_f64(a: u32) -> vec2<u32> {
  let s = a & SIGN;
  let e = (a >> 23u) & 0xffu;
  var m = a & 0x7fffffu;
  if (e == 0xffu) {
    if (m != 0u) { return F64_NAN; }
    return vec2<u32>(0u, s | 0x7ff00000u);
  }
  var e64 = e + 896u;
  if (e == 0u) {
    if (m == 0u) { return vec2<u32>(0u, s); }
    let sh = countLeadingZeros(m) - 8u;
    m = (m << sh) & 0x7fffffu;
    e64 = 897u - sh;
  }
  return vec2<u32>(m << 29u, s | (e64 << 20u) | (m >> 3u));
}

// The float32 nearest a double (ties to even), as Math.fround.
fn f64_to_f32(a: vec2<u32>) -> u32 {
  let s = a.y & SIGN;
  if (f64_is_nan(a)) { return 0x7fc00000u; }
  if (f64_is_inf(a)) { return s | 0x7f800000u; }
  if (f64_is_zero(a)) { return s; }
  let u = f64_unpack(a);
  var x = u64_shr_jam(u.m, 22u).x;
  var e = u.e - 896;
  if (e < 1) {
    x = u32_shr_jam(x, u32(1 - e));
    e = 1;
  }
  let rb = x & 0x7fu;
  x = x >> 7u;
  if (rb > 0x40u || (rb == 0x40u && (x & 1u) == 1u)) { x = x + 1u; }
  if (x >= 0x1000000u) {
    x = x >> 1u;
    e = e + 1;
  }
  if (e >= 255) { return s | 0x7f800000u; }
  if (x < 0x800000u) { return s | x; }
  return s | (u32(e) << 23u) | (x & 0x7fffffu);
}

fn f32_add(a: u32, b: u32) -> u32 { return f64_to_f32(f64_add(f32_to_f64(a), f32_to_f64(b))); }
fn f32_sub(a: u32, b: u32) -> u32 { return f64_to_f32(f64_sub(f32_to_f64(a), f32_to_f64(b))); }
fn f32_mul(a: u32, b: u32) -> u32 { return f64_to_f32(f64_mul(f32_to_f64(a), f32_to_f64(b))); }
fn f32_div(a: u32, b: u32) -> u32 { return f64_to_f32(f64_div(f32_to_f64(a), f32_to_f64(b))); }
fn f32_round(a: u32, mode: u32) -> u32 { return f64_to_f32(f64_round(f32_to_f64(a), mode)); }

// ---- the generated part ----

fn eval_row(i: u32, lane: u32) {
{{ROW}}
}

fn flush(word: u32, lane: u32) {
{{FLUSH}}
}

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lane: u32,
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let rows = params.rows;
  for (var base = group.x * WG; base < rows; base = base + groups.x * WG) {
    let i = base + lane;
    if (i < rows) {
      eval_row(i, lane);
    }
    workgroupBarrier();
    let word = base / 32u + lane;
    if (lane < WORDS_PER_GROUP && word * 32u < rows) {
      flush(word, lane);
    }
    workgroupBarrier();
  }
  if (err != 0u) {
    atomicOr(&flags[0], err);
  }
}
