/**
 * A plain reference for the array tests: whole arrays as float64 numbers with a shape, and each
 * operation written out element by element with numpy's rules (float32 rounded after every
 * operation, int32 wrapping, remainder with the divisor's sign, round half to even). It shares
 * no code with the engine.
 */
import { expect } from 'vitest';
import type { ArrayDType, ArrayResult } from '../../src/index.js';

export interface Ref {
  data: Float64Array;
  shape: number[];
  dtype: ArrayDType;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function ref(data: ArrayLike<number>, shape: readonly number[], dtype: ArrayDType): Ref {
  return { data: Float64Array.from(data), shape: [...shape], dtype };
}

function strides(shape: readonly number[]): number[] {
  const out = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1]! * shape[d + 1]!;
  return out;
}

/** The multi-index of flat index i. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = shape[d] === 0 ? 0 : i % shape[d]!;
    i = shape[d] === 0 ? 0 : Math.floor(i / shape[d]!);
  }
  return idx;
}

function round(dtype: ArrayDType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  return v;
}

type Operand = Ref | number;

function kind(x: Operand): string {
  if (typeof x !== 'number') return x.dtype;
  return Number.isInteger(x) && Math.abs(x) < 2 ** 31 ? 'int' : 'float';
}

export function resultType(kinds: string[]): ArrayDType {
  const arrays = kinds.filter((k) => k !== 'int' && k !== 'float');
  if (arrays.includes('float64')) return 'float64';
  if (arrays.includes('float32')) return arrays.includes('int32') ? 'float64' : 'float32';
  return kinds.includes('float') ? 'float64' : 'int32';
}

/** Element `idx` of the output as read from `x` broadcast to `shape`. */
function at(x: Operand, idx: readonly number[], dtype: ArrayDType): number {
  if (typeof x === 'number') return round(dtype, x);
  const lead = idx.length - x.shape.length;
  const s = strides(x.shape);
  let flat = 0;
  x.shape.forEach((n, d) => { flat += (n === 1 ? 0 : idx[d + lead]!) * s[d]!; });
  return round(dtype, x.data[flat]!);
}

function broadcast(xs: Operand[]): number[] {
  const shapes = xs.filter((x): x is Ref => typeof x !== 'number').map((x) => x.shape);
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) s.forEach((n, i) => { if (n !== 1) out[nd - s.length + i] = n; });
  return out;
}

function fmod(a: number, b: number): number {
  const r = a % b;
  if (r === 0) return b < 0 ? -0 : 0;
  return (r < 0) !== (b < 0) ? r + b : r;
}

/** numpy's round: half to even, and a negative number that rounds to zero gives -0. */
function halfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  let r: number;
  if (d !== 0.5) r = d < 0.5 ? (d === 0 ? x : f) : f + 1;
  else r = f % 2 === 0 ? f : f + 1;
  return r === 0 && x < 0 ? -0 : r;
}

const FLOAT_ONLY = ['div', 'pow', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh'];
const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

function binaryValue(op: string, a: number, b: number, t: ArrayDType): number {
  const int = t === 'int32';
  switch (op) {
    case 'add': return int ? (a + b) | 0 : a + b;
    case 'sub': return int ? (a - b) | 0 : a - b;
    case 'mul': return int ? Math.imul(a, b) : a * b;
    case 'div': return a / b;
    case 'mod': return int ? (b === 0 ? 0 : fmod(a, b) | 0) : fmod(a, b);
    case 'pow': return a === 1 || b === 0 ? 1 : a === -1 && Math.abs(b) === Infinity ? 1 : a ** b;
    case 'maximum': return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case 'minimum': return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
    default: throw new Error(op);
  }
}

export function refBinary(op: string, a: Operand, b: Operand): Ref {
  let t = resultType([kind(a), kind(b)]);
  if (t === 'int32' && FLOAT_ONLY.includes(op)) t = 'float64';
  const shape = broadcast([a, b]);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = round(COMPARE.includes(op) ? 'int32' : t, binaryValue(op, at(a, idx, t), at(b, idx, t), t));
  }
  return { data: out, shape, dtype: COMPARE.includes(op) ? 'int32' : t };
}

export function refUnary(op: string, a: Ref): Ref {
  const t = a.dtype === 'int32' && FLOAT_ONLY.includes(op) ? 'float64' : a.dtype;
  const f: Record<string, (v: number) => number> = {
    neg: (v) => -v, abs: Math.abs, sqrt: Math.sqrt, exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, tanh: Math.tanh,
    floor: Math.floor, ceil: Math.ceil, round: halfEven,
  };
  return { data: a.data.map((v) => round(t, f[op]!(v))), shape: [...a.shape], dtype: t };
}

export function refWhere(c: Operand, a: Operand, b: Operand): Ref {
  const t = resultType([kind(a), kind(b)]);
  const shape = broadcast([c, a, b]);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    const cv = typeof c === 'number' ? c : at(c, idx, c.dtype);
    out[i] = cv !== 0 ? at(a, idx, t) : at(b, idx, t);
  }
  return { data: out, shape, dtype: t };
}

