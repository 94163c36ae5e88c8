/**
 * A fused elementwise expression (`cpu/kernels/array-expr.ts`) as WGSL, for the array kernels:
 * float32 and int32 only (WGSL has no f64), with numpy's edge cases spelled out rather than left
 * to the shader compiler (NaN checks on the bits, remainder with the divisor's sign, pow of
 * negative bases, log and sqrt of negatives), so the GPU agrees with the CPU twin. `wgslSupported`
 * says whether an expression can run on the device at all; what cannot runs on the CPU.
 */
import type { ArrayDType } from '../../cpu/kernels/array-block.js';
import type { BinaryOp, FusedExpr, UnaryOp } from '../../cpu/kernels/array-expr.js';
import { KernelError } from '../../errors.js';

/** The WGSL type of a supported dtype. */
export function wgslType(dtype: ArrayDType): 'f32' | 'i32' {
  return dtype === 'int32' ? 'i32' : 'f32';
}

/**
 * Whether every node of `e` has a faithful WGSL form: no float64 anywhere, and no float →
 * int32 cast (WGSL saturates where numpy wraps).
 *
 * @example
 * wgslSupported({ kind: 'input', index: 0, dtype: 'float32' }); // true
 */
export function wgslSupported(e: FusedExpr): boolean {
  if (e.dtype === 'float64') return false;
  switch (e.kind) {
    case 'input':
    case 'const':
      return true;
    case 'cast':
      return e.dtype === 'float32' && wgslSupported(e.arg);
    case 'unary':
      return wgslSupported(e.arg);
    case 'binary':
      return wgslSupported(e.a) && wgslSupported(e.b);
    case 'where':
      return wgslSupported(e.cond) && wgslSupported(e.a) && wgslSupported(e.b);
  }
}

/** A constant with its exact bits (WGSL has no NaN or infinity literals). */
function constant(value: number, dtype: ArrayDType): string {
  if (dtype === 'int32') return `bitcast<i32>(${(value | 0) >>> 0}u)`;
  return `ew_f32(0x${(new Uint32Array(Float32Array.of(value).buffer)[0]!).toString(16)}u)`;
}

const F32_UNARY: Readonly<Record<UnaryOp, (a: string) => string>> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `abs(${a})`,
  sqrt: (a) => `ew_sqrt(${a})`,
  exp: (a) => `ew_exp(${a})`,
  log: (a) => `ew_log(${a})`,
  sin: (a) => `ew_sin(${a})`,
  cos: (a) => `ew_cos(${a})`,
  tanh: (a) => `ew_tanh(${a})`,
  floor: (a) => `ew_floor(${a})`,
  ceil: (a) => `ew_ceil(${a})`,
  round: (a) => `ew_round(${a})`,
};

const I32_UNARY: Partial<Record<UnaryOp, (a: string) => string>> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `abs(${a})`,
  floor: (a) => a,
  ceil: (a) => a,
  round: (a) => a,
};

const CMP: Readonly<Record<string, string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

function binary(op: BinaryOp, a: string, b: string, t: 'f32' | 'i32'): string {
  if (op in CMP) {
    const test = t === 'f32' ? `ew_${op}(${a}, ${b})` : `(${a} ${CMP[op]} ${b})`;
    return `select(0i, 1i, ${test})`;
  }
  switch (op) {
    case 'add': return `(${a} + ${b})`;
    case 'sub': return `(${a} - ${b})`;
    case 'mul': return `(${a} * ${b})`;
    case 'div': return `(${a} / ${b})`;
    case 'mod': return t === 'f32' ? `ew_fmod(${a}, ${b})` : `ew_imod(${a}, ${b})`;
    case 'pow': return `ew_pow(${a}, ${b})`;
    case 'maximum': return t === 'f32' ? `ew_max(${a}, ${b})` : `max(${a}, ${b})`;
    case 'minimum': return t === 'f32' ? `ew_min(${a}, ${b})` : `min(${a}, ${b})`;
    default: throw new KernelError('ARRAY_WGSL', `array kernels: no WGSL form of '${op}' on ${t}`);
  }
}

/**
 * WGSL for one element of a supported `e`; input k is read by `load{k}(i)`.
 *
 * @example
 * wgslExpr({ kind: 'unary', op: 'neg', arg: { kind: 'input', index: 0, dtype: 'float32' }, dtype: 'float32' }); // '(-load0(i))'
 */
export function wgslExpr(e: FusedExpr): string {
  switch (e.kind) {
    case 'input':
      return `load${e.index}(i)`;
    case 'const':
      return constant(e.value, e.dtype);
    case 'cast':
      return e.arg.dtype === e.dtype ? wgslExpr(e.arg) : `f32(${wgslExpr(e.arg)})`;
    case 'unary': {
      const a = wgslExpr(e.arg);
      return e.dtype === 'int32' ? I32_UNARY[e.op]!(a) : F32_UNARY[e.op](a);
    }
    case 'binary':
      return binary(e.op, wgslExpr(e.a), wgslExpr(e.b), wgslType(e.a.dtype));
    case 'where': {
      const c = wgslExpr(e.cond);
      const truth = e.cond.dtype === 'int32' ? `(${c} != 0i)` : `ew_truthy(${c})`;
      return `select(${wgslExpr(e.b)}, ${wgslExpr(e.a)}, ${truth})`;
    }
  }
}
