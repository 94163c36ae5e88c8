/**
 * The table of per-operator WGSL snippets the expression codegen stitches together: for each
 * operator and value representation, the call into shaders/expr.wgsl's library that computes
 * it, or the reason it runs on the CPU. Adding an operator on the GPU means a row here (and,
 * where the library lacks it, a function there).
 */
import type { NumericDType } from '../../dtype.js';
import type { BinaryOp, CastType, UnaryOp } from '../../plan/expr.js';
import { isFloatType, isIntegerType, type ValueType } from '../../plan/value-type.js';
import { NotOnGpu, rangeConstants, reprOf } from './wgsl-value.js';

type Arith = 'add' | 'sub' | 'mul' | 'div' | 'mod';

const OP_WORD: Readonly<Record<Arith, string>> = { add: 'add', sub: 'subtract', mul: 'multiply', div: 'divide', mod: 'modulo' };

/** Arithmetic snippets by `op:repr`; `live` is the row's "both operands are valid" flag. */
const ARITHMETIC: Readonly<Record<string, (a: string, b: string, t: NumericDType, live: string) => string>> = {
  'add:i32': (a, b, t, live) => `add_i32(${a}, ${b}, ${rangeConstants(t).join(', ')}, ${live})`,
  'sub:i32': (a, b, t, live) => `sub_i32(${a}, ${b}, ${rangeConstants(t).join(', ')}, ${live})`,
  'mul:i32': (a, b, t, live) => `mul_i32(${a}, ${b}, ${rangeConstants(t).join(', ')}, ${live})`,
  'div:i32': (a, b, t, live) => `div_i32(${a}, ${b}, ${rangeConstants(t).join(', ')}, ${live})`,
  'mod:i32': (a, b) => `mod_i32(${a}, ${b})`,
  'add:u32': (a, b, t, live) => `add_u32(${a}, ${b}, ${rangeConstants(t)[1]}, ${live})`,
  'sub:u32': (a, b, _t, live) => `sub_u32(${a}, ${b}, ${live})`,
  'mul:u32': (a, b, t, live) => `mul_u32(${a}, ${b}, ${rangeConstants(t)[1]}, ${live})`,
  'div:u32': (a, b) => `div_u32(${a}, ${b})`,
  'mod:u32': (a, b) => `mod_u32(${a}, ${b})`,
  'add:i64': (a, b, _t, live) => `add_i64(${a}, ${b}, ${live})`,
  'sub:i64': (a, b, _t, live) => `sub_i64(${a}, ${b}, ${live})`,
  'add:u64': (a, b, _t, live) => `add_u64(${a}, ${b}, ${live})`,
  'sub:u64': (a, b, _t, live) => `sub_u64(${a}, ${b}, ${live})`,
  'add:f32': (a, b) => `f32_add(${a}, ${b})`,
  'sub:f32': (a, b) => `f32_sub(${a}, ${b})`,
  'mul:f32': (a, b) => `f32_mul(${a}, ${b})`,
  'div:f32': (a, b) => `f32_div(${a}, ${b})`,
  'mod:f32': (a, b) => `f32_mod(${a}, ${b})`,
  'add:f64': (a, b) => `f64_add(${a}, ${b})`,
  'sub:f64': (a, b) => `f64_sub(${a}, ${b})`,
  'mul:f64': (a, b) => `f64_mul(${a}, ${b})`,
  'div:f64': (a, b) => `f64_div(${a}, ${b})`,
  'mod:f64': (a, b) => `f64_mod(${a}, ${b})`,
};

/** The snippet of `a op b` at type `t`; `names` describes the operands for explain(). */
export function arithmeticSnippet(op: Arith, t: NumericDType, a: string, b: string, live: string, names: string): string {
  const row = ARITHMETIC[`${op}:${reprOf(t)}`];
  if (row === undefined) throw new NotOnGpu(`${t} ${OP_WORD[op]} of ${names} runs on the CPU`);
  return row(a, b, t, live);
}

