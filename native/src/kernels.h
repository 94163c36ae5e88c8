// The entry points of the ISA-specific kernel files, called by addon.cpp only after it checked
// that the CPU (and the OS) supports the ISA: C += A·B, row-major, false when out of memory.
#pragma once

extern "C" {
bool dusk_sgemm_avx2(const float* a, const float* b, float* c, long m, long k, long n);
bool dusk_dgemm_avx2(const double* a, const double* b, double* c, long m, long k, long n);
bool dusk_sgemm_avx512(const float* a, const float* b, float* c, long m, long k, long n);
bool dusk_dgemm_avx512(const double* a, const double* b, double* c, long m, long k, long n);
}
