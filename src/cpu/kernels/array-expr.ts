/**
 * The expression of a fused elementwise chain, as data: the lazy array builds it (one node per
 * elementwise operation, operands already cast to a common dtype), the CPU compiles it once per
 * thread into a JavaScript loop (`compileFused`), and the GPU renders the same tree as WGSL.
 * Semantics are numpy's: float32 rounds after every operation, int32 wraps, `mod` takes the
 * sign of the divisor, `round` goes half to even, an integer `mod` by zero gives 0.
 */
import type { ArrayDType } from './array-block.js';

export type UnaryOp = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log' | 'sin' | 'cos' | 'tanh' | 'floor' | 'ceil' | 'round';
export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type BinaryOp = ArithOp | CompareOp;

export const UNARY_OPS: readonly UnaryOp[] = ['neg', 'abs', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh', 'floor', 'ceil', 'round'];
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/**
 * One node of a fused expression. `dtype` is the node's result type; a binary node's operands
 * share one dtype (the compute type), and a comparison's result is int32 0/1.
 */
export type FusedExpr =
  | { kind: 'input'; index: number; dtype: ArrayDType }
  | { kind: 'const'; value: number; dtype: ArrayDType }
  | { kind: 'cast'; arg: FusedExpr; dtype: ArrayDType }
  | { kind: 'unary'; op: UnaryOp; arg: FusedExpr; dtype: ArrayDType }
  | { kind: 'binary'; op: BinaryOp; a: FusedExpr; b: FusedExpr; dtype: ArrayDType }
  | { kind: 'where'; cond: FusedExpr; a: FusedExpr; b: FusedExpr; dtype: ArrayDType };

/** Helpers the generated loops call: numpy's remainder and rounding, and C's pow edge cases. */
const PRELUDE = `
function fmod(a, b) { let r = a % b; if (r !== 0) { if ((r < 0) !== (b < 0)) r += b; } else r = b < 0 ? -0 : 0; return r; }
function imod(a, b) { if (b === 0) return 0; let r = a % b; if (r !== 0 && ((r < 0) !== (b < 0))) r += b; return r | 0; }
function rnd(x) { const f = Math.floor(x); const d = x - f; const r = d > 0.5 ? f + 1 : d < 0.5 ? (d === 0 ? x : f) : f % 2 === 0 ? f : f + 1; return r === 0 && x < 0 ? -0 : r; }
function pw(a, b) { if (a === 1 || b === 0) return 1; if (a === -1 && (b === Infinity || b === -Infinity)) return 1; return Math.pow(a, b); }
`;

const JS_UNARY: Readonly<Record<UnaryOp, (a: string) => string>> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `Math.abs(${a})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  exp: (a) => `Math.exp(${a})`,
  log: (a) => `Math.log(${a})`,
  sin: (a) => `Math.sin(${a})`,
  cos: (a) => `Math.cos(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  floor: (a) => `Math.floor(${a})`,
  ceil: (a) => `Math.ceil(${a})`,
  round: (a) => `rnd(${a})`,
};

const JS_BINARY: Readonly<Record<BinaryOp, (a: string, b: string) => string>> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  mod: (a, b) => `fmod(${a}, ${b})`,
  pow: (a, b) => `pw(${a}, ${b})`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  minimum: (a, b) => `Math.min(${a}, ${b})`,
  eq: (a, b) => `(${a} === ${b} ? 1 : 0)`,
  ne: (a, b) => `(${a} !== ${b} ? 1 : 0)`,
  lt: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  le: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  gt: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
};

/** Integer versions where they differ from the float ones (wrapping, no NaN, mod by 0 → 0). */
const JS_INT: Partial<Record<UnaryOp | BinaryOp, (a: string, b: string) => string>> = {
  neg: (a) => `((-${a}) | 0)`,
  abs: (a) => `(Math.abs(${a}) | 0)`,
  floor: (a) => a,
  ceil: (a) => a,
  round: (a) => a,
  add: (a, b) => `((${a} + ${b}) | 0)`,
  sub: (a, b) => `((${a} - ${b}) | 0)`,
  mul: (a, b) => `Math.imul(${a}, ${b})`,
  mod: (a, b) => `imod(${a}, ${b})`,
};

