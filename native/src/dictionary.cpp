// Dictionary work of the group-by key numbering (src/cpu/kernels/group-by/dense-groups.ts) in
// C++: interning the entries of one or several string dictionaries by content (equal strings
// share a code, null entries get code 0), hashing and comparing byte buffers, which tell a
// persisted partition's dictionary from one seen before, and copying chosen entries' bytes
// (the key strings of a partial, group-by/gather-column.ts). The TypeScript twin is ByteInterner;
// codes may be numbered otherwise than it numbers them, which no caller depends on: group ids
// are numbered by first row, not by code.
#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "exports.h"
#include "napi-args.h"

namespace dusk {
namespace {

uint64_t hashBytes(const uint8_t* p, size_t n) {
  // 8 bytes at a time, multiply-xorshift mixing (wyhash's constants); the tail zero-padded.
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull);
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    h = (h ^ w) * 0xa0761d6478bd642full;
    h ^= h >> 32;
  }
  if (k < n) {
    uint64_t w = 0;
    std::memcpy(&w, p + k, n - k);
    h = (h ^ w) * 0xe7037ed1a0b428dbull;
    h ^= h >> 32;
  }
  h *= 0x8ebc6af09c88c6e3ull;
  return h ^ (h >> 29);
}

struct Entry {
  const uint8_t* bytes;
  uint32_t length;
};

// Slots of the largest table kept in a thread's scratch (8 MB of slots).
constexpr uint64_t kKeptSlots = uint64_t{1} << 20;

// A thread's interning table, grown as needed and kept between calls (never shrunk below what
// the largest kept table needed; freed with the thread).
struct Scratch {
  uint32_t* slots = nullptr;
  uint64_t slotCap = 0;
  Entry* strings = nullptr;
  uint64_t stringCap = 0;

  bool reserve(uint64_t cap, uint64_t entries) {
    if (cap > slotCap) {
      std::free(slots);
      slots = static_cast<uint32_t*>(std::malloc(cap * 2 * sizeof(uint32_t)));
      slotCap = slots == nullptr ? 0 : cap;
    }
    if (entries > stringCap) {
      std::free(strings);
      strings = static_cast<Entry*>(std::malloc(entries * sizeof(Entry)));
      stringCap = strings == nullptr ? 0 : entries;
    }
    return slots != nullptr && strings != nullptr;
  }

  ~Scratch() {
    std::free(slots);
    std::free(strings);
  }
};

Scratch& internScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