/** Integer division and modulo by zero give null: the divisor joins the result's validity. */
export function divisorNonZero(op: BinaryOp, t: ValueType, b: string): string | null {
  if ((op !== 'div' && op !== 'mod') || !isIntegerType(t)) return null;
  switch (reprOf(t)) {
    case 'i32': return `${b} != 0`;
    case 'u32': return `${b} != 0u`;
    default: return null;
  }
}

/** `v` of type `t` as an exact sign-and-magnitude integer (`Wide`). */
export function wideOf(v: string, t: ValueType): string {
  const r = reprOf(t);
  if (r === 'bool') return `wide_u32(select(0u, 1u, ${v}))`;
  if (r === 'i32' || r === 'u32' || r === 'i64' || r === 'u64') return `wide_${r}(${v})`;
  throw new NotOnGpu(`an integer view of ${t} runs on the CPU`);
}

/** `v` of type `t` as float64 bits: exact from 32-bit integers and float32, rounded from 64-bit integers (Number(bigint)). */
export function f64Of(v: string, t: ValueType): string {
  switch (reprOf(t)) {
    case 'f64': return v;
    case 'f32': return `f32_to_f64(${v})`;
    case 'bool': return `select(vec2<u32>(0u, 0u), vec2<u32>(0u, 0x3ff00000u), ${v})`;
    case 'i32': case 'u32': case 'i64': case 'u64': return `wide_to_f64(${wideOf(v, t)})`;
    default: throw new NotOnGpu(`a float view of ${t} runs on the CPU`);
  }
}

/** A wide integer as type `to`, trapping outside its range (the CPU's inRange raises). */
function wideTo(w: string, to: NumericDType, live: string): string {
  switch (reprOf(to)) {
    case 'i32': return `wide_to_i32(${w}, ${rangeConstants(to).join(', ')}, ${live})`;
    case 'u32': return `wide_to_u32(${w}, ${rangeConstants(to)[1]}, ${live})`;
    case 'i64': return `wide_to_i64(${w}, ${live})`;
    default: return `wide_to_u64(${w}, ${live})`;
  }
}

/**
 * The CPU's implicit conversion (`toNumeric`) of a non-literal value of type `from` to the
 * promoted type `to`: exact between integers (only uint64 to int64 can fail, and traps), and
 * Number()/Math.fround to floats.
 */
export function convertSnippet(v: string, from: ValueType, to: ValueType, live: string): string {
  if (from === to) return v;
  if (to === 'float64') return f64Of(v, from);
  if (to === 'float32') return from === 'float64' ? `f64_to_f32(${v})` : `f64_to_f32(${f64Of(v, from)})`;
  if (isIntegerType(to) && isIntegerType(from)) {
    const r = reprOf(to);
    const f = reprOf(from);
    if (r === f) return v;
    if (r === 'i32' && f === 'u32') return `bitcast<i32>(${v})`;
    if (r === 'i64' && f === 'i32') return `i64_from_i32(${v})`;
    if ((r === 'i64' || r === 'u64') && f === 'u32') return `vec2<u32>(${v}, 0u)`;
    return wideTo(wideOf(v, from), to as NumericDType, live);
  }
  throw new NotOnGpu(`converting ${from} to ${to} runs on the CPU`);
}

/** An i32 ordering (-1, 0, 1) of `a` (type at) against `b` (type bt), exactly as compareValues. */
export function compareSnippet(a: string, at: ValueType, b: string, bt: ValueType): string {
  const ra = reprOf(at);
  const rb = reprOf(bt);
  if (ra === 'bool' && rb === 'bool') return `cmp_bool(${a}, ${b})`;
  if (ra === 'code' || rb === 'code') return `cmp_i32(${a}, ${b})`;
  if (isIntegerType(at) && isIntegerType(bt)) {
    if (ra === rb && (ra === 'i32' || ra === 'u32')) return `cmp_${ra}(${a}, ${b})`;
    if (ra === rb && ra === 'i64') return `cmp_i64(${a}, ${b})`;
    if (ra === rb && ra === 'u64') return `cmp_u64(${a}, ${b})`;
    return `cmp_wide(${wideOf(a, at)}, ${wideOf(b, bt)})`;
  }
  // A 64-bit integer beside a float needs the exact integer-double comparison; every other
  // pair converts to float64 exactly.
  if ((ra === 'i64' || ra === 'u64') && isFloatType(bt)) return `cmp_wide_f64(${wideOf(a, at)}, ${f64Of(b, bt)})`;
  if ((rb === 'i64' || rb === 'u64') && isFloatType(at)) return `(-cmp_wide_f64(${wideOf(b, bt)}, ${f64Of(a, at)}))`;
  return `cmp_f64(${f64Of(a, at)}, ${f64Of(b, bt)})`;
}