function operandType(e: FusedExpr): ArrayDType {
  return e.kind === 'binary' ? e.a.dtype : e.dtype;
}

/**
 * JavaScript for one element of `e`; `input(i)` is the expression reading input i.
 *
 * @example
 * jsExpr({ kind: 'unary', op: 'neg', arg: { kind: 'input', index: 0, dtype: 'float64' }, dtype: 'float64' }, (i) => `x${i}`); // '(-x0)'
 */
export function jsExpr(e: FusedExpr, input: (index: number) => string, consts: number[]): string {
  const f32 = (code: string): string => (e.dtype === 'float32' ? `Math.fround(${code})` : code);
  switch (e.kind) {
    case 'input':
      return input(e.index);
    case 'const':
      consts.push(e.value);
      return `c[${consts.length - 1}]`;
    case 'cast': {
      const a = jsExpr(e.arg, input, consts);
      // To int32: truncate toward zero and wrap (numpy's astype; NaN gives 0 here).
      if (e.dtype === 'int32') return e.arg.dtype === 'int32' ? a : `(${a} | 0)`;
      return e.dtype === 'float32' ? `Math.fround(${a})` : a;
    }
    case 'unary': {
      const a = jsExpr(e.arg, input, consts);
      const int = e.dtype === 'int32' ? JS_INT[e.op] : undefined;
      return int !== undefined ? int(a, '') : f32(JS_UNARY[e.op](a));
    }
    case 'binary': {
      const a = jsExpr(e.a, input, consts);
      const b = jsExpr(e.b, input, consts);
      const int = operandType(e) === 'int32' ? JS_INT[e.op] : undefined;
      return int !== undefined ? int(a, b) : f32(JS_BINARY[e.op](a, b));
    }
    case 'where':
      return `(${jsExpr(e.cond, input, consts)} !== 0 ? ${jsExpr(e.a, input, consts)} : ${jsExpr(e.b, input, consts)})`;
  }
}

/** Signature of a compiled chain: inputs, output, rows, row length, per-input row starts, constants. */
export type FusedLoop = (
  ins: ArrayLike<number>[], out: { [i: number]: number }, rows: number, last: number, bases: ArrayLike<number>[], c: number[],
) => void;

/**
 * JSON that keeps what plain JSON loses: NaN, ±Infinity and -0 (plain JSON writes them as
 * null or 0, which would give `x.add(NaN)` and `x.add(Infinity)` the same key).
 *
 * @example
 * exactJson({ value: -0 }); // '{"value":"#-0"}'
 */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${Object.is(v, -0) ? '-0' : String(v)}` : v));
}

const compiled = new Map<string, { loop: FusedLoop; consts: number[] }>();

/**
 * The loop for `expr` given whether each input advances along the last dimension (1) or is
 * broadcast along it (0); compiled with `new Function` once per (expression, pattern) per thread.
 *
 * @example
 * const { loop, consts } = compileFused(expr, [1, 0]);
 * loop([x, row], out, rows, last, [xBases, rowBases], consts);
 */
export function compileFused(expr: FusedExpr, inner: readonly number[]): { loop: FusedLoop; consts: number[] } {
  const key = `${inner.join('')}|${exactJson(expr)}`;
  let hit = compiled.get(key);
  if (hit === undefined) {
    const consts: number[] = [];
    const body = jsExpr(expr, (i) => (inner[i] === 1 ? `i${i}[o${i} + j]` : `i${i}[o${i}]`), consts);
    const decl = inner.map((_, i) => `const i${i} = ins[${i}], b${i} = bases[${i}];`).join('\n');
    const rowStarts = inner.map((_, i) => `const o${i} = b${i}[r];`).join(' ');
    const source = `${PRELUDE}
return function fused(ins, out, rows, last, bases, c) {
${decl}
let o = 0;
for (let r = 0; r < rows; r++) {
  ${rowStarts}
  for (let j = 0; j < last; j++) out[o++] = ${body};
}
};`;
    hit = { loop: new Function(source)() as FusedLoop, consts };
    compiled.set(key, hit);
  }
  return hit;
}
