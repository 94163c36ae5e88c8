/**
 * Loading of the optional native addon (`native/build/dusk_native.node`, built by
 * `native/build.mjs` at install: C++ N-API), shared by the kernel families that use it
 * (`native-matmul.ts`, `native-group-by.ts`). The addon is loaded once per thread (main or
 * worker: it is context-aware and stateless) on the first call; `DUSK_NATIVE=off` is read on
 * every call, so a test can switch the JavaScript path on and off in one process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's kernel sets for matmul, best first. */
export type NativeIsa = 'avx512' | 'avx2';

/** Integer arrays of at most 32 bits, as the group-by kernels read them. */
export type NativeSmallInts = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** What the addon exports (native/src/addon.cpp, group-by.cpp, dictionary.cpp, filter-mask.cpp). */
export interface NativeAddon {
  isas: NativeIsa[];
  gemm(a: Float32Array | Float64Array, b: Float32Array | Float64Array, m: number, k: number, n: number, out: Float32Array | Float64Array, isa: NativeIsa): void;
  groupInts(
    values: NativeSmallInts, bits: Uint8Array | null, bitOffset: number, length: number, shift: number, start: number,
    gid: Int32Array, map: Int32Array, first: Int32Array, count: Float64Array, groups: number,
  ): number;
  groupEntries(
    idx: NativeSmallInts, bits: Uint8Array | null, bitOffset: number, length: number, codes: Int32Array, entryGroup: Int32Array,
    entryCount: Float64Array, start: number, gid: Int32Array, map: Int32Array, first: Int32Array, groups: number, nulls: Float64Array,
  ): number;
  /** out[0] = min(out[0], least valid value), out[1] = max(out[1], greatest valid value). */
  intRange(values: NativeSmallInts, bits: Uint8Array | null, bitOffset: number, length: number, out: Float64Array): void;
  sumInts(values: NativeSmallInts, bits: Uint8Array | null, bitOffset: number, length: number, gid: Int32Array, start: number, acc: BigInt64Array): void;
  sumFloats(
    values: Float32Array | Float64Array, bits: Uint8Array | null, bitOffset: number, length: number, gid: Int32Array, start: number,
    hi: Float64Array, lo: Float64Array,
  ): void;
  welford(
    values: NativeSmallInts | Float32Array | Float64Array, bits: Uint8Array | null, bitOffset: number, length: number, gid: Int32Array,
    start: number, count: Float64Array, mean: Float64Array, m2: Float64Array,
  ): void;
  /** int-sum-state.ts's merge of one partial's rows gid[offset, offset + rows) into the out state. */
  mergeIntSums(
    gid: Int32Array, offset: number, rows: number, count: Float64Array, l0: Float64Array, l1: Float64Array, l2: Float64Array,
    outCount: Float64Array, outL0: Float64Array, outL1: Float64Array, outL2: Float64Array,
  ): void;
  /** float-sum-state.ts's merge of one partial's rows gid[offset, offset + rows) into the out state. */
  mergeFloatSums(
    gid: Int32Array, offset: number, rows: number, count: Float64Array, hi: Float64Array, lo: Float64Array,
    outCount: Float64Array, outHi: Float64Array, outLo: Float64Array,
  ): void;
  /** out[start + i] = codes[idx[i]] for valid rows, 0 for null rows. */
  encodeEntries(idx: NativeSmallInts, bits: Uint8Array | null, bitOffset: number, length: number, codes: Int32Array, out: Int32Array, start: number): void;
  /** gid[i] ← the dense id of gid[i]·card + codes[i] (map: -1 while unseen), counting sizes unless null; returns the groups. */
  pairGroups(gid: Int32Array, codes: Int32Array, card: number, map: Int32Array, first: Int32Array, sizes: Float64Array | null): number;
  /** out[j] = a[rows[j]]. */
  takeDoubles(a: Float64Array, rows: Int32Array, out: Float64Array): void;
  /**
   * 1 + the string id of every entry of every chunk in turn (0 for null entries; equal strings
   * share an id) into `out`; returns the number of distinct strings + 1.
   */
  internEntries(
    bytes: Uint8Array[], offsets: Int32Array[], validity: (Uint8Array | null)[], bitOffsets: Float64Array, lengths: Float64Array,
    out: Int32Array,
  ): number;
  /** For j in [from, to): the bytes of entry entries[j] (bytes[offsets[k]..offsets[k + 1])) into out at starts[j]. */
  copyEntries(bytes: Uint8Array, offsets: Int32Array, entries: Int32Array, from: number, to: number, starts: Int32Array, out: Uint8Array): void;
  /** A 32-bit hash of a typed array's bytes. */
  bytesHash(view: ArrayBufferView): number;
  /** Whether two typed arrays of one type hold the same bytes. */
  bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean;
  /**
   * A bool mask from a postfix program ([0, column, op, constant] compares, [1] and, [2] or;
   * ops eq ne lt le gt ge are 0..5) into bit-packed values and validity; returns the null count.
   */
  filterMask(
    columns: (NativeSmallInts | Float32Array | Float64Array)[], bits: (Uint8Array | null)[], bitOffsets: Float64Array, length: number,
    program: Int32Array, constants: Float64Array, outValues: Uint8Array, outValid: Uint8Array,
  ): number;
  /**
   * For each true and valid bit of [bitStart, bitStart + count) of a bool mask, in order,
   * `out[at++] = base + index`; returns the new `at`.
   */
  maskRows(values: Uint8Array, validity: Uint8Array | null, bitStart: number, count: number, base: number, out: Int32Array, at: number): number;
  /**
   * Tallies rows [0, length) of one column chunk that the mask keeps (true and valid; null mask:
   * every row) into `tally` (column-tally.ts's slots) and `isum` (the int64 sum); `flags` asks
   * for sums (1), moments (2), min (4), max (8). values may be null when flags is 0.
   */
  columnTally(
    values: NativeSmallInts | Float32Array | Float64Array | null, bits: Uint8Array | null, bitOffset: number, length: number,
    mask: Uint8Array | null, maskValid: Uint8Array | null, maskOffset: number, base: number, flags: number, tally: Float64Array,
    isum: BigInt64Array,
  ): void;
}

