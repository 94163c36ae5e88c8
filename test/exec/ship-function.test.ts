/**
 * shipFunction: functions that use only their arguments, their own declarations and globals
 * ship and revive; one that reads a variable from its surroundings is refused with a PlanError
 * naming the variable and the function.
 */
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { reviveFunction, shipFunction } from '../../src/exec/ship-function.js';

function captureError(fn: unknown): PlanError {
  try {
    shipFunction(fn, 'mapPartitions');
  } catch (e) {
    expect(e).toBeInstanceOf(PlanError);
    return e as PlanError;
  }
  throw new Error('expected shipFunction to throw');
}

describe('shipFunction', () => {
  it('ships self-contained functions of every form and revives them', async () => {
    const cases: [unknown, unknown[], unknown][] = [
      [(x: number) => x + 1, [1], 2],
      [function double(x: number) { return x * 2; }, [4], 8],
      [async (x: number) => { const y = await Promise.resolve(x); return Math.max(y, 3); }, [1], 3],
      [({ a, b = 2 }: { a: number; b?: number }, ...rest: number[]) => a + b + rest.length, [{ a: 1 }, 7, 8], 5],
      [(xs: number[]) => { let s = 0; for (const x of xs) s += x; for (let i = 0; i < 2; i++) s += i; return s; }, [[1, 2]], 4],
      [(n: number) => { function fib(k: number): number { return k < 2 ? k : fib(k - 1) + fib(k - 2); } return fib(n); }, [10], 55],
      [(x: number) => { try { throw new Error('e'); } catch (err) { return (err as Error).message + x; } }, [1], 'e1'],
      [(o: { k: number }) => ({ k: o.k, ['k' + 2]: o.k }).k2, [{ k: 3 }], 3],
      [(x: number) => { class P { v = x; get() { return this.v; } } return new P().get(); }, [6], 6],
      [(x: number) => { var h = x; outer: for (;;) { break outer; } return h; }, [9], 9],
    ];
    const method = { add1(x: number) { return x + 1; } };
    cases.push([method.add1, [1], 2]);
    for (const [fn, args, want] of cases) {
      const shipped = shipFunction(fn, 'mapPartitions');
      expect(await reviveFunction(shipped)(...args)).toEqual(want);
    }
  });

  it('names a captured variable and the function', () => {
    const factor = 3;
    const offset = 1;
    const e = captureError(function scale(x: number) { return x * factor + offset; });
    expect(e.code).toBe('FUNCTION_CAPTURES');
    expect(e.message).toContain("'scale'");
    expect(e.message).toContain("'factor'");
    expect(e.message).toContain("'offset'");
  });

  it('sees captures inside nested functions, defaults, computed keys and assignments', () => {
    const k = 'a';
    let counter = 0;
    expect(captureError((xs: number[]) => xs.map((x) => x + k.length)).message).toContain("'k'");
    expect(captureError((x = k) => x).message).toContain("'k'");
    expect(captureError((o: Record<string, number>) => o[k]).message).toContain("'k'");
    expect(captureError(() => { counter = 1; }).message).toContain("'counter'");
    expect(counter).toBe(0);
  });

  it('lets a function use a name it declares later (hoisting) and property names freely', () => {
    const shipped = shipFunction((o: { factor: number }) => { const r = helper(o.factor); function helper(v: number) { return v * 2; } return r; }, 'mapBlocks');
    expect(reviveFunction(shipped)({ factor: 2 })).toBe(4);
  });

  it('refuses what is not a plain function', () => {
    expect(() => shipFunction(42, 'mapPartitions')).toThrow(PlanError);
    expect(() => shipFunction(Math.max, 'mapPartitions')).toThrow(/cannot be shipped/);
    expect(() => shipFunction(((x: number) => x).bind(null), 'mapPartitions')).toThrow(/cannot be shipped/);
  });
});
