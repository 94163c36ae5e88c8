/**
 * `nativeMatmul`, the optional SIMD twin of `matmulBlock`'s float loops: it loads the addon that
 * `native/build.mjs` builds at install (`native/build/dusk_native.node`, C++ N-API, AVX2 / AVX-512
 * packed sgemm and dgemm) and hands out its product function, or null when the addon was not
 * built, does not load, finds no AVX2 + FMA on this CPU, or `DUSK_NATIVE=off` is set. The
 * TypeScript kernel stays the fallback and the reference.
 *
 * The addon is loaded by `native-addon.ts`, once per thread; `DUSK_NATIVE` is read on every
 * call, so a test can switch the JavaScript path on and off in one process.
 */
import { nativeAddon, nativeAddonProblem, type NativeIsa } from './native-addon.js';

export type { NativeIsa } from './native-addon.js';

/** The element types the native kernels take. */
export type NativeFloatArray = Float32Array | Float64Array;

/** C += A·B for row-major A (m × k), B (k × n), C (m × n); a TypeError unless all three share one type. */
export type NativeMatmul = (a: NativeFloatArray, b: NativeFloatArray, m: number, k: number, n: number, out: NativeFloatArray) => void;

/** Whether the addon is in use, and if not, why. */
export type NativeStatus = { loaded: true; isas: NativeIsa[] } | { loaded: false; reason: string };

/** The product function of each kernel set, made once per addon. */
const KERNELS = new WeakMap<object, Map<NativeIsa, NativeMatmul>>();

function kernelsOf(addon: NonNullable<ReturnType<typeof nativeAddon>>): Map<NativeIsa, NativeMatmul> {
  let kernels = KERNELS.get(addon);
  if (kernels === undefined) {
    kernels = new Map();
    for (const isa of addon.isas) kernels.set(isa, (a, b, m, k, n, out) => addon.gemm(a, b, m, k, n, out, isa));
    KERNELS.set(addon, kernels);
  }
  return kernels;
}

/**
 * The native product C += A·B for float32 and float64 (the best kernel set of this CPU, or the
 * one named), or null when the JavaScript kernel must run instead (see `nativeStatus`).
 * @example
 * const gemm = nativeMatmul();
 * const c = new Float32Array(4);
 * if (gemm !== null) gemm(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 2, 2, 2, c);
 * // c: [19, 22, 43, 50]
 */
export function nativeMatmul(isa?: NativeIsa): NativeMatmul | null {
  const addon = nativeAddon();
  if (addon === null || addon.isas.length === 0) return null;
  return kernelsOf(addon).get(isa ?? addon.isas[0]!) ?? null;
}

/**
 * Whether the native kernels are in use, with the kernel sets this CPU runs (best first), or
 * the reason they are not.
 * @example
 * const status = nativeStatus();
 * console.log(status.loaded ? `native matmul: ${status.isas[0]}` : `JavaScript matmul: ${status.reason}`);
 */
export function nativeStatus(): NativeStatus {
  const addon = nativeAddon();
  if (addon === null) return { loaded: false, reason: nativeAddonProblem() ?? 'the addon did not load' };
  if (addon.isas.length === 0) return { loaded: false, reason: 'this CPU has neither AVX2 + FMA nor AVX-512' };
  return { loaded: true, isas: [...addon.isas] };
}
