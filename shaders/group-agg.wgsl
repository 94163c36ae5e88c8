// Group-by aggregates over one row window of a GpuTable (see src/gpu/kernels/group-by/
// aggregate-states.ts and moments.ts): every row has a dense group id from the group-by
// family's hash rounds (or SKIP), and each entry adds its column into per-group accumulators
// with u32 atomics only. Every sum is exact integer (fixed-point) arithmetic, so the result
// does not depend on the order the rows arrive in: the same input gives the same bits every run.

// #include group-common

// Fixed-point accumulators: LIMBS u32 words a sign; float sums count from 2^-112 (values in
// [2^-60, 2^90] land exactly), squared deviations (scaled to at most 1) from 2^-216.
const LIMBS: u32 = 8u;
const FSUM_WORDS: u32 = 20u;
const ISUM_WORDS: u32 = 6u;
const MSQ_WORDS: u32 = 32u;

// ---- exact integer accumulation ----

// Adds x at limb `limb` of the `n` limbs at `base`, carrying into the limbs above.
fn add_limb(base: u32, limb: u32, x: u32, n: u32) {
  var at = limb;
  var v = x;
  loop {
    if (v == 0u || at >= n) {
      break;
    }
    let old = atomicAdd(&acc[base + at], v);
    v = select(0u, 1u, old + v < old);
    at = at + 1u;
  }
}

// Adds the 53-bit integer (mlo, mhi) shifted left by `p` bits to the limbs at `base`.
fn add_shifted(base: u32, mlo: u32, mhi: u32, p: u32, n: u32) {
  let limb = p >> 5u;
  let sh = p & 31u;
  if (sh == 0u) {
    add_limb(base, limb, mlo, n);
    add_limb(base, limb + 1u, mhi, n);
    return;
  }
  add_limb(base, limb, mlo << sh, n);
  add_limb(base, limb + 1u, (mlo >> (32u - sh)) | (mhi << sh), n);
  add_limb(base, limb + 2u, mhi >> (32u - sh), n);
}

// Adds a finite nonzero f32 (normal) at fixed point 2^bottom; bits below 2^bottom are dropped.
fn add_f32_fixed(base: u32, x: f32, bottom: i32) {
  let b = bitcast<u32>(x);
  let e = i32((b >> 23u) & 0xffu);
  if (e == 0 || e == 255) {
    return;
  }
  var m = (b & 0x7fffffu) | 0x800000u;
  var p = e - 150 - bottom;
  if (p < 0) {
    if (p <= -24) {
      return;
    }
    m = m >> u32(-p);
    p = 0;
  }
  add_shifted(base + select(0u, LIMBS, (b >> 31u) == 1u), m, 0u, u32(p), LIMBS);
}

@compute @workgroup_size(WG)
fn count_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g != SKIP && is_valid(i)) {
      atomicAdd(&acc[g], 1u);
    }
  }
}

// Integer sums: the magnitude goes to a positive or a negative 96-bit sum.
@compute @workgroup_size(WG)
fn isum_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i)) {
      continue;
    }
    var lo = lo_word(i);
    var hi = hi_word(i);
    var neg = false;
    if (KIND == 2u) {
      neg = (lo >> 31u) == 1u;
      if (neg) {
        lo = ~lo + 1u;
      }
    } else if (KIND == 4u) {
      neg = (hi >> 31u) == 1u;
      if (neg) {
        lo = ~lo + 1u;
        hi = ~hi + select(0u, 1u, lo == 0u);
      }
    }
    let base = g * ISUM_WORDS + select(0u, 3u, neg);
    add_limb(base, 0u, lo, 3u);
    add_limb(base, 1u, hi, 3u);
  }
}