const ADDON = join('native', 'build', 'dusk_native.node');

let loaded: { addon: NativeAddon } | { reason: string } | undefined;

/** The addon file, looked for above this module: `src/cpu/kernels` from sources, `dist/src/cpu/kernels` when built. */
function findAddon(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const file = join(dir, ADDON);
    if (existsSync(file)) return file;
  }
  return null;
}

function load(): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  const file = findAddon();
  if (file === null) return (loaded = { reason: `${ADDON} was not built (npm install runs native/build.mjs)` });
  try {
    return (loaded = { addon: createRequire(import.meta.url)(file) as NativeAddon });
  } catch (error) {
    // A broken build must not break anything: the JavaScript kernels compute the same results.
    return (loaded = { reason: `${file} did not load: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/**
 * The loaded addon, or null when `DUSK_NATIVE=off` is set or it was not built or did not load.
 * @example
 * const addon = nativeAddon();
 * if (addon !== null) console.log(addon.isas);
 */
export function nativeAddon(): NativeAddon | null {
  if (process.env.DUSK_NATIVE === 'off') return null;
  const state = load();
  return 'addon' in state ? state.addon : null;
}

/**
 * Why `nativeAddon()` is null ('DUSK_NATIVE=off', not built, did not load), or null when it is not.
 * @example
 * const why = nativeAddonProblem(); // null: the addon is in use
 */
export function nativeAddonProblem(): string | null {
  if (process.env.DUSK_NATIVE === 'off') return 'DUSK_NATIVE=off';
  const state = load();
  return 'addon' in state ? null : state.reason;
}