/** numpy's reduction over `axes` (null: all), by brute force per output cell. */
export function refReduce(op: string, a: Ref, axes: number[] | null, keepdims = false, ddof = 0): Ref {
  const all = axes ?? a.shape.map((_, d) => d);
  const outFull = a.shape.map((n, d) => (all.includes(d) ? 1 : n));
  const cells: number[][] = Array.from({ length: size(outFull) }, () => []);
  const where: number[][] = Array.from({ length: size(outFull) }, () => []);
  const os = strides(outFull);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape);
    const c = idx.reduce((acc, v, d) => acc + (all.includes(d) ? 0 : v * os[d]!), 0);
    cells[c]!.push(a.data[i]!);
    where[c]!.push(axes === null ? i : idx[all[0]!]!);
  }
  const out = cells.map((vs, c) => {
    const n = vs.length;
    const sum = vs.reduce((s, v) => s + v, 0);
    const mean = sum / n;
    const variance = vs.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(n - ddof, 0);
    let best = 0;
    for (let k = 1; k < n; k++) {
      const v = vs[k]!;
      const cur = vs[best]!;
      if (Number.isNaN(cur)) break;
      if (Number.isNaN(v) || (op.endsWith('max') ? v > cur : v < cur)) best = k;
    }
    switch (op) {
      case 'sum': return sum;
      case 'mean': return mean;
      case 'var': return variance;
      case 'std': return Math.sqrt(variance);
      case 'min': case 'max': return vs[best]!;
      default: return where[c]![best]!;
    }
  });
  const shape = keepdims ? outFull : a.shape.filter((_, d) => !all.includes(d));
  const dtype: ArrayDType = op === 'min' || op === 'max' ? a.dtype : op.startsWith('arg') ? 'int32' : 'float64';
  return { data: Float64Array.from(out), shape, dtype };
}

export function refTranspose(a: Ref, axes?: number[]): Ref {
  const perm = axes ?? a.shape.map((_, d) => a.shape.length - 1 - d);
  const shape = perm.map((p) => a.shape[p]!);
  const s = strides(a.shape);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = a.data[idx.reduce((acc, v, d) => acc + v * s[perm[d]!]!, 0)]!;
  }
  return { data: out, shape, dtype: a.dtype };
}

/** Python's slice(start, stop, step) applied per dimension. */
export function refSlice(a: Ref, ranges: (number | null)[][]): Ref {
  const picks = a.shape.map((n, d) => {
    const [start = null, stop = null, step = 1] = ranges[d] ?? [];
    const st = step ?? 1;
    const norm = (v: number | null, dflt: number, lo: number, hi: number): number => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + n : v, lo), hi));
    const first = st > 0 ? norm(start, 0, 0, n) : norm(start, n - 1, -1, n - 1);
    const end = st > 0 ? norm(stop, n, 0, n) : norm(stop, -1, -1, n - 1);
    const out: number[] = [];
    for (let i = first; st > 0 ? i < end : i > end; i += st) out.push(i);
    return out;
  });
  const shape = picks.map((p) => p.length);
  const s = strides(a.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = a.data[idx.reduce((acc, v, d) => acc + picks[d]![v]! * s[d]!, 0)]!;
  }
  return { data: out, shape, dtype: a.dtype };
}

export function refConcat(xs: Ref[], axis: number): Ref {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis]!, 0);
  const out = new Float64Array(size(shape));
  const dtype = resultType(xs.map((x) => x.dtype));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let k = idx[axis]!;
    const x = xs.find((y) => (k < y.shape[axis]! ? true : ((k -= y.shape[axis]!), false)))!;
    const own = [...idx];
    own[axis] = k;
    out[i] = round(dtype, x.data[own.reduce((acc, v, d) => acc + v * strides(x.shape)[d]!, 0)]!);
  }
  return { data: out, shape, dtype };
}

export function refMatmul(a: Ref, b: Ref): Ref {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Float64Array(m * n);
  const dtype = resultType([a.dtype, b.dtype]);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) {
      const x = a.data[i * k + p]!;
      const y = b.data[p * n + j]!;
      s = dtype === 'int32' ? (s + Math.imul(x, y)) | 0 : s + x * y;
    }
    out[i * n + j] = s;
  }
  return { data: out, shape: [m, n], dtype };
}

/**
 * `result` equals `expected`: same shape and dtype, values equal (NaN to NaN, -0 apart from 0)
 * when `tol` is 0, else within `tol` relative to max(1, |expected|).
 */
export function expectArray(result: ArrayResult, expected: Ref, tol = 0, what = ''): void {
  expect(result.shape, `${what} shape`).toEqual(expected.shape);
  expect(result.dtype, `${what} dtype`).toBe(expected.dtype);
  expect(result.data.length, `${what} length`).toBe(expected.data.length);
  for (let i = 0; i < expected.data.length; i++) {
    const got = result.data[i]!;
    const want = expected.data[i]!;
    const ok = tol === 0 ? Object.is(got, want) : Number.isNaN(want) ? Number.isNaN(got) : got === want || Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
    if (!ok) expect(got, `${what} element ${i} of [${expected.shape.join(', ')}]`).toBe(want);
  }
}