// internEntries(bytes[], offsets[], validity[], bitOffsets, lengths, out) → card: out gets, for
// every entry of every chunk in turn, 1 + its string's id (0 for a null entry); card is the
// number of distinct strings + 1.
napi_value InternEntries(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) {
    return throwType(env, "dusk_native.internEntries takes 6 arguments");
  }
  uint32_t chunks = 0;
  Typed bitOffsetsT, lengthsT, outT;
  bool isArray = false;
  if (napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[0], &chunks) != napi_ok ||
      !readTypedAs(env, argv[3], napi_float64_array, &bitOffsetsT) || !readTypedAs(env, argv[4], napi_float64_array, &lengthsT) ||
      !readTypedAs(env, argv[5], napi_int32_array, &outT) || bitOffsetsT.length < chunks || lengthsT.length < chunks) {
    return throwType(env, "dusk_native.internEntries: bad arguments");
  }
  const double* bitOffsets = static_cast<const double*>(bitOffsetsT.data);
  const double* lengths = static_cast<const double*>(lengthsT.data);
  uint64_t total = 0;
  for (uint32_t c = 0; c < chunks; c++) {
    if (!(lengths[c] >= 0 && lengths[c] < 2147483648.0) || !(bitOffsets[c] >= 0 && bitOffsets[c] < 9007199254740992.0)) {
      return throwRange(env, "dusk_native.internEntries: bad length or bit offset");
    }
    total += static_cast<uint64_t>(lengths[c]);
  }
  if (total > outT.length || total >= (uint64_t{1} << 30)) return throwRange(env, "dusk_native.internEntries: out is too short");
  uint64_t cap = 16;
  while (cap < total * 2) cap *= 2;
  // Slot: id + 1 (0 = empty) and the hash's high word, compared before the bytes. The table
  // lives in this thread's scratch (fresh pages cost more than the interning; a worker interns
  // dictionaries of similar sizes task after task), only a huge one is allocated for the call.
  Scratch& scratch = internScratch();
  const bool keep = cap <= kKeptSlots;
  if (keep && !scratch.reserve(cap, total + 1)) {
    napi_throw_error(env, "ERR_DUSK_NATIVE_MEMORY", "dusk_native.internEntries: out of memory");
    return nullptr;
  }
  uint32_t* slots = keep ? scratch.slots : static_cast<uint32_t*>(std::calloc(cap * 2, sizeof(uint32_t)));
  Entry* strings = keep ? scratch.strings : static_cast<Entry*>(std::malloc((total + 1) * sizeof(Entry)));
  if (slots == nullptr || strings == nullptr) {
    if (!keep) {
      std::free(slots);
      std::free(strings);
    }
    napi_throw_error(env, "ERR_DUSK_NATIVE_MEMORY", "dusk_native.internEntries: out of memory");
    return nullptr;
  }
  if (keep) std::memset(slots, 0, cap * 2 * sizeof(uint32_t));
  int32_t* out = static_cast<int32_t*>(outT.data);
  uint32_t size = 0;
  uint64_t at = 0;
  const char* problem = nullptr;
  for (uint32_t c = 0; c < chunks && problem == nullptr; c++) {
    napi_value bytesV, offsetsV, validityV;
    Typed bytesT, offsetsT;
    const uint8_t* bits;
    const int64_t n = static_cast<int64_t>(lengths[c]);
    const int64_t bitOffset = static_cast<int64_t>(bitOffsets[c]);
    if (napi_get_element(env, argv[0], c, &bytesV) != napi_ok || napi_get_element(env, argv[1], c, &offsetsV) != napi_ok ||
        napi_get_element(env, argv[2], c, &validityV) != napi_ok || !readTypedAs(env, bytesV, napi_uint8_array, &bytesT) ||
        !readTypedAs(env, offsetsV, napi_int32_array, &offsetsT) || offsetsT.length < static_cast<uint64_t>(n + 1) ||
        !readBits(env, validityV, bitOffset, n, &bits)) {
      problem = "dusk_native.internEntries: a chunk's bytes, offsets or validity are not what they should be";
      break;
    }
    const uint8_t* bytes = static_cast<const uint8_t*>(bytesT.data);
    const int32_t* offsets = static_cast<const int32_t*>(offsetsT.data);
    for (int64_t i = 0; i < n; i++, at++) {
      if (bits != nullptr && !validAt(bits, bitOffset + i)) {
        out[at] = 0;
        continue;
      }
      const int64_t s = offsets[i];
      const int64_t e = offsets[i + 1];
      if (s < 0 || e < s || static_cast<uint64_t>(e) > bytesT.length) {
        problem = "dusk_native.internEntries: offsets outside the bytes";
        break;
      }
      const uint32_t len = static_cast<uint32_t>(e - s);
      const uint64_t h = hashBytes(bytes + s, len);
      const uint32_t tag = static_cast<uint32_t>(h >> 32);
      uint64_t slot = h & (cap - 1);
      for (;;) {
        const uint32_t id1 = slots[2 * slot];
        if (id1 == 0) {
          strings[size] = {bytes + s, len};
          slots[2 * slot] = ++size;
          slots[2 * slot + 1] = tag;
          out[at] = static_cast<int32_t>(size);
          break;
        }
        const Entry& seen = strings[id1 - 1];
        if (slots[2 * slot + 1] == tag && seen.length == len && std::memcmp(seen.bytes, bytes + s, len) == 0) {
          out[at] = static_cast<int32_t>(id1);
          break;
        }
        slot = (slot + 1) & (cap - 1);
      }
    }
  }
  if (!keep) {
    std::free(slots);
    std::free(strings);
  }
  if (problem != nullptr) return throwRange(env, problem);
  return numberValue(env, static_cast<double>(size) + 1);
}

