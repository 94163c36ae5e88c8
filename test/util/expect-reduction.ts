/** Compares a reduction's values with the reference, with the precision the design promises. */
import { expect } from 'vitest';
import type { NumericDType, ReduceOp, ReduceValue } from '../../src/index.js';
import type { Reference } from './reference.js';

/** Relative precision promised for float sums, means and variances. */
export const REL = 1e-12;

function sameFloat(got: ReduceValue | undefined, want: number | null, tolerance: number, what: string): void {
  if (want === null) {
    expect(got, what).toBeNull();
    return;
  }
  expect(typeof got, what).toBe('number');
  const g = got as number;
  if (Number.isNaN(want) || !Number.isFinite(want)) {
    expect(Object.is(g, want), `${what}: got ${g}, want ${want}`).toBe(true);
    return;
  }
  expect(Math.abs(g - want), `${what}: got ${g}, want ${want}`).toBeLessThanOrEqual(tolerance);
}

/** Checks every op in `ops` of `got` against `ref`. */
export function expectReduction(
  got: Partial<Record<ReduceOp, ReduceValue>>,
  ref: Reference,
  dtype: NumericDType,
  ops: readonly ReduceOp[],
  label: string,
): void {
  const float = dtype === 'float32' || dtype === 'float64';
  for (const op of ops) {
    const what = `${label}: ${op}`;
    const value = got[op];
    switch (op) {
      case 'count':
        expect(value, what).toBe(ref.count);
        break;
      case 'sum':
        if (float) {
          const want = ref.sum as number | null;
          sameFloat(value, want, REL * Math.max(Math.abs(want ?? 0), ref.absSum * 1e-3), what);
        } else expect(value, what).toBe(ref.sum);
        break;
      case 'min':
      case 'max': {
        const want = ref[op];
        if (typeof want === 'number' && Number.isNaN(want)) expect(Number.isNaN(value as number), what).toBe(true);
        else expect(Object.is(value, want), `${what}: got ${String(value)}, want ${String(want)}`).toBe(true);
        break;
      }
      case 'mean': {
        const want = ref.mean;
        const scale = Math.max(Math.abs(want ?? 0), (ref.absSum / Math.max(ref.count, 1)) * 1e-3);
        sameFloat(value, want, REL * scale, what);
        break;
      }
      case 'var':
      case 'std': {
        const want = ref[op];
        const maxAbs = Math.max(Math.abs(Number(ref.min ?? 0)), Math.abs(Number(ref.max ?? 0)));
        // Data a few ulps wide: var is exact to about an ulp² of the largest value.
        const floor = op === 'var' ? 2 ** -100 * maxAbs * maxAbs / REL : 2 ** -50 * maxAbs / REL;
        sameFloat(value, want, REL * Math.max(Math.abs(want ?? 0), floor), what);
        break;
      }
    }
  }
}
