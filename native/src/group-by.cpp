// The key numbering of src/cpu/kernels/group-by/ in C++: the range of an integer key column
// (encode-column.ts smallIntRange), numbering one small-range integer or dictionary key column
// into dense group ids in order of first appearance (dense-groups.ts), a dictionary column's
// entry codes per row (encodeDictionary), and the fold of a second key's codes into the group
// ids (group-rows.ts densifyPairs). Each loop is the TypeScript one, so the ids are the same.
// Every call takes a whole chunk with its validity bitmap, and every index it follows is
// checked. Compiled without ISA flags: the loops are table lookups, not vector work.
#include <node_api.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "exports.h"
#include "group-by-args.h"
#include "napi-args.h"

namespace dusk {
namespace {

// groupInts(values, bits, bitOffset, length, shift, start, gid, map, first, count, groups) → groups:
// dense-groups.ts numberInts. Code 0 is null, value x is code x + shift; map[code] is the code's
// group (-1 while unseen), count[code] its rows; first[g] the first row of group g.
napi_value GroupInts(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.groupInts takes 11 arguments");
  Rows rows;
  Typed gidT, map, first, count;
  int64_t shift, groups;
  double shiftD;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || napi_get_value_double(env, argv[4], &shiftD) != napi_ok ||
      !readInt(env, argv[5], &rows.start) || !readTypedAs(env, argv[6], napi_int32_array, &gidT) ||
      !readTypedAs(env, argv[7], napi_int32_array, &map) || !readTypedAs(env, argv[8], napi_int32_array, &first) ||
      !readTypedAs(env, argv[9], napi_float64_array, &count) || !readInt(env, argv[10], &groups)) {
    return throwType(env, "dusk_native.groupInts: bad arguments");
  }
  shift = static_cast<int64_t>(shiftD);
  if (static_cast<double>(shift) != shiftD || static_cast<uint64_t>(rows.start + rows.length) > gidT.length ||
      count.length < map.length || static_cast<uint64_t>(groups) > first.length) {
    return throwRange(env, "dusk_native.groupInts: arrays too short");
  }
  int32_t* gid = static_cast<int32_t*>(gidT.data);
  int32_t* m = static_cast<int32_t*>(map.data);
  int32_t* f = static_cast<int32_t*>(first.data);
  double* c = static_cast<double*>(count.data);
  const uint64_t cards = map.length;
  const uint64_t firsts = first.length;
  bool ok = true;
  withInts(rows.values, [&](auto v) {
    for (int64_t i = 0; i < rows.length; i++) {
      const int64_t code = rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i) ? 0 : static_cast<int64_t>(v[i]) + shift;
      if (static_cast<uint64_t>(code) >= cards) {
        ok = false;
        return;
      }
      c[code]++;
      int32_t g = m[code];
      if (g < 0) {
        if (static_cast<uint64_t>(groups) >= firsts) {
          ok = false;
          return;
        }
        g = m[code] = static_cast<int32_t>(groups);
        f[groups++] = static_cast<int32_t>(rows.start + i);
      }
      gid[rows.start + i] = g;
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.groupInts: a value is outside the code range, or values are not 8-32-bit integers");
  return numberValue(env, static_cast<double>(groups));
}

// groupEntries(idx, bits, bitOffset, length, codes, entryGroup, entryCount, start, gid, map, first,
// groups, nulls) → groups: dense-groups.ts numberEntries. Entry k of the chunk's dictionary has
// code codes[k] (0 for a null entry) and group entryGroup[k] once seen; null rows count in nulls[0].
napi_value GroupEntries(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.groupEntries takes 13 arguments");
  Rows rows;
  Typed codes, entryGroup, entryCount, gidT, map, first, nulls;
  int64_t groups;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readTypedAs(env, argv[4], napi_int32_array, &codes) ||
      !readTypedAs(env, argv[5], napi_int32_array, &entryGroup) || !readTypedAs(env, argv[6], napi_float64_array, &entryCount) ||
      !readInt(env, argv[7], &rows.start) || !readTypedAs(env, argv[8], napi_int32_array, &gidT) ||
      !readTypedAs(env, argv[9], napi_int32_array, &map) || !readTypedAs(env, argv[10], napi_int32_array, &first) ||
      !readInt(env, argv[11], &groups) || !readTypedAs(env, argv[12], napi_float64_array, &nulls)) {
    return throwType(env, "dusk_native.groupEntries: bad arguments");
  }
  if (static_cast<uint64_t>(rows.start + rows.length) > gidT.length || entryGroup.length < codes.length ||
      entryCount.length < codes.length || nulls.length < 1 || map.length < 1 || static_cast<uint64_t>(groups) > first.length) {
    return throwRange(env, "dusk_native.groupEntries: arrays too short");
  }
  const int32_t* code = static_cast<const int32_t*>(codes.data);
  int32_t* entry = static_cast<int32_t*>(entryGroup.data);
  double* count = static_cast<double*>(entryCount.data);
  int32_t* gid = static_cast<int32_t*>(gidT.data);
  int32_t* m = static_cast<int32_t*>(map.data);
  int32_t* f = static_cast<int32_t*>(first.data);
  double* nullRows = static_cast<double*>(nulls.data);
  const uint64_t entries = codes.length;
  const uint64_t cards = map.length;
  const uint64_t firsts = first.length;
  bool ok = true;
  auto groupOf = [&](int64_t c, int64_t row) -> int32_t {
    int32_t g = m[c];
    if (g < 0) {
      if (static_cast<uint64_t>(groups) >= firsts) {
        ok = false;
        return 0;
      }
      g = m[c] = static_cast<int32_t>(groups);
      f[groups++] = static_cast<int32_t>(row);
    }
    return g;
  };
  withInts(rows.values, [&](auto idx) {
    for (int64_t i = 0; i < rows.length && ok; i++) {
      int32_t g;
      if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) {
        nullRows[0]++;
        g = groupOf(0, rows.start + i);
      } else {
        const int64_t k = static_cast<int64_t>(idx[i]);
        if (static_cast<uint64_t>(k) >= entries) {
          ok = false;
          return;
        }
        count[k]++;
        g = entry[k];
        if (g < 0) {
          const int64_t c = code[k];
          if (static_cast<uint64_t>(c) >= cards) {
            ok = false;
            return;
          }
          g = entry[k] = groupOf(c, rows.start + i);
        }
      }
      gid[rows.start + i] = g;
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.groupEntries: an index or code is out of range, or indices are not 8-32-bit integers");
  return numberValue(env, static_cast<double>(groups));
}

// intRange(values, bits, bitOffset, length, out): out[0] = min(out[0], least valid value) and
// out[1] = max(out[1], greatest), for integers of at most 32 bits (encode-column.ts smallIntRange).
napi_value IntRange(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.intRange takes 5 arguments");
  Rows rows;
  Typed out;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readTypedAs(env, argv[4], napi_float64_array, &out) || out.length < 2) {
    return throwType(env, "dusk_native.intRange: bad arguments");
  }
  double* range = static_cast<double*>(out.data);
  const bool ok = withInts(rows.values, [&](auto v) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(v)>>;
    if (rows.length == 0) return;
    T lo = std::numeric_limits<T>::max();
    T hi = std::numeric_limits<T>::min();
    bool any = rows.bits == nullptr;
    if (rows.bits == nullptr) {
      // Branch-free, so the compiler keeps both in vector registers.
      for (int64_t i = 0; i < rows.length; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
      }
    } else {
      for (int64_t i = 0; i < rows.length; i++) {
        if (!validAt(rows.bits, rows.bitOffset + i)) continue;
        any = true;
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
      }
    }
    if (!any) return;
    if (static_cast<double>(lo) < range[0]) range[0] = static_cast<double>(lo);
    if (static_cast<double>(hi) > range[1]) range[1] = static_cast<double>(hi);
  });
  if (!ok) return throwType(env, "dusk_native.intRange: values are not 8-32-bit integers");
  return nullptr;
}

// encodeEntries(idx, bits, bitOffset, length, codes, out, start): encode-column.ts
// encodeDictionary's row loop, out[start + i] = codes[idx[i]] for valid rows and 0 for null ones.
napi_value EncodeEntries(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.encodeEntries takes 7 arguments");
  Rows rows;
  Typed codesT, outT;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readTypedAs(env, argv[4], napi_int32_array, &codesT) ||
      !readTypedAs(env, argv[5], napi_int32_array, &outT) || !readInt(env, argv[6], &rows.start)) {
    return throwType(env, "dusk_native.encodeEntries: bad arguments");
  }
  if (static_cast<uint64_t>(rows.start + rows.length) > outT.length) return throwRange(env, "dusk_native.encodeEntries: out too short");
  const int32_t* codes = static_cast<const int32_t*>(codesT.data);
  int32_t* out = static_cast<int32_t*>(outT.data) + rows.start;
  const uint64_t entries = codesT.length;
  bool ok = true;
  withInts(rows.values, [&](auto idx) {
    for (int64_t i = 0; i < rows.length; i++) {
      if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) {
        out[i] = 0;
        continue;
      }
      const int64_t k = static_cast<int64_t>(idx[i]);
      if (static_cast<uint64_t>(k) >= entries) {
        ok = false;
        return;
      }
      out[i] = codes[k];
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.encodeEntries: an index is out of range, or indices are not 8-32-bit integers");
  return nullptr;
}

// pairGroups(gid, codes, card, map, first, sizes) → groups: group-rows.ts densifyPairs, gid[i] ←
// the dense id of gid[i]·card + codes[i] in order of first appearance (map: -1 while unseen),
// counting rows per group into sizes unless it is null.
napi_value PairGroups(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.pairGroups takes 6 arguments");
  Typed gidT, codesT, mapT, firstT, sizesT;
  int64_t card;
  napi_valuetype sizesKind;
  if (!readTypedAs(env, argv[0], napi_int32_array, &gidT) || !readTypedAs(env, argv[1], napi_int32_array, &codesT) ||
      !readInt(env, argv[2], &card) || !readTypedAs(env, argv[3], napi_int32_array, &mapT) ||
      !readTypedAs(env, argv[4], napi_int32_array, &firstT) || napi_typeof(env, argv[5], &sizesKind) != napi_ok ||
      (sizesKind != napi_null && !readTypedAs(env, argv[5], napi_float64_array, &sizesT)) || codesT.length < gidT.length) {
    return throwType(env, "dusk_native.pairGroups: bad arguments");
  }
  int32_t* gid = static_cast<int32_t*>(gidT.data);
  const int32_t* codes = static_cast<const int32_t*>(codesT.data);
  int32_t* map = static_cast<int32_t*>(mapT.data);
  int32_t* first = static_cast<int32_t*>(firstT.data);
  double* sizes = sizesKind == napi_null ? nullptr : static_cast<double*>(sizesT.data);
  const uint64_t space = mapT.length;
  const uint64_t firsts = sizes == nullptr ? firstT.length : (firstT.length < sizesT.length ? firstT.length : sizesT.length);
  const int64_t n = static_cast<int64_t>(gidT.length);
  int64_t groups = 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t c = static_cast<int64_t>(gid[i]) * card + codes[i];
    if (static_cast<uint64_t>(c) >= space) return throwRange(env, "dusk_native.pairGroups: a pair is outside the code space");
    int32_t g = map[c];
    if (g < 0) {
      if (static_cast<uint64_t>(groups) >= firsts) return throwRange(env, "dusk_native.pairGroups: first is too short");
      g = map[c] = static_cast<int32_t>(groups);
      first[groups++] = static_cast<int32_t>(i);
    }
    gid[i] = g;
    if (sizes != nullptr) sizes[g]++;
  }
  return numberValue(env, static_cast<double>(groups));
}

// The Float64Arrays of a merge call: `count` of them, each at least `length` long.
}  // namespace

bool registerGroupBy(napi_env env, napi_value exports) {
  const Kernel kernels[] = {
      {"intRange", IntRange}, {"groupInts", GroupInts}, {"groupEntries", GroupEntries},
      {"encodeEntries", EncodeEntries}, {"pairGroups", PairGroups},
  };
  return registerKernels(env, exports, kernels);
}

}  // namespace dusk
