// The filter mask of src/cpu/kernels/eval-column/native-mask.ts in C++ (and the row numbers a
// mask keeps, for filter-table.ts): comparisons of numeric
// columns (integers of at most 32 bits, float32, float64) with number constants, combined with
// and / or, straight into Arrow's bit-packed bool values and validity. Semantics are the
// TypeScript evaluator's (compare-lanes.ts, logic-lane.ts): NaN equals itself and is above
// +Infinity, -0 equals 0, a null operand makes a comparison null, and and / or follow Kleene's
// three-valued logic (false and null is false, true or null is true). Rows go 64 at a time as
// (true, false) bit words, so and / or are two word operations.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "exports.h"
#include "napi-args.h"

namespace dusk {
namespace {

enum Op { EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5, IS_NAN = 6 };
enum Step { LEAF = 0, AND = 1, OR = 2 };

constexpr int kMaxColumns = 16;
constexpr int kMaxDepth = 16;
constexpr int64_t kBlockWords = 32;  // 2048 rows per block

struct Column {
  Typed values;
  const uint8_t* bits;
  int64_t bitOffset;
};

// `bits` bits of the bitmap from bit `at` (at most 64), low bit first; the bytes past the end
// are never read.
uint64_t loadBits(const uint8_t* bitmap, int64_t at, int bits) {
  const int64_t first = at >> 3;
  const int shift = static_cast<int>(at & 7);
  const int bytes = (shift + bits + 7) >> 3;
  unsigned __int128 acc = 0;
  for (int b = 0; b < bytes; b++) acc |= static_cast<unsigned __int128>(bitmap[first + b]) << (8 * b);
  const uint64_t word = static_cast<uint64_t>(acc >> shift);
  return bits == 64 ? word : word & ((uint64_t{1} << bits) - 1);
}

// The comparison bits of rows [row, row + bits): x op b with the evaluator's NaN order.
template <typename T, int OP>
uint64_t compareWord(const T* x, int64_t row, int bits, double b) {
  uint64_t word = 0;
  for (int j = 0; j < bits; j++) {
    const double a = static_cast<double>(x[row + j]);
    bool r;
    if (OP == EQ) r = a == b;
    else if (OP == NE) r = a != b;
    else if (OP == LT) r = a < b;
    else if (OP == LE) r = a <= b;
    else if (OP == GT) r = (a > b) | (a != a);
    else if (OP == GE) r = (a >= b) | (a != a);
    else r = a != a;
    word |= static_cast<uint64_t>(r) << j;
  }
  return word;
}

template <typename T>
void compareBlock(const T* x, int64_t row, int64_t rows, int op, double b, uint64_t* out) {
  // Against NaN (the greatest value, equal only to itself) each op is a NaN test or a constant.
  const bool bNaN = b != b;
  for (int64_t w = 0; w * 64 < rows; w++) {
    const int bits = static_cast<int>(rows - w * 64 < 64 ? rows - w * 64 : 64);
    const int64_t at = row + w * 64;
    uint64_t word;
    if (bNaN) {
      const uint64_t all = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
      const uint64_t isNaN = compareWord<T, IS_NAN>(x, at, bits, 0.0);
      switch (op) {
        case EQ: case GE: word = isNaN; break;
        case NE: case LT: word = all & ~isNaN; break;
        case LE: word = all; break;
        default: word = 0; break;
      }
    } else {
      switch (op) {
        case EQ: word = compareWord<T, EQ>(x, at, bits, b); break;
        case NE: word = compareWord<T, NE>(x, at, bits, b); break;
        case LT: word = compareWord<T, LT>(x, at, bits, b); break;
        case LE: word = compareWord<T, LE>(x, at, bits, b); break;
        case GT: word = compareWord<T, GT>(x, at, bits, b); break;
        default: word = compareWord<T, GE>(x, at, bits, b); break;
      }
    }
    out[w] = word;
  }
}

bool compareColumn(const Column& c, int64_t row, int64_t rows, int op, double b, uint64_t* out) {
  const void* d = c.values.data;
  switch (c.values.type) {
    case napi_int8_array: compareBlock(static_cast<const int8_t*>(d), row, rows, op, b, out); return true;
    case napi_uint8_array: compareBlock(static_cast<const uint8_t*>(d), row, rows, op, b, out); return true;
    case napi_int16_array: compareBlock(static_cast<const int16_t*>(d), row, rows, op, b, out); return true;
    case napi_uint16_array: compareBlock(static_cast<const uint16_t*>(d), row, rows, op, b, out); return true;
    case napi_int32_array: compareBlock(static_cast<const int32_t*>(d), row, rows, op, b, out); return true;
    case napi_uint32_array: compareBlock(static_cast<const uint32_t*>(d), row, rows, op, b, out); return true;
    case napi_float32_array: compareBlock(static_cast<const float*>(d), row, rows, op, b, out); return true;
    case napi_float64_array: compareBlock(static_cast<const double*>(d), row, rows, op, b, out); return true;
    default: return false;
  }
}

// filterMask(columns, bits, bitOffsets, length, program, constants, outValues, outValid) → nulls.
// program is postfix: [LEAF, column, op, constant] pushes `columns[column] op constants[constant]`,
// [AND] and [OR] combine the top two. outValues and outValid get the result's bits from bit 0.
napi_value FilterMask(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 8) {
    return throwType(env, "dusk_native.filterMask takes 8 arguments");
  }
  uint32_t count = 0;
  bool isArray = false;
  int64_t length;
  Typed offsetsT, programT, constantsT, outValuesT, outValidT;
  if (napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[0], &count) != napi_ok ||
      count > kMaxColumns || !readTypedAs(env, argv[2], napi_float64_array, &offsetsT) || offsetsT.length < count ||
      !readInt(env, argv[3], &length) || !readTypedAs(env, argv[4], napi_int32_array, &programT) ||
      !readTypedAs(env, argv[5], napi_float64_array, &constantsT) || !readTypedAs(env, argv[6], napi_uint8_array, &outValuesT) ||
      !readTypedAs(env, argv[7], napi_uint8_array, &outValidT)) {
    return throwType(env, "dusk_native.filterMask: bad arguments");
  }
  const uint64_t outBytes = static_cast<uint64_t>((length + 7) >> 3);
  if (outValuesT.length < outBytes || outValidT.length < outBytes) return throwRange(env, "dusk_native.filterMask: output too short");
  Column columns[kMaxColumns];
  const double* offsets = static_cast<const double*>(offsetsT.data);
  for (uint32_t k = 0; k < count; k++) {
    napi_value column, bits;
    Column& c = columns[k];
    c.bitOffset = static_cast<int64_t>(offsets[k]);
    if (napi_get_element(env, argv[0], k, &column) != napi_ok || napi_get_element(env, argv[1], k, &bits) != napi_ok ||
        !readTyped(env, column, &c.values) || c.values.length < static_cast<uint64_t>(length) || !(offsets[k] >= 0) ||
        !readBits(env, bits, c.bitOffset, length, &c.bits)) {
      return throwType(env, "dusk_native.filterMask: a column or its bitmap is not what it should be");
    }
  }
  // Check the program once: every leaf names a column and a constant, the stack never underflows
  // or overflows, and one value is left.
  const int32_t* program = static_cast<const int32_t*>(programT.data);
  const int64_t steps = static_cast<int64_t>(programT.length);
  int depth = 0;
  for (int64_t p = 0; p < steps;) {
    if (program[p] == LEAF) {
      if (p + 3 >= steps || program[p + 1] < 0 || static_cast<uint32_t>(program[p + 1]) >= count || program[p + 2] < EQ ||
          program[p + 2] > GE || program[p + 3] < 0 || static_cast<uint64_t>(program[p + 3]) >= constantsT.length || ++depth > kMaxDepth) {
        return throwRange(env, "dusk_native.filterMask: bad leaf");
      }
      p += 4;
    } else if (program[p] == AND || program[p] == OR) {
      if (--depth < 1) return throwRange(env, "dusk_native.filterMask: and / or without two operands");
      p += 1;
    } else {
      return throwRange(env, "dusk_native.filterMask: unknown step");
    }
  }
  if (depth != 1) return throwRange(env, "dusk_native.filterMask: the program leaves no single value");