// copyEntries(bytes, offsets, entries, from, to, starts, out): for j in [from, to), copies the
// bytes of entry entries[j] (bytes[offsets[k]..offsets[k + 1])) to out at starts[j]: the string
// gather of gatherColumn's dictionary keys, whose output offsets the caller has laid out.
napi_value CopyEntries(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  Typed bytesT, offsetsT, entriesT, startsT, outT;
  int64_t from = 0, to = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7 ||
      !readTypedAs(env, argv[0], napi_uint8_array, &bytesT) || !readTypedAs(env, argv[1], napi_int32_array, &offsetsT) ||
      !readTypedAs(env, argv[2], napi_int32_array, &entriesT) || !readInt(env, argv[3], &from) || !readInt(env, argv[4], &to) ||
      !readTypedAs(env, argv[5], napi_int32_array, &startsT) || !readTypedAs(env, argv[6], napi_uint8_array, &outT)) {
    return throwType(env, "dusk_native.copyEntries: bad arguments");
  }
  if (from > to || static_cast<uint64_t>(to) > entriesT.length || static_cast<uint64_t>(to) > startsT.length) {
    return throwRange(env, "dusk_native.copyEntries: rows outside the entries or starts");
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(bytesT.data);
  const int32_t* offsets = static_cast<const int32_t*>(offsetsT.data);
  const int32_t* entries = static_cast<const int32_t*>(entriesT.data);
  const int32_t* starts = static_cast<const int32_t*>(startsT.data);
  uint8_t* out = static_cast<uint8_t*>(outT.data);
  for (int64_t j = from; j < to; j++) {
    const int64_t k = entries[j];
    if (k < 0 || static_cast<uint64_t>(k) + 1 >= offsetsT.length) return throwRange(env, "dusk_native.copyEntries: an entry outside the offsets");
    const int64_t s = offsets[k];
    const int64_t e = offsets[k + 1];
    const int64_t at = starts[j];
    if (s < 0 || e < s || static_cast<uint64_t>(e) > bytesT.length || at < 0 || static_cast<uint64_t>(at + (e - s)) > outT.length) {
      return throwRange(env, "dusk_native.copyEntries: bytes outside the source or the output");
    }
    std::memcpy(out + at, bytes + s, static_cast<size_t>(e - s));
  }
  return nullptr;
}

// bytesHash(view) → a 32-bit hash of the view's bytes.
napi_value BytesHash(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Typed t;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 1 || !readTyped(env, argv[0], &t)) {
    return throwType(env, "dusk_native.bytesHash takes one typed array");
  }
  const size_t bytes = t.length * elementBytes(t.type);
  return numberValue(env, static_cast<double>(static_cast<uint32_t>(hashBytes(static_cast<const uint8_t*>(t.data), bytes))));
}

// bytesEqual(a, b) → whether two typed arrays of one type hold the same elements' bytes.
napi_value BytesEqual(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Typed a, b;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2 || !readTyped(env, argv[0], &a) ||
      !readTyped(env, argv[1], &b)) {
    return throwType(env, "dusk_native.bytesEqual takes two typed arrays");
  }
  bool same = a.type == b.type && a.length == b.length;
  if (same && a.length > 0) {
    const size_t width = elementBytes(a.type);
    same = std::memcmp(a.data, b.data, a.length * width) == 0;
  }
  napi_value out;
  return napi_get_boolean(env, same, &out) == napi_ok ? out : nullptr;
}

}  // namespace

bool registerDictionary(napi_env env, napi_value exports) {
  const Kernel kernels[] = {
      {"internEntries", InternEntries}, {"bytesHash", BytesHash}, {"bytesEqual", BytesEqual}, {"copyEntries", CopyEntries}};
  return registerKernels(env, exports, kernels);
}

}  // namespace dusk