const ORDERING: Readonly<Record<string, string>> = { eq: '== 0', ne: '!= 0', lt: '< 0', le: '<= 0', gt: '> 0', ge: '>= 0' };

export function orderingTest(op: BinaryOp, cmp: string): string {
  return `(${cmp} ${ORDERING[op]!})`;
}

/**
 * Math functions over a float64 argument. sqrt is correctly rounded (as Math.sqrt); exp and the
 * logarithms are within a few ulp of Math's (the 1e-12 relative tolerance of float results).
 */
export const MATH: Readonly<Partial<Record<UnaryOp, (x: string) => string>>> = {
  sqrt: (x) => `f64_sqrt(${x})`,
  exp: (x) => `f64_e_pow(${x})`,
  log: (x) => `f64_log(${x}, 0u)`,
  log2: (x) => `f64_log(${x}, 1u)`,
  log10: (x) => `f64_log(${x}, 2u)`,
};

/** Numeric unary operators; null when the operator has no snippet for this type. */
export function unarySnippet(op: UnaryOp, t: ValueType, v: string, live: string, name: string): string {
  const r = reprOf(t);
  const signFlip = (mask: string): string => (r === 'f64' ? `vec2<u32>(${v}.x, ${v}.y ${mask})` : `(${v} ${mask})`);
  switch (op) {
    case 'neg':
      if (r === 'i32') return `neg_i32(${v}, ${rangeConstants(t as NumericDType).join(', ')}, ${live})`;
      if (r === 'i64') return `neg_i64(${v}, ${live})`;
      if (r === 'f32' || r === 'f64') return signFlip('^ SIGN');
      break;
    case 'abs':
      if (r === 'i32') return `abs_i32(${v}, ${rangeConstants(t as NumericDType).join(', ')}, ${live})`;
      if (r === 'i64') return `abs_i64(${v}, ${live})`;
      if (r === 'u32' || r === 'u64') return v;
      if (r === 'f32' || r === 'f64') return signFlip('& 0x7fffffffu');
      break;
    case 'floor':
    case 'ceil':
    case 'round': {
      const mode = op === 'floor' ? '0u' : op === 'ceil' ? '1u' : '2u';
      if (r === 'f64') return `f64_round(${v}, ${mode})`;
      if (r === 'f32') return `f32_round(${v}, ${mode})`;
      if (isIntegerType(t)) return v;
      break;
    }
    default:
      break;
  }
  throw new NotOnGpu(`${op} of ${name} (${t}) runs on the CPU`);
}

/** castValue for numbers and bools: `from` to `to` with the CPU's rounding and range errors. */
export function castSnippet(v: string, from: ValueType, to: CastType, live: string, name: string): string {
  if (to === 'string' || from === 'string') throw new NotOnGpu(`cast of ${name} from ${from} to ${to} runs on the CPU`);
  if (from === to) return v;
  if (to === 'bool') {
    const r = reprOf(from);
    if (r === 'f32' || r === 'f64') return `f64_truthy(${f64Of(v, from)})`;
    return `!u64_is_zero(${wideOf(v, from)}.mag)`;
  }
  if (to === 'float64') return f64Of(v, from);
  if (to === 'float32') return from === 'float64' ? `f64_to_f32(${v})` : `f64_to_f32(${f64Of(v, from)})`;
  const wide = isFloatType(from) ? `f64_to_wide(${f64Of(v, from)}, ${live})` : wideOf(v, from);
  return wideTo(wide, to, live);
}
