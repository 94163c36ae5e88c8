/**
 * The logical types expressions are checked with: the numeric dtypes, `bool`, `string` (Utf8 or
 * dictionary-encoded Utf8 alike), `null` (a bare null literal) and `other` (any Arrow type the
 * expression kernels do not take, such as dates, which may still be selected and passed on).
 * Here too live the promotion rules that both the type checker and the kernels follow.
 */
import {
  Bool, DataType, Float32, Float64, Int16, Int32, Int64, Int8, Null, Type, Uint16, Uint32, Uint64, Uint8, Utf8,
} from 'apache-arrow';
import { numericDType, type NumericDType } from '../dtype.js';
import type { LiteralValue } from './expr.js';

export type ValueType = NumericDType | 'bool' | 'string' | 'null' | 'other';

export function valueTypeOf(type: DataType): ValueType {
  const numeric = numericDType(type);
  if (numeric !== null) return numeric;
  switch (type.typeId) {
    case Type.Bool:
      return 'bool';
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary:
      return valueTypeOf((type as DataType<Type.Dictionary> & { dictionary: DataType }).dictionary) === 'string' ? 'string' : 'other';
    case Type.Null:
      return 'null';
    default:
      return 'other';
  }
}

export function isNumeric(t: ValueType): t is NumericDType {
  return t !== 'bool' && t !== 'string' && t !== 'null' && t !== 'other';
}

export function isIntegerType(t: ValueType): boolean {
  return isNumeric(t) && t !== 'float32' && t !== 'float64';
}

export function isFloatType(t: ValueType): boolean {
  return t === 'float32' || t === 'float64';
}

const BITS: Record<string, number> = { int8: 8, int16: 16, int32: 32, int64: 64, uint8: 8, uint16: 16, uint32: 32, uint64: 64 };

/** Inclusive range of an integer type, as bigints. */
export function integerRange(t: NumericDType): [bigint, bigint] {
  const bits = BigInt(BITS[t]!);
  return t.startsWith('u') ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
}

function signedOfBits(bits: number): NumericDType {
  return bits <= 8 ? 'int8' : bits <= 16 ? 'int16' : bits <= 32 ? 'int32' : 'int64';
}

/** The type arithmetic on two numeric types gives (DuckDB's rules; float32 with integers stays float32). */
export function promoteNumeric(a: NumericDType, b: NumericDType): NumericDType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  const ua = a.startsWith('u');
  const ub = b.startsWith('u');
  const ba = BITS[a]!;
  const bb = BITS[b]!;
  if (ua === ub) return ba >= bb ? a : b;
  const [signedBits, unsignedBits] = ua ? [bb, ba] : [ba, bb];
  return signedBits > unsignedBits ? signedOfBits(signedBits) : signedOfBits(Math.min(64, unsignedBits * 2));
}

/** The type of a literal on its own. */
export function literalType(value: LiteralValue): ValueType {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return value > 2n ** 63n - 1n ? 'uint64' : 'int64';
  if (!Number.isInteger(value)) return 'float64';
  if (Math.abs(value) <= 2 ** 31 - 1 || value === -(2 ** 31)) return 'int32';
  return Number.isSafeInteger(value) ? 'int64' : 'float64';
}

/**
 * The type a literal takes beside a value of type `other`: an integer literal that fits the
 * other side's integer type takes that type, a number beside a float takes the float's type,
 * so `col(int8).add(1)` stays int8 and `col(float32).mul(2)` stays float32.
 */
export function adaptLiteral(value: LiteralValue, other: ValueType): ValueType {
  const own = literalType(value);
  if (!isNumeric(own) || !isNumeric(other)) return own;
  if (isFloatType(other)) return other;
  if (isFloatType(own)) return 'float64';
  const [lo, hi] = integerRange(other);
  const v = BigInt(value as number | bigint);
  return v >= lo && v <= hi ? other : own;
}

/** The Arrow type Dusk produces for a value type (strings as plain Utf8). */
export function arrowTypeOf(t: ValueType): DataType {
  switch (t) {
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'uint64': return new Uint64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'string': return new Utf8();
    default: return new Null();
  }
}
