// Reduce family over one column window: pass 1 (reduce_main) gives count, sum, min and max;
// pass 2 (m2_main) gives the sums of d and d^2 around a centre the host chose for the whole
// column, from which var and std follow (the corrected two-pass algorithm).
//
// Every element type arrives as raw u32 words: float32/int32/uint32 one word a value (narrower
// integers are widened on upload), float64/int64/uint64 two words (lo, hi). KIND picks the
// element type; it is a constant, so the branches on it fold away when the shader compiles.
//
// Each thread walks the window with a grid stride into a private accumulator, the workgroup
// merges those in a tree in workgroup memory, and thread 0 writes one partial of 16 words at
// slot `out_slot + workgroup_id`. The host merges the partials; the fixed dispatch shape makes
// the result the same on every run.
//
// Float sums are double-float (a hi/lo f32 pair). A float64 value is split exactly into three
// f32 pieces (24 + 24 + 5 significand bits); the last piece goes to a separate double-float
// sum (`t0`, `t1`), which the host adds in double-double. Values outside [2^-60, 2^90] in
// magnitude (and float32 subnormals) cannot be carried faithfully in f32 pieces: they are
// counted in `oor` and the host computes that column on the CPU instead. Integer sums are exact 96-bit two's complement.
// Min and max are kept as 64-bit order-preserving keys (floats: the sign-flip trick).

const WG: u32 = {{WORKGROUP_SIZE}}u;
const KIND: u32 = {{KIND}}u;

const K_F32: u32 = 0u;
const K_F64: u32 = 1u;
const K_I32: u32 = 2u;
const K_U32: u32 = 3u;
const K_I64: u32 = 4u;
const K_U64: u32 = 5u;

const PARTIAL_WORDS: u32 = 16u;

