// The AVX2 + FMA kernels (compiled with -mavx2 -mfma only): a 6 × 16 float tile (12 ymm sums,
// 2 for B, 1 broadcast) and a 6 × 8 double tile, the classic Haswell shapes.
#include <immintrin.h>

#include "gemm.h"
#include "kernels.h"

namespace {

struct Avx2Float {
  using T = float;
  using R = __m256;
  static constexpr int W = 8, MR = 6, NV = 2;
  static constexpr long KC = 256, MC = 96, NC = 4096;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const T* p) { return _mm256_load_ps(p); }
  static R loadu(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R x) { _mm256_store_ps(p, x); }
  static void storeu(T* p, R x) { _mm256_storeu_ps(p, x); }
  static R broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static R fma(R x, R y, R z) { return _mm256_fmadd_ps(x, y, z); }
  static R add(R x, R y) { return _mm256_add_ps(x, y); }
};

struct Avx2Double {
  using T = double;
  using R = __m256d;
  static constexpr int W = 4, MR = 6, NV = 2;
  static constexpr long KC = 256, MC = 96, NC = 2048;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const T* p) { return _mm256_load_pd(p); }
  static R loadu(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R x) { _mm256_store_pd(p, x); }
  static void storeu(T* p, R x) { _mm256_storeu_pd(p, x); }
  static R broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static R fma(R x, R y, R z) { return _mm256_fmadd_pd(x, y, z); }
  static R add(R x, R y) { return _mm256_add_pd(x, y); }
};

}  // namespace

bool dusk_sgemm_avx2(const float* a, const float* b, float* c, long m, long k, long n) {
  return gemm<Avx2Float>(a, b, c, m, k, n);
}

bool dusk_dgemm_avx2(const double* a, const double* b, double* c, long m, long k, long n) {
  return gemm<Avx2Double>(a, b, c, m, k, n);
}
