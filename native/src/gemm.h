// The packed GEMM loop nest (GotoBLAS / BLIS) shared by the ISA-specific kernel files: C += A·B
// for row-major A (m × k), B (k × n) and C (m × n), on the calling thread.
//
// Each kernel file defines a vector-traits struct (register type, width, loads, broadcast, FMA,
// tile and panel sizes) and includes this header. Everything here has internal linkage on
// purpose: the AVX2 and the AVX-512 files are compiled with different -m flags, and a shared
// (inline, COMDAT) instantiation could let the linker keep the AVX-512 copy for the AVX2 path,
// which would fault on a CPU without AVX-512.
//
// Loops, outermost first: NC columns of B (jc), KC inner steps (pc: B's KC × NC panel is packed
// once into NR-wide strips and stays in L2/L3), MC rows of A (ic: A's MC × KC panel is packed into
// MR-tall strips and stays in L2), then the NR strips (jr: one KC × NR strip of B stays in L1)
// and the MR strips (ir). The micro-kernel keeps an MR × NR tile of sums in registers for kc
// steps and adds it into C once: so a float32 sum is rounded into C once per KC inner steps,
// like the JavaScript kernel, but its partial sums are float32 (FMA), not float64.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace {

inline long minLong(long x, long y) { return x < y ? x : y; }
inline long roundUp(long x, long to) { return (x + to - 1) / to * to; }

// Zero-padded panels let every micro-kernel call run a whole MR × NR tile; only the store into C
// is clipped at the edges.
template <class V>
void packB(const typename V::T* b, long n, long pc, long kc, long jc, long nc, typename V::T* bp) {
  using T = typename V::T;
  constexpr long NR = V::W * V::NV;
  for (long jr = 0; jr < nc; jr += NR) {
    const long w = minLong(NR, nc - jr);
    const T* row = b + pc * n + jc + jr;
    for (long p = 0; p < kc; p++, row += n, bp += NR) {
      if (w == NR) {
        std::memcpy(bp, row, NR * sizeof(T));
      } else {
        for (long j = 0; j < w; j++) bp[j] = row[j];
        for (long j = w; j < NR; j++) bp[j] = T(0);
      }
    }
  }
}

template <class V>
void packA(const typename V::T* a, long k, long ic, long mc, long pc, long kc, typename V::T* ap) {
  using T = typename V::T;
  constexpr long MR = V::MR;
  for (long ir = 0; ir < mc; ir += MR, ap += MR * kc) {
    const long h = minLong(MR, mc - ir);
    // Row by row: each source row is read sequentially, the strip is written at stride MR.
    for (long i = 0; i < h; i++) {
      const T* src = a + (ic + ir + i) * k + pc;
      for (long p = 0; p < kc; p++) ap[p * MR + i] = src[p];
    }
    for (long i = h; i < MR; i++) {
      for (long p = 0; p < kc; p++) ap[p * MR + i] = T(0);
    }
  }
}

// Adds the product of a packed MR × kc strip of A and a packed kc × NR strip of B into the h × w
// corner of the tile of C at c (row stride ldc).
template <class V>
inline void micro(long kc, const typename V::T* __restrict ap, const typename V::T* __restrict bp,
                  typename V::T* __restrict c, long ldc, long h, long w) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int MR = V::MR, NV = V::NV, W = V::W, NR = W * NV;
  R acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = V::zero();
  }
#pragma GCC unroll 4
  for (long p = 0; p < kc; p++) {
    R b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = V::load(bp + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const R x = V::broadcast(ap + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = V::fma(x, b[v], acc[i][v]);
    }
    ap += MR;
    bp += NR;
  }
  if (h == MR && w == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        T* at = c + i * ldc + v * W;
        V::storeu(at, V::add(V::loadu(at), acc[i][v]));
      }
    }
    return;
  }
  alignas(64) T tile[MR * NR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) V::store(tile + i * NR + v * W, acc[i][v]);
  }
  for (long i = 0; i < h; i++) {
    for (long j = 0; j < w; j++) c[i * ldc + j] += tile[i * NR + j];
  }
}

// C += A·B. Returns false only when the packing buffers cannot be allocated (C is then untouched).
template <class V>
bool gemm(const typename V::T* a, const typename V::T* b, typename V::T* c, long m, long k, long n) {
  using T = typename V::T;
  constexpr long MR = V::MR, NR = V::W * V::NV, KC = V::KC, MC = V::MC, NC = V::NC;
  static_assert(MC % MR == 0 && NC % NR == 0, "panels hold whole strips");
  if (m <= 0 || n <= 0 || k <= 0) return true;
  const long kcMax = minLong(KC, k);
  const size_t bBytes = roundUp(kcMax * roundUp(minLong(NC, n), NR) * long(sizeof(T)), 64);
  const size_t aBytes = roundUp(kcMax * roundUp(minLong(MC, m), MR) * long(sizeof(T)), 64);
  T* bp = static_cast<T*>(std::aligned_alloc(64, bBytes));
  T* ap = static_cast<T*>(std::aligned_alloc(64, aBytes));
  if (bp == nullptr || ap == nullptr) {
    std::free(bp);
    std::free(ap);
    return false;
  }
  for (long jc = 0; jc < n; jc += NC) {
    const long nc = minLong(NC, n - jc);
    for (long pc = 0; pc < k; pc += KC) {
      const long kc = minLong(KC, k - pc);
      packB<V>(b, n, pc, kc, jc, nc, bp);
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = minLong(MC, m - ic);
        packA<V>(a, k, ic, mc, pc, kc, ap);
        for (long jr = 0; jr < nc; jr += NR) {
          const long w = minLong(NR, nc - jr);
          for (long ir = 0; ir < mc; ir += MR) {
            micro<V>(kc, ap + ir * kc, bp + jr * kc, c + (ic + ir) * n + jc + jr, n, minLong(MR, mc - ir), w);
          }
        }
      }
    }
  }
  std::free(bp);
  std::free(ap);
  return true;
}

}  // namespace
