/**
 * How each value type lives inside the expression shader (its "repr"), how a literal of that
 * type is written as a WGSL constant, and the host-side literal conversion the CPU applies
 * (`toNumeric` in cpu/kernels/eval-expr.ts, kept here as a local twin because that one is not
 * exported). This is the one place that switches on value types for the expression codegen.
 */
import type { NumericDType } from '../../dtype.js';
import type { LiteralValue } from '../../plan/expr.js';
import { integerRange, isFloatType, type ValueType } from '../../plan/value-type.js';

/** The shader representation of a value type. */
export type Repr = 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64' | 'bool' | 'code' | 'null';

/** Thrown inside the codegen when something cannot run on the GPU; `why` goes to explain(). */
export class NotOnGpu extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

export function reprOf(t: ValueType): Repr {
  switch (t) {
    case 'int8': case 'int16': case 'int32': return 'i32';
    case 'uint8': case 'uint16': case 'uint32': return 'u32';
    case 'int64': return 'i64';
    case 'uint64': return 'u64';
    case 'float32': return 'f32';
    case 'float64': return 'f64';
    case 'bool': return 'bool';
    case 'string': return 'code';
    case 'null': return 'null';
    default: throw new NotOnGpu(`values of an unsupported type run on the CPU`);
  }
}

const WGSL_TYPE: Readonly<Record<Repr, string>> = {
  i32: 'i32', u32: 'u32', i64: 'vec2<u32>', u64: 'vec2<u32>', f32: 'u32', f64: 'vec2<u32>', bool: 'bool', code: 'i32', null: 'i32',
};

export function wgslType(r: Repr): string {
  return WGSL_TYPE[r];
}

/** The value an invalid (null) slot holds: anything works, zero keeps outputs deterministic. */
export function zeroOf(r: Repr): string {
  switch (r) {
    case 'i64': case 'u64': case 'f64': return 'vec2<u32>(0u, 0u)';
    case 'bool': return 'false';
    case 'u32': case 'f32': return '0u';
    default: return '0';
  }
}

/** Whether the repr is a two-word (vec2<u32>) value. */
export function isWide(r: Repr): boolean {
  return r === 'i64' || r === 'u64' || r === 'f64';
}

const view = new DataView(new ArrayBuffer(8));

function u32(n: number): string {
  return `${n >>> 0}u`;
}

function pair(lo: number, hi: number): string {
  return `vec2<u32>(${u32(lo)}, ${u32(hi)})`;
}

/** The bits of a double as (lo, hi) words. */
export function f64Words(x: number): [number, number] {
  view.setFloat64(0, x, true);
  return [view.getUint32(0, true), view.getUint32(4, true)];
}

export function f32Word(x: number): number {
  view.setFloat32(0, x, true);
  return view.getUint32(0, true);
}

/** A numeric, boolean or null value already of type `t` (as `toNumeric` left it) as WGSL. */
export function wgslConstant(value: number | bigint | boolean | null, t: ValueType): string {
  const r = reprOf(t);
  if (value === null) return zeroOf(r);
  switch (r) {
    case 'bool': return value ? 'true' : 'false';
    case 'i32': return `bitcast<i32>(${u32(Number(value))})`;
    case 'u32': return u32(Number(value));
    case 'i64':
    case 'u64': {
      const b = BigInt.asUintN(64, BigInt(value));
      return pair(Number(b & 0xffffffffn), Number(b >> 32n));
    }
    case 'f32': return u32(f32Word(Number(value)));
    case 'f64': return pair(...f64Words(Number(value)));
    default: throw new NotOnGpu(`a literal of type ${t} runs on the CPU`);
  }
}

/**
 * The CPU's `toNumeric(literal, t)`: exact for 64-bit integers (out of range raises there, so
 * here it is `NotOnGpu` and the CPU raises), rounded to float32, else the number itself.
 */
export function literalAs(value: LiteralValue, t: ValueType): number | bigint | boolean | null {
  if (value === null) return null;
  if (typeof value === 'string') throw new NotOnGpu(`the string literal ${JSON.stringify(value)} outside a dictionary comparison runs on the CPU`);
  if (t === 'int64' || t === 'uint64') {
    const b = typeof value === 'bigint' ? value : BigInt(value as number);
    const [lo, hi] = integerRange(t);
    if (b < lo || b > hi) throw new NotOnGpu(`the literal ${String(value)} overflows ${t} (the CPU raises)`);
    return b;
  }
  if (typeof value === 'boolean') return value;
  const n = Number(value);
  return t === 'float32' ? Math.fround(n) : n;
}

/** Inclusive bounds of a 32-bit-or-narrower integer type as WGSL constants [lo, hi]. */
export function rangeConstants(t: NumericDType): [string, string] {
  const [lo, hi] = integerRange(t);
  if (t.startsWith('u')) return ['0u', u32(Number(hi))];
  return [`bitcast<i32>(${u32(Number(lo))})`, `bitcast<i32>(${u32(Number(hi))})`];
}

/**
 * The constant of type `t` that equals `w` under the CPU's compareValues, or null when no value
 * of type `t` can equal it (1.5 beside integers, 0.1 beside float32, 2^40 beside int32...).
 */
export function matchingConstant(w: Exclude<LiteralValue, null | string>, t: ValueType): number | bigint | boolean | null {
  if (typeof w === 'boolean') return t === 'bool' ? w : null;
  if (isFloatType(t)) {
    const n = typeof w === 'bigint' ? Number(w) : w;
    if (typeof w === 'bigint' && BigInt(n) !== w) return null;
    if (t === 'float32' && !Number.isNaN(n) && Math.fround(n) !== n) return null;
    return n;
  }
  if (t === 'bool') return null;
  let b: bigint;
  if (typeof w === 'bigint') b = w;
  else if (Number.isInteger(w)) b = BigInt(w);
  else return null;
  const [lo, hi] = integerRange(t as NumericDType);
  if (b < lo || b > hi) return null;
  return t === 'int64' || t === 'uint64' ? b : Number(b);
}
