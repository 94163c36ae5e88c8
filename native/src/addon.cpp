// dusk_native: the N-API glue of the optional native kernels. Exports
//   isas: the kernel sets this CPU can run, best first ('avx512', 'avx2'; empty without AVX2+FMA)
//   gemm(a, b, m, k, n, c, isa): C += A·B for row-major Float32Array or Float64Array A, B, C.
//   intRange, groupInts, groupEntries, encodeEntries, pairGroups: group-by key numbering (group-by.cpp).
//   sumInts, sumFloats, welford, mergeIntSums, mergeFloatSums, takeDoubles: group states (group-states.cpp).
//   internEntries, bytesHash, bytesEqual: string dictionary interning and checks (dictionary.cpp).
//   filterMask: numeric comparisons with constants under and / or, as a bool mask (filter-mask.cpp).
//   columnTally: a whole-frame aggregate's tally of one column under a selection mask (column-tally.cpp).
// This file is compiled without -m flags, so loading the addon on any x86-64 CPU is safe; the
// kernel files are only entered after __builtin_cpu_supports (which also checks that the OS
// saves the AVX / AVX-512 registers) said yes. The module is context-aware (NAPI_MODULE_INIT) and
// keeps no state, so every worker thread may load it and call it at once.
#include <node_api.h>

#include <cstdint>
#include <cstring>

#include "exports.h"
#include "kernels.h"

namespace {

bool hasAvx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool hasAvx512() {
  return hasAvx2() && __builtin_cpu_supports("avx512f");
}

// Throws a JS TypeError (or RangeError) and returns nullptr, the N-API way to fail a call.
napi_value fail(napi_env env, const char* message, bool range = false) {
  if (range) napi_throw_range_error(env, "ERR_DUSK_NATIVE", message);
  else napi_throw_type_error(env, "ERR_DUSK_NATIVE", message);
  return nullptr;
}

struct Matrix {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

bool readMatrix(napi_env env, napi_value value, Matrix* out) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return false;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, value, &out->type, &out->length, &out->data, &buffer, &offset) == napi_ok &&
         (out->type == napi_float32_array || out->type == napi_float64_array);
}

bool readDim(napi_env env, napi_value value, int64_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return false;
  if (!(d >= 0 && d <= 9007199254740991.0) || d != static_cast<double>(static_cast<int64_t>(d))) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7) {
    return fail(env, "dusk_native.gemm(a, b, m, k, n, c, isa) takes 7 arguments");
  }
  Matrix a, b, c;
  if (!readMatrix(env, argv[0], &a) || !readMatrix(env, argv[1], &b) || !readMatrix(env, argv[5], &c)) {
    return fail(env, "dusk_native.gemm: a, b and c must be Float32Array or Float64Array");
  }
  if (a.type != b.type || a.type != c.type) return fail(env, "dusk_native.gemm: a, b and c must share one type");
  int64_t m, k, n;
  if (!readDim(env, argv[2], &m) || !readDim(env, argv[3], &k) || !readDim(env, argv[4], &n)) {
    return fail(env, "dusk_native.gemm: m, k and n must be non-negative integers", true);
  }
  // Products are checked in double first so that a huge m·k cannot wrap around in int64.
  if (double(m) * double(k) != double(a.length) || double(k) * double(n) != double(b.length) ||
      double(m) * double(n) != double(c.length) || uint64_t(m) * uint64_t(k) != a.length ||
      uint64_t(k) * uint64_t(n) != b.length || uint64_t(m) * uint64_t(n) != c.length) {
    return fail(env, "dusk_native.gemm: the lengths of a, b, c are not m·k, k·n, m·n", true);
  }
  char isa[16] = {0};
  size_t isaLength = 0;
  if (napi_get_value_string_utf8(env, argv[6], isa, sizeof isa, &isaLength) != napi_ok) {
    return fail(env, "dusk_native.gemm: isa must be a string");
  }
  const bool f32 = a.type == napi_float32_array;
  bool ok;
  if (std::strcmp(isa, "avx512") == 0 && hasAvx512()) {
    ok = f32 ? dusk_sgemm_avx512(static_cast<const float*>(a.data), static_cast<const float*>(b.data), static_cast<float*>(c.data), m, k, n)
             : dusk_dgemm_avx512(static_cast<const double*>(a.data), static_cast<const double*>(b.data), static_cast<double*>(c.data), m, k, n);
  } else if (std::strcmp(isa, "avx2") == 0 && hasAvx2()) {
    ok = f32 ? dusk_sgemm_avx2(static_cast<const float*>(a.data), static_cast<const float*>(b.data), static_cast<float*>(c.data), m, k, n)
             : dusk_dgemm_avx2(static_cast<const double*>(a.data), static_cast<const double*>(b.data), static_cast<double*>(c.data), m, k, n);
  } else {
    return fail(env, "dusk_native.gemm: isa is not one this CPU supports (see dusk_native.isas)", true);
  }
  if (!ok) {
    napi_throw_error(env, "ERR_DUSK_NATIVE_MEMORY", "dusk_native.gemm: could not allocate the packing buffers");
    return nullptr;
  }
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value isas, name, gemm;
  if (napi_create_array(env, &isas) != napi_ok) return nullptr;
  const char* const names[] = {"avx512", "avx2"};
  const bool supported[] = {hasAvx512(), hasAvx2()};
  uint32_t count = 0;
  for (int i = 0; i < 2; i++) {
    if (!supported[i]) continue;
    if (napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &name) != napi_ok || napi_set_element(env, isas, count++, name) != napi_ok) {
      return nullptr;
    }
  }
  if (napi_set_named_property(env, exports, "isas", isas) != napi_ok ||
      napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &gemm) != napi_ok ||
      napi_set_named_property(env, exports, "gemm", gemm) != napi_ok || !dusk::registerGroupBy(env, exports) || !dusk::registerGroupStates(env, exports) ||
      !dusk::registerFilterMask(env, exports) || !dusk::registerDictionary(env, exports) ||
      !dusk::registerColumnTally(env, exports)) {
    return nullptr;
  }
  return exports;
}