  const double* constants = static_cast<const double*>(constantsT.data);
  uint8_t* outValues = static_cast<uint8_t*>(outValuesT.data);
  uint8_t* outValid = static_cast<uint8_t*>(outValidT.data);
  static thread_local uint64_t isTrue[kMaxDepth][kBlockWords];
  static thread_local uint64_t isFalse[kMaxDepth][kBlockWords];
  uint64_t valid = 0;
  for (int64_t row = 0; row < length; row += kBlockWords * 64) {
    const int64_t rows = length - row < kBlockWords * 64 ? length - row : kBlockWords * 64;
    const int64_t words = (rows + 63) / 64;
    int top = 0;
    for (int64_t p = 0; p < steps;) {
      if (program[p] == LEAF) {
        const Column& c = columns[program[p + 1]];
        uint64_t* t = isTrue[top];
        uint64_t* f = isFalse[top];
        compareColumn(c, row, rows, program[p + 2], constants[program[p + 3]], t);
        for (int64_t w = 0; w < words; w++) {
          const int bits = static_cast<int>(rows - w * 64 < 64 ? rows - w * 64 : 64);
          const uint64_t all = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
          const uint64_t v = c.bits == nullptr ? all : loadBits(c.bits, c.bitOffset + row + w * 64, bits);
          f[w] = v & ~t[w] & all;
          t[w] &= v;
        }
        top++;
        p += 4;
      } else {
        uint64_t* at = isTrue[top - 2];
        uint64_t* af = isFalse[top - 2];
        const uint64_t* bt = isTrue[top - 1];
        const uint64_t* bf = isFalse[top - 1];
        if (program[p] == AND) {
          for (int64_t w = 0; w < words; w++) {
            at[w] &= bt[w];
            af[w] |= bf[w];
          }
        } else {
          for (int64_t w = 0; w < words; w++) {
            at[w] |= bt[w];
            af[w] &= bf[w];
          }
        }
        top--;
        p += 1;
      }
    }
    for (int64_t w = 0; w < words; w++) {
      const uint64_t t = isTrue[0][w];
      const uint64_t v = t | isFalse[0][w];
      valid += static_cast<uint64_t>(__builtin_popcountll(v));
      const int64_t byte = (row >> 3) + w * 8;
      const int64_t n = static_cast<int64_t>(outBytes) - byte < 8 ? static_cast<int64_t>(outBytes) - byte : 8;
      std::memcpy(outValues + byte, &t, static_cast<size_t>(n));
      std::memcpy(outValid + byte, &v, static_cast<size_t>(n));
    }
  }
  return numberValue(env, static_cast<double>(length - static_cast<int64_t>(valid)));
}