// Float sums: exact fixed point from 2^-112; NaN, +Inf, -Inf and values the window cannot hold
// (outside [2^-60, 2^90] in magnitude, subnormals) are counted in words 16..19 instead.
@compute @workgroup_size(WG)
fn fsum_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i)) {
      continue;
    }
    let base = g * FSUM_WORDS;
    var mlo = 0u;
    var mhi = 0u;
    var u = 0;
    var special = 0u; // 1 NaN, 2 +Inf, 3 -Inf, 4 out of range, 5 zero
    var sign = 0u;
    if (KIND == 1u) {
      let w0 = values[2u * i];
      let w1 = values[2u * i + 1u];
      sign = w1 >> 31u;
      let e = (w1 >> 20u) & 0x7ffu;
      let frac_zero = (w1 & 0xfffffu) == 0u && w0 == 0u;
      if (e == 0x7ffu) {
        special = select(select(2u, 3u, sign == 1u), 1u, !frac_zero);
      } else if (e == 0u) {
        special = select(4u, 5u, frac_zero);
      } else {
        u = i32(e) - 1023;
        mlo = w0;
        mhi = (w1 & 0xfffffu) | 0x100000u;
      }
    } else {
      let w0 = values[i];
      sign = w0 >> 31u;
      let e = (w0 >> 23u) & 0xffu;
      let frac_zero = (w0 & 0x7fffffu) == 0u;
      if (e == 0xffu) {
        special = select(select(2u, 3u, sign == 1u), 1u, !frac_zero);
      } else if (e == 0u) {
        special = select(4u, 5u, frac_zero);
      } else {
        // As a 53-bit significand: the 24 bits shifted up by 29.
        u = i32(e) - 127;
        let m = (w0 & 0x7fffffu) | 0x800000u;
        mlo = m << 29u;
        mhi = m >> 3u;
      }
    }
    if (special == 0u && (u < -60 || u > 90)) {
      special = 4u;
    }
    if (special == 5u) {
      continue;
    }
    if (special != 0u) {
      atomicAdd(&acc[base + 2u * LIMBS + special - 1u], 1u);
      continue;
    }
    add_shifted(base + select(0u, LIMBS, sign == 1u), mlo, mhi, u32(u + 60), LIMBS);
  }
}

// ---- min and max: order-preserving keys, compared high word first ----

// (lo, hi) of the order key; NaN (any payload) above +Inf, -0 as +0.
fn order_key(w0: u32, w1: u32) -> vec2<u32> {
  switch (KIND) {
    case 0u: {
      var b = w0;
      if ((b & 0x7fffffffu) > 0x7f800000u) { b = 0x7fc00000u; }
      if (b == 0x80000000u) { b = 0u; }
      return vec2<u32>(0u, select(b ^ 0x80000000u, ~b, (b >> 31u) == 1u));
    }
    case 1u: {
      var lo = w0;
      var hi = w1;
      if ((hi & 0x7fffffffu) > 0x7ff00000u || ((hi & 0x7fffffffu) == 0x7ff00000u && lo != 0u)) {
        hi = 0x7ff80000u;
        lo = 0u;
      }
      if (hi == 0x80000000u && lo == 0u) { hi = 0u; }
      if ((hi >> 31u) == 1u) {
        return vec2<u32>(~lo, ~hi);
      }
      return vec2<u32>(lo, hi ^ 0x80000000u);
    }
    case 2u: { return vec2<u32>(0u, w0 ^ 0x80000000u); }
    case 3u: { return vec2<u32>(0u, w0); }
    case 4u: { return vec2<u32>(w0, w1 ^ 0x80000000u); }
    default: { return vec2<u32>(w0, w1); }
  }
}

// Keys as stored: inverted for min, so that atomicMax serves both and a zeroed word is "none".
fn stored(x: u32) -> u32 {
  return select(~x, x, params.op == 1u);
}

// Words per group: best high word, best low word, 1 when the group has a value.
@compute @workgroup_size(WG)
fn minmax_hi_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i)) {
      continue;
    }
    let k = order_key(lo_word(i), hi_word(i));
    atomicMax(&acc[3u * g], stored(k.y));
    atomicMax(&acc[3u * g + 2u], 1u);
  }
}

// 64-bit kinds only, after minmax_hi_main: the low word among rows holding the best high word.
@compute @workgroup_size(WG)
fn minmax_lo_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i)) {
      continue;
    }
    let k = order_key(lo_word(i), hi_word(i));
    if (stored(k.y) == atomicLoad(&acc[3u * g])) {
      atomicMax(&acc[3u * g + 1u], stored(k.x));
    }
  }
}

// ---- first and last: the smallest or largest row index with a value, then its words ----

fn row_mark(row: u32) -> u32 {
  return select(~row, row + 1u, params.op == 1u);
}

@compute @workgroup_size(WG)
fn pickrow_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g != SKIP && is_valid(i)) {
      atomicMax(&acc[g], row_mark(params.row_base + i));
    }
  }
}

