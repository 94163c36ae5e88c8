// The per-group state loops of src/cpu/kernels/group-by/ in C++: the accumulate loops of the
// exact integer sum, the double-double float sum and Welford's moments (int-sum-state.ts,
// float-sum-state.ts, moments-state.ts), the merges of the sum states and the take of state
// arrays. Each loop is the TypeScript one, row for row and operation for operation (IEEE
// doubles, no FMA contraction: compiled with -ffp-contract=off), so the results are the same bit
// for bit; integer sums go to int64 accumulators, exact for any partition of fewer than 2^31
// rows of 32-bit values. Every call takes a whole chunk with its validity bitmap, so null rows
// cost no JS call. Compiled without ISA flags: the loops are scatters to group slots.
#include <node_api.h>

#include <cmath>
#include <cstdint>

#include "exports.h"
#include "group-by-args.h"
#include "napi-args.h"

namespace dusk {
namespace {

// sumInts(values, bits, bitOffset, length, gid, start, acc): acc[gid[start + i]] += values[i] for
// every valid row, acc a BigInt64Array; the values are integers of at most 32 bits.
napi_value SumInts(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.sumInts takes 7 arguments");
  Rows rows;
  Typed acc;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readGid(env, argv[4], argv[5], &rows) ||
      !readTypedAs(env, argv[6], napi_bigint64_array, &acc)) {
    return throwType(env, "dusk_native.sumInts: bad arguments");
  }
  int64_t* a = static_cast<int64_t*>(acc.data);
  const uint64_t groups = acc.length;
  const int32_t* gid = rows.gid + rows.start;
  bool ok = true;
  withInts(rows.values, [&](auto v) {
    if (groups == 1 && rows.bits == nullptr) {
      int64_t s = 0;
      for (int64_t i = 0; i < rows.length; i++) s += static_cast<int64_t>(v[i]);
      a[0] += s;
      return;
    }
    for (int64_t i = 0; i < rows.length; i++) {
      if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) continue;
      const uint32_t g = static_cast<uint32_t>(gid[i]);
      if (g >= groups) {
        ok = false;
        return;
      }
      a[g] += static_cast<int64_t>(v[i]);
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.sumInts: a group id is out of range, or values are not 8-32-bit integers");
  return nullptr;
}

// sumFloats(values, bits, bitOffset, length, gid, start, hi, lo): float-sum-state.ts addRun, the
// two-sum of every valid row into its group's hi + lo.
napi_value SumFloats(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.sumFloats takes 8 arguments");
  Rows rows;
  Typed hiT, loT;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readGid(env, argv[4], argv[5], &rows) ||
      !readTypedAs(env, argv[6], napi_float64_array, &hiT) || !readTypedAs(env, argv[7], napi_float64_array, &loT) ||
      loT.length != hiT.length) {
    return throwType(env, "dusk_native.sumFloats: bad arguments");
  }
  double* hi = static_cast<double*>(hiT.data);
  double* lo = static_cast<double*>(loT.data);
  const uint64_t groups = hiT.length;
  const int32_t* gid = rows.gid + rows.start;
  bool ok = true;
  withFloats(rows.values, [&](auto v) {
    if (groups == 1) {
      double a = hi[0];
      double l = lo[0];
      for (int64_t i = 0; i < rows.length; i++) {
        if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) continue;
        const double x = v[i];
        const double t = a + x;
        const double b = t - a;
        l += a - (t - b) + (x - b);
        a = t;
      }
      hi[0] = a;
      lo[0] = l;
      return;
    }
    for (int64_t i = 0; i < rows.length; i++) {
      if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) continue;
      const uint32_t g = static_cast<uint32_t>(gid[i]);
      if (g >= groups) {
        ok = false;
        return;
      }
      const double x = v[i];
      const double a = hi[g];
      const double t = a + x;
      const double b = t - a;
      lo[g] += a - (t - b) + (x - b);
      hi[g] = t;
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.sumFloats: a group id is out of range, or values are not floats");
  return nullptr;
}

// welford(values, bits, bitOffset, length, gid, start, count, mean, m2): moments-state.ts
// welfordRun over every valid row; values of any numeric type but 64-bit integers.
napi_value Welford(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.welford takes 9 arguments");
  Rows rows;
  Typed countT, meanT, m2T;
  if (!readRows(env, argv[0], argv[1], argv[2], argv[3], &rows) || !readGid(env, argv[4], argv[5], &rows) ||
      !readTypedAs(env, argv[6], napi_float64_array, &countT) || !readTypedAs(env, argv[7], napi_float64_array, &meanT) ||
      !readTypedAs(env, argv[8], napi_float64_array, &m2T) || meanT.length != countT.length || m2T.length != countT.length) {
    return throwType(env, "dusk_native.welford: bad arguments");
  }
  double* count = static_cast<double*>(countT.data);
  double* mean = static_cast<double*>(meanT.data);
  double* m2 = static_cast<double*>(m2T.data);
  const uint64_t groups = countT.length;
  const int32_t* gid = rows.gid + rows.start;
  bool ok = true;
  withNumbers(rows.values, [&](auto v) {
    if (groups == 1) {
      double c = count[0];
      double mu = mean[0];
      double q = m2[0];
      for (int64_t i = 0; i < rows.length; i++) {
        if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) continue;
        const double x = static_cast<double>(v[i]);
        const double n = ++c;
        const double d = x - mu;
        const double m = mu + d / n;
        mu = m;
        q += d * (x - m);
      }
      count[0] = c;
      mean[0] = mu;
      m2[0] = q;
      return;
    }
    for (int64_t i = 0; i < rows.length; i++) {
      if (rows.bits != nullptr && !validAt(rows.bits, rows.bitOffset + i)) continue;
      const uint32_t g = static_cast<uint32_t>(gid[i]);
      if (g >= groups) {
        ok = false;
        return;
      }
      const double x = static_cast<double>(v[i]);
      const double n = ++count[g];
      const double d = x - mean[g];
      const double m = mean[g] + d / n;
      mean[g] = m;
      m2[g] += d * (x - m);
    }
  }) || (ok = false);
  if (!ok) return throwRange(env, "dusk_native.welford: a group id is out of range, or values are 64-bit integers");
  return nullptr;
}

// The Float64Arrays of a merge call: `count` of them, each at least `length` long.
bool readDoubles(napi_env env, napi_value* argv, int count, int64_t length, double** out) {
  for (int k = 0; k < count; k++) {
    Typed t;
    if (!readTypedAs(env, argv[k], napi_float64_array, &t) || t.length < static_cast<uint64_t>(length)) return false;
    out[k] = static_cast<double*>(t.data);
  }
  return true;
}

// The group ids gid[offset, offset + rows) of a merge call, each below `groups`.
bool readMergeIds(napi_env env, napi_value gidV, napi_value offsetV, napi_value rowsV, int64_t groups, const int32_t** gid, int64_t* rows) {
  Typed t;
  int64_t offset;
  if (!readTypedAs(env, gidV, napi_int32_array, &t) || !readInt(env, offsetV, &offset) || !readInt(env, rowsV, rows) ||
      static_cast<uint64_t>(offset + *rows) > t.length) {
    return false;
  }
  *gid = static_cast<const int32_t*>(t.data) + offset;
  for (int64_t r = 0; r < *rows; r++) {
    if (static_cast<uint64_t>(static_cast<uint32_t>((*gid)[r])) >= static_cast<uint64_t>(groups) || (*gid)[r] < 0) return false;
  }
  return true;
}

// mergeIntSums(gid, offset, rows, count, l0, l1, l2, outCount, outL0, outL1, outL2): int-sum-state.ts
// merge for one partial state: row r goes to group gid[offset + r], its limbs carried exactly.
napi_value MergeIntSums(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.mergeIntSums takes 11 arguments");
  Typed outCountT;
  if (!readTypedAs(env, argv[7], napi_float64_array, &outCountT)) return throwType(env, "dusk_native.mergeIntSums: bad arguments");
  const int64_t groups = static_cast<int64_t>(outCountT.length);
  const int32_t* gid;
  int64_t rows;
  double* in[4];
  double* out[4];
  if (!readMergeIds(env, argv[0], argv[1], argv[2], groups, &gid, &rows) || !readDoubles(env, argv + 3, 4, rows, in) ||
      !readDoubles(env, argv + 7, 4, groups, out)) {
    return throwRange(env, "dusk_native.mergeIntSums: arrays too short or group ids out of range");
  }
  const double two32 = 4294967296.0;
  for (int64_t r = 0; r < rows; r++) {
    const int64_t g = gid[r];
    out[0][g] += in[0][r];
    const double x = out[1][g] + in[1][r];
    const double c = std::floor(x / two32);
    out[1][g] = x - c * two32;
    const double y = out[2][g] + in[2][r] + c;
    const double c2 = std::floor(y / two32);
    out[2][g] = y - c2 * two32;
    out[3][g] += c2;
    out[3][g] += in[3][r];
  }
  return nullptr;
}

// mergeFloatSums(gid, offset, rows, count, hi, lo, outCount, outHi, outLo): float-sum-state.ts
// merge (addInto) for one partial state.
napi_value MergeFloatSums(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.mergeFloatSums takes 9 arguments");
  Typed outCountT;
  if (!readTypedAs(env, argv[6], napi_float64_array, &outCountT)) return throwType(env, "dusk_native.mergeFloatSums: bad arguments");
  const int64_t groups = static_cast<int64_t>(outCountT.length);
  const int32_t* gid;
  int64_t rows;
  double* in[3];
  double* out[3];
  if (!readMergeIds(env, argv[0], argv[1], argv[2], groups, &gid, &rows) || !readDoubles(env, argv + 3, 3, rows, in) ||
      !readDoubles(env, argv + 6, 3, groups, out)) {
    return throwRange(env, "dusk_native.mergeFloatSums: arrays too short or group ids out of range");
  }
  for (int64_t r = 0; r < rows; r++) {
    const int64_t g = gid[r];
    out[0][g] += in[0][r];
    const double aHi = out[1][g];
    const double bHi = in[1][r];
    const double t = aHi + bHi;
    if (!std::isfinite(t)) {
      out[1][g] = t;
      out[2][g] = 0;
      continue;
    }
    const double bb = t - aHi;
    const double e = aHi - (t - bb) + (bHi - bb) + (out[2][g] + in[2][r]);
    const double h = t + e;
    out[1][g] = h;
    out[2][g] = e - (h - t);
  }
  return nullptr;
}

// takeDoubles(a, rows, out): out[j] = a[rows[j]] (state-kernel.ts takeF64).
napi_value TakeDoubles(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Typed a, rows, out;
  if (!args(env, info, argv) || !readTypedAs(env, argv[0], napi_float64_array, &a) || !readTypedAs(env, argv[1], napi_int32_array, &rows) ||
      !readTypedAs(env, argv[2], napi_float64_array, &out) || out.length < rows.length) {
    return throwType(env, "dusk_native.takeDoubles: bad arguments");
  }
  const double* from = static_cast<const double*>(a.data);
  const int32_t* row = static_cast<const int32_t*>(rows.data);
  double* to = static_cast<double*>(out.data);
  for (size_t j = 0; j < rows.length; j++) {
    if (static_cast<uint64_t>(static_cast<uint32_t>(row[j])) >= a.length || row[j] < 0) return throwRange(env, "dusk_native.takeDoubles: a row is out of range");
    to[j] = from[row[j]];
  }
  return nullptr;
}

}  // namespace

bool registerGroupStates(napi_env env, napi_value exports) {
  const Kernel kernels[] = {
      {"sumInts", SumInts}, {"sumFloats", SumFloats}, {"welford", Welford},
      {"mergeIntSums", MergeIntSums}, {"mergeFloatSums", MergeFloatSums}, {"takeDoubles", TakeDoubles},
  };
  return registerKernels(env, exports, kernels);
}

}  // namespace dusk
