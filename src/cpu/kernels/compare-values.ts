/**
 * One ordering for every value an expression compares: numbers and bigints by exact value
 * (-0 equals 0; NaN equals itself and is above +Infinity), strings by Unicode code point (the
 * byte order of UTF-8, as DuckDB compares), false before true.
 */
export type Value = number | bigint | string | boolean | null;

function compareNumbers(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An exact comparison of a bigint with a double. */
function compareBigNumber(a: bigint, b: number): number {
  if (b !== b) return -1;
  if (b === Number.POSITIVE_INFINITY) return -1;
  if (b === Number.NEGATIVE_INFINITY) return 1;
  const floor = Math.floor(b);
  const fb = BigInt(floor);
  if (a < fb) return -1;
  if (a > fb) return 1;
  return b > floor ? -1 : 0;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Negative, zero or positive as a is below, equal to or above b (both non-null, same kind). */
export function compareValues(a: Exclude<Value, null>, b: Exclude<Value, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'number') return compareBigNumber(a, b);
  if (typeof a === 'number' && typeof b === 'bigint') return -compareBigNumber(b, a);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  throw new TypeError(`cannot compare ${typeof a} with ${typeof b}`);
}
