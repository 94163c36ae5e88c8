// Argument reading for the N-API kernels of group-by.cpp and filter-mask.cpp: typed arrays (with
// their element type and length checked by the caller), optional validity bitmaps (null or a
// Uint8Array), and integers carried as JS numbers. Every helper returns false on a wrong argument
// and the caller throws, so a kernel never runs on memory it was not given.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace dusk {

struct Typed {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

inline bool readTyped(napi_env env, napi_value value, Typed* out) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return false;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, value, &out->type, &out->length, &out->data, &buffer, &offset) == napi_ok;
}

inline bool readTypedAs(napi_env env, napi_value value, napi_typedarray_type type, Typed* out) {
  return readTyped(env, value, out) && out->type == type;
}

// A validity bitmap: null (no nulls, *out = nullptr) or a Uint8Array holding bits
// [bitOffset, bitOffset + rows).
inline bool readBits(napi_env env, napi_value value, int64_t bitOffset, int64_t rows, const uint8_t** out) {
  napi_valuetype kind;
  if (napi_typeof(env, value, &kind) != napi_ok) return false;
  if (kind == napi_null || kind == napi_undefined) {
    *out = nullptr;
    return true;
  }
  Typed t;
  if (!readTypedAs(env, value, napi_uint8_array, &t)) return false;
  if (rows > 0 && static_cast<uint64_t>((bitOffset + rows + 7) >> 3) > t.length) return false;
  *out = static_cast<const uint8_t*>(t.data);
  return true;
}

// An integer in [min, 2^53] carried as a JS number.
inline bool readInt(napi_env env, napi_value value, int64_t* out, int64_t min = 0) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return false;
  if (!(d >= static_cast<double>(min) && d <= 9007199254740992.0)) return false;
  const int64_t i = static_cast<int64_t>(d);
  if (static_cast<double>(i) != d) return false;
  *out = i;
  return true;
}

inline napi_value throwRange(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_DUSK_NATIVE", message);
  return nullptr;
}

inline napi_value throwType(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_DUSK_NATIVE", message);
  return nullptr;
}

inline napi_value numberValue(napi_env env, double value) {
  napi_value out;
  return napi_create_double(env, value, &out) == napi_ok ? out : nullptr;
}

inline size_t elementBytes(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8;
  }
}

inline bool validAt(const uint8_t* bits, int64_t bit) {
  return ((bits[bit >> 3] >> (bit & 7)) & 1) != 0;
}

// One exported function of a kernel family: its name on the module and its callback.
struct Kernel {
  const char* name;
  napi_callback fn;
};

// Adds each kernel to the module's exports; false when N-API fails.
template <size_t N>
inline bool registerKernels(napi_env env, napi_value exports, const Kernel (&kernels)[N]) {
  for (const Kernel& k : kernels) {
    napi_value fn;
    if (napi_create_function(env, k.name, NAPI_AUTO_LENGTH, k.fn, nullptr, &fn) != napi_ok ||
        napi_set_named_property(env, exports, k.name, fn) != napi_ok) {
      return false;
    }
  }
  return true;
}

}  // namespace dusk
