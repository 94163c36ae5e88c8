// The AVX-512F kernels (compiled with -mavx512f -mfma only): a 12 × 32 float tile (24 zmm sums,
// 2 for B, 1 broadcast) and a 12 × 16 double tile. MC = 96 measured best among 48–192 rows.
#include <immintrin.h>

#include "gemm.h"
#include "kernels.h"

namespace {

struct Avx512Float {
  using T = float;
  using R = __m512;
  static constexpr int W = 16, MR = 12, NV = 2;
  static constexpr long KC = 256, MC = 96, NC = 4096;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const T* p) { return _mm512_load_ps(p); }
  static R loadu(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R x) { _mm512_store_ps(p, x); }
  static void storeu(T* p, R x) { _mm512_storeu_ps(p, x); }
  static R broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static R fma(R x, R y, R z) { return _mm512_fmadd_ps(x, y, z); }
  static R add(R x, R y) { return _mm512_add_ps(x, y); }
};

struct Avx512Double {
  using T = double;
  using R = __m512d;
  static constexpr int W = 8, MR = 12, NV = 2;
  static constexpr long KC = 256, MC = 96, NC = 2048;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const T* p) { return _mm512_load_pd(p); }
  static R loadu(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R x) { _mm512_store_pd(p, x); }
  static void storeu(T* p, R x) { _mm512_storeu_pd(p, x); }
  static R broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static R fma(R x, R y, R z) { return _mm512_fmadd_pd(x, y, z); }
  static R add(R x, R y) { return _mm512_add_pd(x, y); }
};

}  // namespace

bool dusk_sgemm_avx512(const float* a, const float* b, float* c, long m, long k, long n) {
  return gemm<Avx512Float>(a, b, c, m, k, n);
}

bool dusk_dgemm_avx512(const double* a, const double* b, double* c, long m, long k, long n) {
  return gemm<Avx512Double>(a, b, c, m, k, n);
}