// aux: pickrow_main's words; writes the chosen row's value words (lo, hi) per group.
@compute @workgroup_size(WG)
fn gather_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g != SKIP && is_valid(i) && aux[g] == row_mark(params.row_base + i)) {
      atomicStore(&acc[2u * g], lo_word(i));
      atomicStore(&acc[2u * g + 1u], hi_word(i));
    }
  }
}

// ---- var and std: deviations from the group mean, as double-float (no FMA assumed) ----

// #include double-float

// A float64 in [2^-60, 2^90] (or 0) split exactly into three f32 pieces.
fn f64_pieces(w0: u32, w1: u32) -> vec3<f32> {
  let e = (w1 >> 20u) & 0x7ffu;
  if (e == 0u) {
    return vec3<f32>(0.0, 0.0, 0.0);
  }
  let u = i32(e) - 1023;
  let sign = w1 & 0x80000000u;
  let sgn = select(1.0, -1.0, sign != 0u);
  let a = bitcast<f32>(sign | (u32(u + 127) << 23u) | ((w1 & 0xfffffu) << 3u) | (w0 >> 29u));
  let b = sgn * ldexp(f32((w0 >> 5u) & 0xffffffu), u - 47);
  let c = sgn * ldexp(f32(w0 & 0x1fu), u - 52);
  return vec3<f32>(a, b, c);
}



// aux per group (8 words): floats c0, c1, c2 (f32 pieces of the mean); integers k0, k1, k2
// (an integer near the mean) and c0, c1 (the rest); word 6 the scale 2^-e as f32 bits.
fn centred(i: u32, g: u32) -> vec2<f32> {
  let a = 8u * g;
  let c0 = bitcast<f32>(aux[a]);
  let c1 = bitcast<f32>(aux[a + 1u]);
  let c2 = bitcast<f32>(aux[a + 2u]);
  switch (KIND) {
    case 0u: {
      return df_add(two_sum(bitcast<f32>(values[i]), -c0), vec2<f32>(-c1, -c2));
    }
    case 1u: {
      let p = f64_pieces(values[2u * i], values[2u * i + 1u]);
      let d = df_add(two_sum(p.x, -c0), two_sum(p.y, -c1));
      return df_add(d, two_sum(p.z, -c2));
    }
    default: {
      let w0 = lo_word(i);
      let w1 = hi_word(i);
      var x = vec3<u32>(w0, w1, 0u);
      if (KIND == 2u) {
        let ext = select(0u, 0xffffffffu, (w0 >> 31u) == 1u);
        x = vec3<u32>(w0, ext, ext);
      } else if (KIND == 4u) {
        x.z = select(0u, 0xffffffffu, (w1 >> 31u) == 1u);
      }
      let k = vec3<u32>(aux[a + 3u], aux[a + 4u], aux[a + 5u]);
      let d = add96(x, add96(~k, vec3<u32>(1u, 0u, 0u)));
      return df_add(i96_df(d), vec2<f32>(-c0, -c1));
    }
  }
}

fn finite_value(i: u32) -> bool {
  if (KIND == 0u) {
    return ((values[i] >> 23u) & 0xffu) != 0xffu;
  }
  if (KIND == 1u) {
    return ((values[2u * i + 1u] >> 20u) & 0x7ffu) != 0x7ffu;
  }
  return true;
}

// The largest |d| of each group, as the bits of a positive f32 (which order as u32).
@compute @workgroup_size(WG)
fn mscale_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i) || !finite_value(i)) {
      continue;
    }
    atomicMax(&acc[g], bitcast<u32>(abs(centred(i, g).x)));
  }
}

// Σ (d·2^-e)² (words 0..15) and Σ d·2^-e (words 16..31) per group, in fixed point from 2^-216
// (each term is at most 1 in magnitude). The second sum corrects for the centre not being the
// exact mean: M2 = Σd² - (Σd)²/n.
@compute @workgroup_size(WG)
fn msq_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  touch();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + stride()) {
    let g = ids[i];
    if (g == SKIP || !is_valid(i) || !finite_value(i)) {
      continue;
    }
    let s = bitcast<f32>(aux[8u * g + 6u]);
    let d = centred(i, g) * s;
    let q = df_sqr(d);
    add_f32_fixed(g * MSQ_WORDS, q.x, -216);
    add_f32_fixed(g * MSQ_WORDS, q.y, -216);
    add_f32_fixed(g * MSQ_WORDS + 2u * LIMBS, d.x, -216);
    add_f32_fixed(g * MSQ_WORDS + 2u * LIMBS, d.y, -216);
  }
}
