/** The matmul suites' float64 reference and their tolerance check, shared by the CPU, native and GPU twins' tests. */
import { expect } from 'vitest';

type Floats = Float32Array | Float64Array;

/** A·B (+ acc) in float64, the plain triple loop. */
export function matmulReference(a: Floats, b: Floats, m: number, k: number, n: number, acc?: Floats): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = acc === undefined ? 0 : acc[i * n + j]!;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/**
 * Non-finite results where the reference has them (the same NaN / ±Infinity), and a relative
 * Frobenius error of the finite ones ≤ `tol` (exact when the reference is all zeros).
 */
export function expectMatmulClose(got: ArrayLike<number>, want: Float64Array, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (!Number.isFinite(w)) {
      expect(got[i], `${what}: element ${i}`).toBe(w);
      continue;
    }
    diff += (got[i]! - w) ** 2;
    norm += w * w;
  }
  if (norm === 0) expect(diff, what).toBe(0);
  else expect(Math.sqrt(diff / norm), what).toBeLessThanOrEqual(tol);
}
