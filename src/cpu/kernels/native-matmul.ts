/**
 * `nativeMatmul`, the optional SIMD twin of `matmulBlock`'s float loops: it loads the addon that
 * `native/build.mjs` builds at install (`native/build/dusk_native.node`, C++ N-API, AVX2 / AVX-512
 * packed sgemm and dgemm) and hands out its product function, or null when the addon was not
 * built, does not load, finds no AVX2 + FMA on this CPU, or `DUSK_NATIVE=off` is set. The
 * TypeScript kernel stays the fallback and the reference.
 *
 * The addon is loaded once per thread (main or worker: it is context-aware and stateless) on the
 * first call; `DUSK_NATIVE` is read on every call, so a test can switch the JavaScript path on
 * and off in one process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's kernel sets, best first. */
export type NativeIsa = 'avx512' | 'avx2';

/** The element types the native kernels take. */
export type NativeFloatArray = Float32Array | Float64Array;

/** C += A·B for row-major A (m × k), B (k × n), C (m × n); a TypeError unless all three share one type. */
export type NativeMatmul = (a: NativeFloatArray, b: NativeFloatArray, m: number, k: number, n: number, out: NativeFloatArray) => void;

/** What the addon exports (native/src/addon.cpp). */
interface Addon {
  isas: NativeIsa[];
  gemm(a: NativeFloatArray, b: NativeFloatArray, m: number, k: number, n: number, out: NativeFloatArray, isa: NativeIsa): void;
}

/** Whether the addon is in use, and if not, why. */
export type NativeStatus = { loaded: true; isas: NativeIsa[] } | { loaded: false; reason: string };

const ADDON = join('native', 'build', 'dusk_native.node');

let loaded: { addon: Addon; kernels: Map<NativeIsa, NativeMatmul> } | { reason: string } | undefined;

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
    const addon = createRequire(import.meta.url)(file) as Addon;
    if (addon.isas.length === 0) return (loaded = { reason: 'this CPU has neither AVX2 + FMA nor AVX-512' });
    const kernels = new Map<NativeIsa, NativeMatmul>();
    for (const isa of addon.isas) {
      kernels.set(isa, (a, b, m, k, n, out) => addon.gemm(a, b, m, k, n, out, isa));
    }
    return (loaded = { addon, kernels });
  } catch (error) {
    // A broken build must not break matmul: the JavaScript kernel computes the same products.
    return (loaded = { reason: `${file} did not load: ${error instanceof Error ? error.message : String(error)}` });
  }
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
  if (process.env.DUSK_NATIVE === 'off') return null;
  const state = load();
  if (!('addon' in state)) return null;
  return state.kernels.get(isa ?? state.addon.isas[0]!) ?? null;
}

/**
 * Whether the native kernels are in use, with the kernel sets this CPU runs (best first), or
 * the reason they are not.
 * @example
 * const status = nativeStatus();
 * console.log(status.loaded ? `native matmul: ${status.isas[0]}` : `JavaScript matmul: ${status.reason}`);
 */
export function nativeStatus(): NativeStatus {
  if (process.env.DUSK_NATIVE === 'off') return { loaded: false, reason: 'DUSK_NATIVE=off' };
  const state = load();
  return 'addon' in state ? { loaded: true, isas: [...state.addon.isas] } : { loaded: false, reason: state.reason };
}
