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

fn trap(live: bool, bad: bool, code: u32) {
  if (live && bad) {
    err = err | code;
  }
}

fn valid_bit(words_at: u32, i: u32) -> bool {
  return ((words_at >> (i & 31u)) & 1u) == 1u;
}

// ---- 64-bit words, float64 and its exp/log: shaders/lib/u64, soft-f64, soft-f64-math ----
// #include soft-f64-math

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
