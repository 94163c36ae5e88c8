/**
 * Plain columns (see `PlainColumn`): building them, and moving between them and Arrow. Arrow
 * data made from a plain column shares its buffers, so a partial's state values can be merged
 * by the same kernels that read input columns.
 */
import * as arrow from 'apache-arrow';
import { newTypedArray, type NumericArray, type NumericDType } from '../../../dtype.js';
import { arrowTypeOf } from '../../../plan/value-type.js';
import type { PlainColumn, PlainType } from './agg-types.js';
import type { ColumnKind } from './column-kind.js';


/**
 * The plain type a column of `kind` keeps its values in (strings of either kind as utf8).
 * @example
 * plainTypeOf({ kind: 'dict' }); // 'utf8'
 */
export function plainTypeOf(kind: ColumnKind): PlainType {
  return kind.kind === 'number' ? kind.dtype : kind.kind === 'bool' ? 'bool' : 'utf8';
}

/**
 * The kind the kernels read a plain column as.
 * @example
 * kindOfPlain('int8'); // { kind: 'number', dtype: 'int8' }
 */
export function kindOfPlain(type: PlainType): ColumnKind {
  return type === 'bool' ? { kind: 'bool' } : type === 'utf8' ? { kind: 'utf8' } : { kind: 'number', dtype: type };
}

/** The Arrow type of a plain column. */
function arrowTypeOfPlain(type: PlainType): arrow.DataType {
  return arrowTypeOf(type === 'utf8' ? 'string' : type);
}

function countNulls(validity: Uint8Array | null, length: number): number {
  if (validity === null) return 0;
  let valid = 0;
  for (let i = 0; i < length; i++) valid += (validity[i >> 3] >> (i & 7)) & 1;
  return length - valid;
}

/**
 * Arrow data over the plain column's buffers (no copy).
 * @example
 * const vector = new arrow.Vector([plainToData(state.values)]);
 */
export function plainToData(c: PlainColumn): arrow.Data {
  const nullCount = countNulls(c.validity, c.length);
  const nullBitmap = nullCount > 0 ? c.validity! : new Uint8Array(0);
  const type = arrowTypeOfPlain(c.type);
  if (c.type === 'utf8') {
    return arrow.makeData({ type: type as arrow.Utf8, length: c.length, nullCount, nullBitmap, valueOffsets: c.offsets!, data: c.values as Uint8Array });
  }
  return arrow.makeData({ type: type as arrow.Int32, length: c.length, nullCount, nullBitmap, data: c.values as Int32Array });
}

/**
 * Bytes of a validity bitmap for n rows.
 * @example
 * const validity = new Uint8Array(bitmapBytes(rows));
 */
export function bitmapBytes(n: number): number {
  return (n + 7) >> 3;
}

/**
 * A zeroed plain column of n fixed-width values, all valid.
 * @example
 * const out = emptyPlain('float64', groups);
 */
export function emptyPlain(type: Exclude<PlainType, 'utf8'>, n: number): PlainColumn {
  if (type === 'bool') return { type, length: n, validity: null, values: new Uint8Array(bitmapBytes(n)), offsets: null };
  return { type, length: n, validity: null, values: newTypedArray(type, n), offsets: null };
}

/**
 * The ArrayBuffers a plain column holds.
 * @example
 * transfer.push(...plainBuffers(column));
 */
export function plainBuffers(c: PlainColumn): ArrayBuffer[] {
  const out = [c.values.buffer as ArrayBuffer];
  if (c.validity !== null) out.push(c.validity.buffer as ArrayBuffer);
  if (c.offsets !== null) out.push(c.offsets.buffer as ArrayBuffer);
  return out;
}
