// The whole-frame aggregate loop of src/cpu/kernels/group-by/column-tally.ts in C++: one pass over
// the rows of one column chunk that a selection mask keeps (mask true and not null; no mask keeps
// every row), tallying at once what the aggregates without keys need: the rows kept, the
// non-null values among them, the first and last such row, and as asked the sum (int64 for
// integers, the double-double two-sum for floats), Welford's moments, and the row of the least
// and greatest value. Rows are visited in order and each update is the TypeScript group-by
// loop's (float-sum-state.ts addRun, moments-state.ts welfordRun, pick-state.ts better), IEEE
// doubles without FMA contraction (-ffp-contract=off), so the states are the same bit for bit as
// partialGroupBy's over the gathered rows. Rows go 64 at a time as bit words (mask and validity
// and-ed), so unselected rows cost nothing but their bit, and a full word runs a plain loop.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "exports.h"
#include "group-by-args.h"
#include "napi-args.h"

namespace dusk {
namespace {

// The slots of the tally (a Float64Array the caller keeps across chunks). Rows are the caller's
// numbering: `base` + the chunk-local row.
enum Slot {
  ROWS = 0, VALID = 1, FIRST = 2, LAST = 3, HI = 4, LO = 5, COUNT = 6, MEAN = 7, M2 = 8,
  MIN_ROW = 9, MIN_VALUE = 10, MAX_ROW = 11, MAX_VALUE = 12, SLOTS = 13,
};
enum Flag { SUM = 1, MOMENTS = 2, MIN = 4, MAX = 8 };

// A bitmap and the bit of the chunk's row 0 in it; data is null when every bit is set.
struct Bitmap {
  const uint8_t* data;
  uint64_t bytes;
  int64_t offset;
};

// Bits [at, at + n) of the bitmap (n ≤ 64), low bit first. Eight bytes at once while nine are
// there; never a byte past the end.
inline uint64_t bitsAt(const Bitmap& b, int64_t row, int n) {
  const int64_t at = b.offset + row;
  const uint64_t byte = static_cast<uint64_t>(at >> 3);
  const int shift = static_cast<int>(at & 7);
  uint64_t word;
  if (byte + 9 <= b.bytes) {
    std::memcpy(&word, b.data + byte, 8);
    word >>= shift;
    if (shift != 0) word |= static_cast<uint64_t>(b.data[byte + 8]) << (64 - shift);
  } else {
    const int count = (shift + n + 7) >> 3;
    unsigned __int128 acc = 0;
    for (int k = 0; k < count; k++) acc |= static_cast<unsigned __int128>(b.data[byte + k]) << (8 * k);
    word = static_cast<uint64_t>(acc >> shift);
  }
  return n == 64 ? word : word & ((uint64_t{1} << n) - 1);
}

// The running tally in registers.
struct Tally {
  double rows, valid, first, last, hi, lo, count, mean, m2, minRow, minValue, maxRow, maxValue;
  int64_t isum;
};

// pick-state.ts better(): NaN above everything, ties keep the earlier row.
inline bool less(double x, double c) { return x < c || (c != c && x == x); }
inline bool greater(double x, double c) { return x > c || (x != x && c == c); }

template <typename T, bool FLOAT, bool SUMS, bool MOM, bool PICK>
inline void update(Tally& t, T value, double row, int flags) {
  const double x = static_cast<double>(value);
  if constexpr (SUMS) {
    if constexpr (FLOAT) {
      const double s = t.hi + x;
      const double b = s - t.hi;
      t.lo += t.hi - (s - b) + (x - b);
      t.hi = s;
    } else {
      t.isum += static_cast<int64_t>(value);
    }
  }
  if constexpr (MOM) {
    const double n = ++t.count;
    const double d = x - t.mean;
    const double m = t.mean + d / n;
    t.mean = m;
    t.m2 += d * (x - m);
  }
  if constexpr (PICK) {
    if ((flags & MIN) != 0 && (t.minRow < 0 || less(x, t.minValue))) {
      t.minRow = row;
      t.minValue = x;
    }
    if ((flags & MAX) != 0 && (t.maxRow < 0 || greater(x, t.maxValue))) {
      t.maxRow = row;
      t.maxValue = x;
    }
  }
}

// The values of the rows of one word (bit j: row w0 + j), in row order.
template <typename T, bool FLOAT, bool SUMS, bool MOM, bool PICK>
inline void tallyWord(const T* v, int64_t w0, uint64_t word, double at, int flags, Tally& t) {
  if (word == ~uint64_t{0}) {
    // Every row of the word: a plain loop (the integer sum alone vectorizes).
    const T* x = v + w0;
    if constexpr (SUMS && !FLOAT && !MOM && !PICK) {
      int64_t s = 0;
      for (int j = 0; j < 64; j++) s += static_cast<int64_t>(x[j]);
      t.isum += s;
    } else {
      for (int j = 0; j < 64; j++) update<T, FLOAT, SUMS, MOM, PICK>(t, x[j], at + j, flags);
    }
    return;
  }
  while (word != 0) {
    const int j = __builtin_ctzll(word);
    update<T, FLOAT, SUMS, MOM, PICK>(t, v[w0 + j], at + j, flags);
    word &= word - 1;
  }
}

// Counts (and with values, tallies) the rows of one chunk. VALUES false reads no values.
template <typename T, bool FLOAT, bool VALUES, bool SUMS, bool MOM, bool PICK>
void tallyRows(const T* v, const Bitmap& valid, const Bitmap& mask, const Bitmap& maskValid, int64_t length, int64_t base, int flags, Tally& out) {
  // A local copy the values cannot alias (a double* may point into `out`), so it stays in
  // registers: through memory, every row would wait for the store of the row before.
  Tally t = out;
  for (int64_t w0 = 0; w0 < length; w0 += 64) {
    const int n = static_cast<int>(length - w0 < 64 ? length - w0 : 64);
    const uint64_t all = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    uint64_t word = mask.data == nullptr ? all : bitsAt(mask, w0, n);
    if (maskValid.data != nullptr) word &= bitsAt(maskValid, w0, n);
    t.rows += __builtin_popcountll(word);
    if (valid.data != nullptr) word &= bitsAt(valid, w0, n);
    if (word == 0) continue;
    t.valid += __builtin_popcountll(word);
    const double at = static_cast<double>(base + w0);
    if (t.first < 0) t.first = at + __builtin_ctzll(word);
    t.last = at + (63 - __builtin_clzll(word));
    if constexpr (VALUES) tallyWord<T, FLOAT, SUMS, MOM, PICK>(v, w0, word, at, flags, t);
  }
  out = t;
}

template <typename T, bool FLOAT, bool SUMS, bool MOM>
void withPick(const T* v, const Bitmap& valid, const Bitmap& mask, const Bitmap& maskValid, int64_t length, int64_t base, int flags, Tally& t) {
  if ((flags & (MIN | MAX)) != 0) tallyRows<T, FLOAT, true, SUMS, MOM, true>(v, valid, mask, maskValid, length, base, flags, t);
  else tallyRows<T, FLOAT, true, SUMS, MOM, false>(v, valid, mask, maskValid, length, base, flags, t);
}

template <typename T, bool FLOAT>
void tallyTyped(const T* v, const Bitmap& valid, const Bitmap& mask, const Bitmap& maskValid, int64_t length, int64_t base, int flags, Tally& t) {
  const bool sums = (flags & SUM) != 0;
  const bool mom = (flags & MOMENTS) != 0;
  if (sums && mom) withPick<T, FLOAT, true, true>(v, valid, mask, maskValid, length, base, flags, t);
  else if (sums) withPick<T, FLOAT, true, false>(v, valid, mask, maskValid, length, base, flags, t);
  else if (mom) withPick<T, FLOAT, false, true>(v, valid, mask, maskValid, length, base, flags, t);
  else withPick<T, FLOAT, false, false>(v, valid, mask, maskValid, length, base, flags, t);
}

// A bitmap argument: null, or a Uint8Array holding bits [offset, offset + rows).
bool readBitmap(napi_env env, napi_value value, napi_value offsetV, int64_t rows, Bitmap* out) {
  napi_valuetype kind;
  if (napi_typeof(env, value, &kind) != napi_ok || !readInt(env, offsetV, &out->offset)) return false;
  if (kind == napi_null || kind == napi_undefined) {
    out->data = nullptr;
    out->bytes = 0;
    return true;
  }
  Typed t;
  if (!readTypedAs(env, value, napi_uint8_array, &t)) return false;
  if (rows > 0 && static_cast<uint64_t>((out->offset + rows + 7) >> 3) > t.length) return false;
  out->data = static_cast<const uint8_t*>(t.data);
  out->bytes = t.length;
  return true;
}

// columnTally(values, bits, bitOffset, length, mask, maskValid, maskOffset, base, flags, tally, isum):
// tallies rows [0, length) of a chunk into the Float64Array tally (slots above) and the one-slot
// BigInt64Array isum (integer sums). values may be null when flags is 0 (counts only); otherwise a
// numeric array of at most 32 bits per integer, or floats.
napi_value ColumnTally(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!args(env, info, argv)) return throwType(env, "dusk_native.columnTally takes 11 arguments");
  int64_t length, base, flags;
  Bitmap valid, mask, maskValid;
  Typed values, tallyT, isumT;
  napi_valuetype valuesKind;
  if (!readInt(env, argv[3], &length) || !readInt(env, argv[7], &base) || !readInt(env, argv[8], &flags) || flags > 15 ||
      !readBitmap(env, argv[1], argv[2], length, &valid) || !readBitmap(env, argv[4], argv[6], length, &mask) ||
      !readBitmap(env, argv[5], argv[6], length, &maskValid) || !readTypedAs(env, argv[9], napi_float64_array, &tallyT) ||
      tallyT.length < SLOTS || !readTypedAs(env, argv[10], napi_bigint64_array, &isumT) || isumT.length < 1 ||
      napi_typeof(env, argv[0], &valuesKind) != napi_ok) {
    return throwType(env, "dusk_native.columnTally: bad arguments");
  }
  const bool hasValues = valuesKind != napi_null && valuesKind != napi_undefined;
  if (hasValues && (!readTyped(env, argv[0], &values) || values.length < static_cast<uint64_t>(length))) {
    return throwRange(env, "dusk_native.columnTally: values shorter than the rows");
  }
  if (!hasValues && flags != 0) return throwType(env, "dusk_native.columnTally: sums, moments and picks need values");
  double* s = static_cast<double*>(tallyT.data);
  int64_t* isum = static_cast<int64_t*>(isumT.data);
  Tally t{s[ROWS], s[VALID], s[FIRST], s[LAST], s[HI], s[LO], s[COUNT], s[MEAN], s[M2], s[MIN_ROW], s[MIN_VALUE], s[MAX_ROW], s[MAX_VALUE], isum[0]};
  const int f = static_cast<int>(flags);
  bool ok = true;
  if (!hasValues) {
    tallyRows<uint8_t, false, false, false, false, false>(nullptr, valid, mask, maskValid, length, base, f, t);
  } else {
    ok = withInts(values, [&](auto v) { tallyTyped<std::remove_const_t<std::remove_pointer_t<decltype(v)>>, false>(v, valid, mask, maskValid, length, base, f, t); }) ||
         withFloats(values, [&](auto v) { tallyTyped<std::remove_const_t<std::remove_pointer_t<decltype(v)>>, true>(v, valid, mask, maskValid, length, base, f, t); });
  }
  if (!ok) return throwType(env, "dusk_native.columnTally: values must be integers of at most 32 bits or floats");
  s[ROWS] = t.rows;
  s[VALID] = t.valid;
  s[FIRST] = t.first;
  s[LAST] = t.last;
  s[HI] = t.hi;
  s[LO] = t.lo;
  s[COUNT] = t.count;
  s[MEAN] = t.mean;
  s[M2] = t.m2;
  s[MIN_ROW] = t.minRow;
  s[MIN_VALUE] = t.minValue;
  s[MAX_ROW] = t.maxRow;
  s[MAX_VALUE] = t.maxValue;
  isum[0] = t.isum;
  return nullptr;
}

}  // namespace

bool registerColumnTally(napi_env env, napi_value exports) {
  const Kernel kernels[] = {{"columnTally", ColumnTally}};
  return registerKernels(env, exports, kernels);
}

}  // namespace dusk
