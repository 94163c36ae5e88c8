// 64-bit unsigned words as vec2<u32> (lo, hi): add, subtract, compare, shifts (with a sticky
// bit for rounding), leading zeros and the full 64 x 64 -> 128-bit product. Pure functions:
// `// #include u64` in any shader.


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
