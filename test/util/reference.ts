/**
 * Reference reductions computed independently of Dusk: exact bigint arithmetic for integers,
 * correctly rounded sums (Shewchuk's algorithm, as Python's math.fsum) for floats.
 */
import type { NumericDType } from '../../src/index.js';
import type { Value } from './columns.js';

/** The correctly rounded sum of `xs`. */
export function fsum(xs: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of xs) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let total = 0;
  for (let i = partials.length - 1; i >= 0; i--) total += partials[i]!;
  return total;
}

/** x · 2^1074 as an exact bigint (x finite): every double is an integer multiple of 2^-1074. */
function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp !== 0) mant |= 1n << 52n;
  const v = mant << BigInt(Math.max(exp - 1, 0));
  return hi >>> 31 ? -v : v;
}

/** The double nearest to n / 2^shift (n an exact bigint), rounded once, to about 60 bits. */
function unscale(n: bigint, shift: number): number {
  if (n === 0n) return 0;
  const negative = n < 0n;
  let m = negative ? -n : n;
  let e = -shift;
  const extra = m.toString(2).length - 62;
  if (extra > 0) {
    m >>= BigInt(extra);
    e += extra;
  }
  let v = Number(m);
  // Multiply by 2^e in steps that stay inside the double range.
  while (e > 0) {
    const step = Math.min(e, 1000);
    v *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.min(-e, 1000);
    v /= 2 ** step;
    e += step;
  }
  return negative ? -v : v;
}

/** The exact sum of finite doubles, rounded once (no intermediate overflow). */
export function exactSum(xs: readonly number[]): number {
  let total = 0n;
  for (const x of xs) total += scaled(x);
  return unscale(total, 1074);
}

/** The exact sample variance of finite doubles, rounded once. */
function exactVariance(xs: readonly number[]): number {
  const n = BigInt(xs.length);
  let s1 = 0n;
  let s2 = 0n;
  for (const x of xs) {
    const v = scaled(x);
    s1 += v;
    s2 += v * v;
  }
  // n·Σx² − (Σx)², all scaled by 2^2148, over n(n−1).
  return unscale(n * s2 - s1 * s1, 2148) / Number(n * (n - 1n));
}

export interface Reference {
  count: number;
  sum: number | bigint | null | 'OVERFLOW';
  min: number | bigint | null;
  max: number | bigint | null;
  mean: number | null;
  var: number | null;
  std: number | null;
  /** Sum of |x| over the finite values: the scale a float sum's error is measured against. */
  absSum: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function reference(dtype: NumericDType, values: readonly Value[]): Reference {
  const present = values.filter((v): v is number | bigint => v !== null);
  const n = present.length;
  const out: Reference = { count: n, sum: null, min: null, max: null, mean: null, var: null, std: null, absSum: 0 };
  if (n === 0) return out;
  if (dtype !== 'float32' && dtype !== 'float64') {
    const xs = present.map((v) => BigInt(v));
    const sum = xs.reduce((a, b) => a + b, 0n);
    const sq = xs.reduce((a, b) => a + b * b, 0n);
    out.sum = sum < INT64_MIN || sum > INT64_MAX ? 'OVERFLOW' : sum;
    let mn = xs[0]!;
    let mx = xs[0]!;
    for (const x of xs) {
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    const big = dtype === 'int64' || dtype === 'uint64';
    out.min = big ? mn : Number(mn);
    out.max = big ? mx : Number(mx);
    out.mean = Number(sum) / n;
    if (n > 1) {
      const nb = BigInt(n);
      out.var = Number(nb * sq - sum * sum) / Number(nb * (nb - 1n));
      out.std = Math.sqrt(out.var);
    }
    out.absSum = xs.reduce((a, b) => a + Math.abs(Number(b)), 0);
    return out;
  }
  const xs = present.map(Number);
  const finite = xs.filter(Number.isFinite);
  const nan = xs.some(Number.isNaN);
  const pinf = xs.includes(Infinity);
  const ninf = xs.includes(-Infinity);
  const special = nan || (pinf && ninf) ? NaN : pinf ? Infinity : ninf ? -Infinity : null;
  const sum = exactSum(finite);
  out.sum = special ?? sum;
  out.mean = special ?? sum / n;
  const ordered = xs.filter((x) => !Number.isNaN(x));
  if (ordered.length === 0) {
    out.min = NaN;
    out.max = NaN;
  } else {
    let mn = Infinity;
    let mx = -Infinity;
    for (const x of ordered) {
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    out.min = mn + 0;
    out.max = nan ? NaN : mx + 0;
  }
  if (n > 1) {
    out.var = special !== null ? NaN : exactVariance(finite);
    out.std = Math.sqrt(out.var);
  }
  out.absSum = exactSum(finite.map(Math.abs));
  return out;
}
