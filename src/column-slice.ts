import type { Data, Vector } from 'apache-arrow';
import { PlanError } from './errors.js';
import { numericDType, type NumericArray, type NumericDType } from './dtype.js';

/**
 * One contiguous run of a numeric column, as both kernel twins take it: the values (already
 * starting at the first row), the Arrow validity bitmap (LSB first) with the bit of the first
 * row, and the row count. It is a view: nothing is copied to make one.
 */
export interface ColumnSlice {
  dtype: NumericDType;
  values: NumericArray;
  /** Validity bitmap, or null when every row is valid. */
  validity: Uint8Array | null;
  /** Bit index in `validity` of the first row. */
  bitOffset: number;
  length: number;
}

/**
 * The slices of a numeric Arrow vector, one per chunk. A non-numeric column is a `PlanError`
 * naming the column, its type and the operator that wanted numbers.
 */
export function columnSlices(vector: Vector, column: string, operator: string): ColumnSlice[] {
  const dtype = numericDType(vector.type);
  if (dtype === null) {
    throw new PlanError(
      'TYPE_MISMATCH',
      `${operator} needs a numeric column, but column '${column}' has type ${String(vector.type)}`,
    );
  }
  const slices: ColumnSlice[] = [];
  for (const data of vector.data as Data[]) {
    const hasNulls = data.nullBitmap !== undefined && data.nullBitmap.length > 0 && data.nullCount > 0;
    slices.push({
      dtype,
      values: (data.values as NumericArray).subarray(0, data.length) as NumericArray,
      validity: hasNulls ? (data.nullBitmap as Uint8Array) : null,
      bitOffset: data.offset,
      length: data.length,
    });
  }
  return slices;
}
