import { DataType, Type, Precision } from 'apache-arrow';

/** The numeric element types Dusk's kernels take. */
export type NumericDType =
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64';

export type NumericArray =
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Float32Array | Float64Array;

/** Bytes per element of each numeric dtype. */
export const DTYPE_BYTES: Readonly<Record<NumericDType, number>> = {
  int8: 1, int16: 2, int32: 4, int64: 8,
  uint8: 1, uint16: 2, uint32: 4, uint64: 8,
  float32: 4, float64: 8,
};

export function isFloat(dtype: NumericDType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function is64Bit(dtype: NumericDType): boolean {
  return dtype === 'int64' || dtype === 'uint64' || dtype === 'float64';
}

/**
 * The Dusk dtype of an Arrow type, or null when it is not numeric (strings, booleans, dates,
 * half floats...). This is the one place that switches on Arrow's type ids for numbers.
 */
export function numericDType(type: DataType): NumericDType | null {
  switch (type.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = type as DataType<Type.Int> & { bitWidth: number; isSigned: boolean };
      const name = `${isSigned ? 'int' : 'uint'}${bitWidth}`;
      return name as NumericDType;
    }
    case Type.Float: {
      const { precision } = type as DataType<Type.Float> & { precision: Precision };
      if (precision === Precision.SINGLE) return 'float32';
      if (precision === Precision.DOUBLE) return 'float64';
      return null;
    }
    default:
      return null;
  }
}

/** A zeroed typed array of `dtype` with `n` elements. */
export function newTypedArray(dtype: NumericDType, n: number): NumericArray {
  switch (dtype) {
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'uint64': return new BigUint64Array(n);
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
  }
}
