/**
 * `nativeGroupBy`, the optional C++ twin of the group-by hot loops (native/src/group-by.cpp):
 * the range of an integer key column, numbering one small-range integer or dictionary key
 * column into group ids (and pairs of them with a second key's codes), the per-group accumulate loops of the integer sum, the double-double
 * float sum and Welford's moments, the merges and takes of the sum states, and the interning of string dictionaries
 * and copying of chosen entries (native/src/dictionary.cpp). Each computes what its TypeScript loop computes, bit for bit
 * (interned codes may be numbered otherwise); the TypeScript loops stay the reference and the
 * fallback, used when the addon was not built, did not load, or `DUSK_NATIVE=off` is set (read
 * on every call).
 */
import { nativeAddon, type NativeAddon } from './native-addon.js';

/** The group-by kernels of the addon (see `NativeAddon` for their arguments). */
export type NativeGroupBy = Pick<NativeAddon, 'intRange' | 'groupInts' | 'groupEntries' | 'sumInts' | 'sumFloats' | 'welford' | 'internEntries' | 'bytesHash' | 'bytesEqual'
  | 'mergeIntSums' | 'mergeFloatSums' | 'takeDoubles' | 'encodeEntries' | 'pairGroups' | 'copyEntries'>;

/**
 * The native group-by loops, or null when the TypeScript ones must run.
 * @example
 * const native = nativeGroupBy();
 * const acc = new BigInt64Array(2);
 * native?.sumInts(Int32Array.of(1, 2, 3), null, 0, 3, Int32Array.of(0, 1, 0), 0, acc); // acc: [4n, 2n]
 */
export function nativeGroupBy(): NativeGroupBy | null {
  const addon = nativeAddon();
  // An addon built before the group-by kernels (or the latest of them) existed lacks them.
  return addon !== null && typeof addon.copyEntries === 'function' ? addon : null;
}