// maskRows(values, validity, bitStart, count, base, out, at) → at + rows kept: for each of the
// bits [bitStart, bitStart + count) of a bool mask that is true and valid, in order, writes
// base + its index to out[at++] (filter-table.ts selectedRows).
napi_value MaskRows(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7) {
    return throwType(env, "dusk_native.maskRows takes 7 arguments");
  }
  Typed valuesT, outT;
  const uint8_t* validity;
  int64_t bitStart, count, base, at;
  if (!readTypedAs(env, argv[0], napi_uint8_array, &valuesT) || !readInt(env, argv[2], &bitStart) || !readInt(env, argv[3], &count) ||
      !readBits(env, argv[1], bitStart, count, &validity) || !readInt(env, argv[4], &base, -2147483648LL) ||
      !readTypedAs(env, argv[5], napi_int32_array, &outT) || !readInt(env, argv[6], &at)) {
    return throwType(env, "dusk_native.maskRows: bad arguments");
  }
  if (count > 0 && static_cast<uint64_t>((bitStart + count + 7) >> 3) > valuesT.length) return throwRange(env, "dusk_native.maskRows: mask too short");
  if (static_cast<uint64_t>(at + count) > outT.length) return throwRange(env, "dusk_native.maskRows: out too short");
  const uint8_t* values = static_cast<const uint8_t*>(valuesT.data);
  int32_t* out = static_cast<int32_t*>(outT.data);
  for (int64_t j = 0; j < count; j += 64) {
    const int bits = static_cast<int>(count - j < 64 ? count - j : 64);
    uint64_t word = loadBits(values, bitStart + j, bits);
    if (validity != nullptr) word &= loadBits(validity, bitStart + j, bits);
    while (word != 0) {
      out[at++] = static_cast<int32_t>(base + j + __builtin_ctzll(word));
      word &= word - 1;
    }
  }
  return numberValue(env, static_cast<double>(at));
}

}  // namespace

bool registerFilterMask(napi_env env, napi_value exports) {
  const Kernel kernels[] = {{"filterMask", FilterMask}, {"maskRows", MaskRows}};
  return registerKernels(env, exports, kernels);
}

}  // namespace dusk
