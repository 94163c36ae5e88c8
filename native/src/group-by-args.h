// Shared by the group-by kernel files (group-by.cpp, group-states.cpp): dispatch on a typed
// array's integer or float element type, and the reading of the rows a call works on (values,
// validity bitmap, group ids), each checked against the lengths the call says.
#pragma once

#include <node_api.h>

#include <cstdint>

#include "napi-args.h"

namespace dusk {


// Calls f(pointer) with the typed pointer of an integer array of at most 32 bits; false otherwise.
template <typename F>
inline bool withInts(const Typed& t, F&& f) {
  switch (t.type) {
    case napi_int8_array: f(static_cast<const int8_t*>(t.data)); return true;
    case napi_uint8_array: f(static_cast<const uint8_t*>(t.data)); return true;
    case napi_int16_array: f(static_cast<const int16_t*>(t.data)); return true;
    case napi_uint16_array: f(static_cast<const uint16_t*>(t.data)); return true;
    case napi_int32_array: f(static_cast<const int32_t*>(t.data)); return true;
    case napi_uint32_array: f(static_cast<const uint32_t*>(t.data)); return true;
    default: return false;
  }
}

// The same for float arrays, then for every numeric array a double holds exactly.
template <typename F>
inline bool withFloats(const Typed& t, F&& f) {
  switch (t.type) {
    case napi_float32_array: f(static_cast<const float*>(t.data)); return true;
    case napi_float64_array: f(static_cast<const double*>(t.data)); return true;
    default: return false;
  }
}

template <typename F>
inline bool withNumbers(const Typed& t, F&& f) {
  return withInts(t, f) || withFloats(t, f);
}

template <size_t N>
inline bool args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) == napi_ok && argc == N;
}

// The rows a call reads: `values` (at least `length` elements), its validity bitmap, and the
// group ids gid[start, start + length).
struct Rows {
  Typed values;
  const uint8_t* bits;
  int64_t bitOffset;
  int64_t length;
  const int32_t* gid;
  int64_t start;
};

inline bool readRows(napi_env env, napi_value values, napi_value bits, napi_value bitOffset, napi_value length, Rows* out) {
  if (!readTyped(env, values, &out->values) || !readInt(env, bitOffset, &out->bitOffset) || !readInt(env, length, &out->length)) {
    return false;
  }
  return out->values.length >= static_cast<uint64_t>(out->length) && readBits(env, bits, out->bitOffset, out->length, &out->bits);
}

inline bool readGid(napi_env env, napi_value gid, napi_value start, Rows* rows) {
  Typed t;
  if (!readTypedAs(env, gid, napi_int32_array, &t) || !readInt(env, start, &rows->start)) return false;
  rows->gid = static_cast<const int32_t*>(t.data);
  return static_cast<uint64_t>(rows->start + rows->length) <= t.length;
}

}  // namespace dusk
