// exp, log, log2 and log10 of binary64 bits (within a few ulp of Math.exp / Math.log, not
// correctly rounded), built on `soft-f64` (included here).

// #include soft-f64


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