struct Params {
  rows: u32,
  bit_offset: u32,
  has_validity: u32,
  out_slot: u32,
  // Pass 2 centre: floats as three f32 pieces (c0 + c1 + c2 == the mean, exactly);
  // integers as a 96-bit integer k (k0, k1, k2) near the mean plus the rest (c0, c1) as a
  // double-float, so x - k is exact even when the values span all of int64 or uint64.
  c0: f32,
  c1: f32,
  c2: f32,
  scale: f32,
  k0: u32,
  k1: u32,
  groups: u32,
  // Always 0. XOR-ing a float's bits with a value the compiler cannot see keeps it from
  // "simplifying" the error terms of double-float arithmetic away: GLSL backends treat float
  // math as reassociable, and on llvmpipe two_sum's error term became 0 without this (and
  // still did behind a multiply by a uniform 1.0).
  zero: u32,
  k2: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read> validity: array<u32>;
@group(0) @binding(2) var<storage, read_write> partials: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

struct Acc {
  count: u32,
  nan: u32,
  pinf: u32,
  ninf: u32,
  oor: u32,
  s0: u32,
  s1: u32,
  s2: u32,
  mn0: u32,
  mn1: u32,
  mx0: u32,
  mx1: u32,
  // A second double-float: floats' pass 1 sums the last piece of each float64 here (so no bit
  // of a 53-bit value is lost to the 48 bits of one double-float); pass 2 sums d here.
  t0: u32,
  t1: u32,
}

var<workgroup> scratch: array<Acc, WG>;

fn is_float() -> bool {
  return KIND == K_F32 || KIND == K_F64;
}

fn identity() -> Acc {
  return Acc(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u, 0xffffffffu, 0xffffffffu, 0u, 0u, 0u, 0u);
}

fn is_valid(i: u32) -> bool {
  if (params.has_validity == 0u) {
    return true;
  }
  let b = params.bit_offset + i;
  return ((validity[b >> 5u] >> (b & 31u)) & 1u) == 1u;
}

// ---- double-float arithmetic and 96-bit integers: shaders/lib/double-float.wgsl ----
// #include double-float

fn df_of(acc: Acc) -> vec2<f32> {
  return vec2<f32>(bitcast<f32>(acc.s0), bitcast<f32>(acc.s1));
}

fn with_df(acc: Acc, s: vec2<f32>) -> Acc {
  var a = acc;
  a.s0 = bitcast<u32>(s.x);
  a.s1 = bitcast<u32>(s.y);
  return a;
}

fn tail_of(acc: Acc) -> vec2<f32> {
  return vec2<f32>(bitcast<f32>(acc.t0), bitcast<f32>(acc.t1));
}

fn with_tail(acc: Acc, t: vec2<f32>) -> Acc {
  var a = acc;
  a.t0 = bitcast<u32>(t.x);
  a.t1 = bitcast<u32>(t.y);
  return a;
}

// ---- loading ----

fn lo_word(i: u32) -> u32 {
  if (KIND == K_F64 || KIND == K_I64 || KIND == K_U64) {
    return values[2u * i];
  }
  return values[i];
}

fn hi_word(i: u32) -> u32 {
  if (KIND == K_F64 || KIND == K_I64 || KIND == K_U64) {
    return values[2u * i + 1u];
  }
  return 0u;
}

// Order-preserving 64-bit key (lo, hi) of element i.
fn key_of(w0: u32, w1: u32) -> vec2<u32> {
  switch (KIND) {
    case 0u: { // K_F32: the single word lives in w0
      return vec2<u32>(0u, select(w0 ^ 0x80000000u, ~w0, (w0 >> 31u) == 1u));
    }
    case 1u: { // K_F64
      if ((w1 >> 31u) == 1u) {
        return vec2<u32>(~w0, ~w1);
      }
      return vec2<u32>(w0, w1 ^ 0x80000000u);
    }
    case 2u: { // K_I32
      return vec2<u32>(0u, w0 ^ 0x80000000u);
    }
    case 3u: { // K_U32
      return vec2<u32>(0u, w0);
    }
    case 4u: { // K_I64
      return vec2<u32>(w0, w1 ^ 0x80000000u);
    }
    default: { // K_U64
      return vec2<u32>(w0, w1);
    }
  }
}

fn key_less(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.y < b.y || (a.y == b.y && a.x < b.x);
}

fn with_key(acc: Acc, k: vec2<u32>) -> Acc {
  var a = acc;
  if (key_less(k, vec2<u32>(a.mn0, a.mn1))) {
    a.mn0 = k.x;
    a.mn1 = k.y;
  }
  if (key_less(vec2<u32>(a.mx0, a.mx1), k)) {
    a.mx0 = k.x;
    a.mx1 = k.y;
  }
  return a;
}

// A float64 split exactly into three f32 pieces; .w is 1 when the value is out of range.
fn f64_pieces(w0: u32, w1: u32) -> vec4<f32> {
  let e = (w1 >> 20u) & 0x7ffu;
  let mant_zero = (w1 & 0xfffffu) == 0u && w0 == 0u;
  if (e == 0u) {
    return vec4<f32>(0.0, 0.0, 0.0, select(1.0, 0.0, mant_zero));
  }
  let u = i32(e) - 1023;
  if (u < -60 || u > 90) {
    return vec4<f32>(0.0, 0.0, 0.0, 1.0);
  }
  let sign = w1 & 0x80000000u;
  let sgn = select(1.0, -1.0, sign != 0u);
  let a = bitcast<f32>(sign | (u32(u + 127) << 23u) | ((w1 & 0xfffffu) << 3u) | (w0 >> 29u));
  let b = sgn * ldexp(f32((w0 >> 5u) & 0xffffffu), u - 47);
  let c = sgn * ldexp(f32(w0 & 0x1fu), u - 52);
  return vec4<f32>(a, b, c, 0.0);
}

fn neg96(v: vec3<u32>) -> vec3<u32> {
  return add96(~v, vec3<u32>(1u, 0u, 0u));
}

// ---- pass 1: count, sum, min, max ----

fn accumulate(acc: Acc, i: u32) -> Acc {
  var a = acc;
  a.count += 1u;
  let w0 = lo_word(i);
  let w1 = hi_word(i);
  switch (KIND) {
    case 0u: { // K_F32
      if ((w0 & 0x7f800000u) == 0x7f800000u) {
        if ((w0 & 0x007fffffu) != 0u) {
          a.nan += 1u;
          return a;
        }
        if ((w0 >> 31u) == 0u) { a.pinf += 1u; } else { a.ninf += 1u; }
      } else {
        let e = (w0 >> 23u) & 0xffu;
        if ((e == 0u && (w0 & 0x007fffffu) != 0u) || (e != 0u && (e < 67u || e > 217u))) {
          a.oor += 1u;
        }
        a = with_df(a, df_add(df_of(a), vec2<f32>(bitcast<f32>(w0), 0.0)));
      }
    }
    case 1u: { // K_F64
      if (((w1 >> 20u) & 0x7ffu) == 0x7ffu) {
        if ((w1 & 0xfffffu) != 0u || w0 != 0u) {
          a.nan += 1u;
          return a;
        }
        if ((w1 >> 31u) == 0u) { a.pinf += 1u; } else { a.ninf += 1u; }
      } else {
        let p = f64_pieces(w0, w1);
        if (p.w != 0.0) {
          a.oor += 1u;
        }
        a = with_df(a, df_add(df_of(a), p.xy));
        a = with_tail(a, df_add(tail_of(a), vec2<f32>(p.z, 0.0)));
      }
    }
    case 2u: { // K_I32
      let ext = select(0u, 0xffffffffu, (w0 >> 31u) == 1u);
      let s = add96(vec3<u32>(a.s0, a.s1, a.s2), vec3<u32>(w0, ext, ext));
      a.s0 = s.x; a.s1 = s.y; a.s2 = s.z;
    }
    case 3u: { // K_U32
      let s = add96(vec3<u32>(a.s0, a.s1, a.s2), vec3<u32>(w0, 0u, 0u));
      a.s0 = s.x; a.s1 = s.y; a.s2 = s.z;
    }
    case 4u: { // K_I64
      let ext = select(0u, 0xffffffffu, (w1 >> 31u) == 1u);
      let s = add96(vec3<u32>(a.s0, a.s1, a.s2), vec3<u32>(w0, w1, ext));
      a.s0 = s.x; a.s1 = s.y; a.s2 = s.z;
    }
    default: { // K_U64
      let s = add96(vec3<u32>(a.s0, a.s1, a.s2), vec3<u32>(w0, w1, 0u));
      a.s0 = s.x; a.s1 = s.y; a.s2 = s.z;
    }
  }
  return with_key(a, key_of(w0, w1));
}

fn merge(a: Acc, b: Acc) -> Acc {
  var r = a;
  r.count = a.count + b.count;
  r.nan = a.nan + b.nan;
  r.pinf = a.pinf + b.pinf;
  r.ninf = a.ninf + b.ninf;
  r.oor = a.oor + b.oor;
  if (is_float()) {
    r = with_df(r, df_add(df_of(a), df_of(b)));
    r = with_tail(r, df_add(tail_of(a), tail_of(b)));
  } else {
    let s = add96(vec3<u32>(a.s0, a.s1, a.s2), vec3<u32>(b.s0, b.s1, b.s2));
    r.s0 = s.x; r.s1 = s.y; r.s2 = s.z;
  }
  if (key_less(vec2<u32>(b.mn0, b.mn1), vec2<u32>(a.mn0, a.mn1))) {
    r.mn0 = b.mn0; r.mn1 = b.mn1;
  }
  if (key_less(vec2<u32>(a.mx0, a.mx1), vec2<u32>(b.mx0, b.mx1))) {
    r.mx0 = b.mx0; r.mx1 = b.mx1;
  }
  return r;
}

// ---- pass 2: sums of d and d^2, d = scale * (x - centre) ----

fn centred(i: u32) -> vec2<f32> {
  let w0 = lo_word(i);
  let w1 = hi_word(i);
  switch (KIND) {
    case 0u: { // K_F32
      return df_add(two_sum(bitcast<f32>(w0), -params.c0), vec2<f32>(-params.c1, -params.c2));
    }
    case 1u: { // K_F64
      let p = f64_pieces(w0, w1);
      let d = df_add(two_sum(p.x, -params.c0), two_sum(p.y, -params.c1));
      return df_add(d, two_sum(p.z, -params.c2));
    }
    default: { // integers: (x - k) exactly in 96 bits, then minus the fraction
      var x = vec3<u32>(w0, w1, 0u);
      if (KIND == K_I32) {
        let ext = select(0u, 0xffffffffu, (w0 >> 31u) == 1u);
        x = vec3<u32>(w0, ext, ext);
      } else if (KIND == K_I64) {
        x.z = select(0u, 0xffffffffu, (w1 >> 31u) == 1u);
      }
      let d = add96(x, neg96(vec3<u32>(params.k0, params.k1, params.k2)));
      return df_add(i96_df(d), vec2<f32>(-params.c0, -params.c1));
    }
  }
}

fn write_partial(slot: u32, a: Acc) {
  let o = slot * PARTIAL_WORDS;
  partials[o + 0u] = a.count;
  partials[o + 1u] = a.nan;
  partials[o + 2u] = a.pinf;
  partials[o + 3u] = a.ninf;
  partials[o + 4u] = a.oor;
  partials[o + 5u] = a.s0;
  partials[o + 6u] = a.s1;
  partials[o + 7u] = a.s2;
  partials[o + 8u] = a.mn0;
  partials[o + 9u] = a.mn1;
  partials[o + 10u] = a.mx0;
  partials[o + 11u] = a.mx1;
  partials[o + 12u] = a.t0;
  partials[o + 13u] = a.t1;
}

fn finish(lid: u32, wid: u32, mine: Acc) {
  scratch[lid] = mine;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      scratch[lid] = merge(scratch[lid], scratch[lid + stride]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    write_partial(params.out_slot + wid, scratch[0]);
  }
}

@compute @workgroup_size(WG)
fn reduce_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  var a = identity();
  for (var i = wg.x * WG + lid; i < params.rows; i = i + params.groups * WG) {
    if (is_valid(i)) {
      a = accumulate(a, i);
    }
  }
  finish(lid, wg.x, a);
}

@compute @workgroup_size(WG)
fn m2_main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  var a = identity();
  var s = vec2<f32>(0.0, 0.0);
  var sd = vec2<f32>(0.0, 0.0);
  for (var i = wg.x * WG + lid; i < params.rows; i = i + params.groups * WG) {
    if (is_valid(i)) {
      a.count += 1u;
      let d = centred(i) * params.scale;
      s = df_add(s, df_sqr(d));
      sd = df_add(sd, d);
    }
  }
  // Σd² and Σd merge as double-float sums, whatever the element type.
  a = with_tail(with_df(a, s), sd);
  scratch[lid] = a;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      let l = scratch[lid];
      let r = scratch[lid + stride];
      var m = l;
      m.count = l.count + r.count;
      m = with_df(m, df_add(df_of(l), df_of(r)));
      m = with_tail(m, df_add(tail_of(l), tail_of(r)));
      scratch[lid] = m;
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    write_partial(params.out_slot + wg.x, scratch[0]);
  }
}
