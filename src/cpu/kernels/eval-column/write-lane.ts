/**
 * Lane → Arrow: one batch of an expression's result as Arrow Data of the result type (the type
 * `arrowTypeOf` gives, as the reference evaluator produces). Doubles narrow to their typed array
 * by one native `TypedArray.set`; float64 and 64-bit results are handed over without a copy;
 * bytes are packed back into bitmaps.
 */
import * as arrow from 'apache-arrow';
import type { NumericDType } from '../../../dtype.js';
import { arrowTypeOf, type ValueType } from '../../../plan/value-type.js';
import { allNullLane, packBits, type Lane, type StrLane, type Valid } from './lane.js';
import { gatherStrings } from './string-lane.js';

type Small = Exclude<NumericDType, 'int64' | 'uint64'>;

function smallArray(t: Small, n: number): Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array {
  switch (t) {
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
  }
}

function validity(valid: Valid, n: number): { nullBitmap: Uint8Array | null; nullCount: number } {
  if (valid === null) return { nullBitmap: null, nullCount: 0 };
  const { bits, zeros } = packBits(valid, 1, n);
  return zeros === 0 ? { nullBitmap: null, nullCount: 0 } : { nullBitmap: bits, nullCount: zeros };
}

function utf8Data(s: StrLane, n: number): arrow.Data {
  // A plain Utf8 run is handed over as it is (its offsets need not start at 0); anything else
  // (dictionary codes, a literal, 64-bit offsets) is gathered into a fresh run.
  const flat = s.codes === null && s.stride === 1 && s.offsets instanceof Int32Array ? s : gatherStrings([s], new Uint8Array(n), s.valid, n);
  return arrow.makeData({
    type: new arrow.Utf8(),
    length: n,
    ...validity(s.valid, n),
    valueOffsets: flat.offsets as Int32Array,
    data: flat.bytes,
  });
}

/**
 * One batch (`n` rows) of a result of type `type` as Arrow Data.
 *
 * @example
 * const data = writeLane(lane, 'int32', n); // an Int32 Data of n rows
 */
export function writeLane(lane: Lane, type: ValueType, n: number): arrow.Data {
  if (type === 'null') return arrow.makeData({ type: new arrow.Null(), length: n, nullCount: n });
  const l = lane.kind === 'null' ? allNullLane(type, n) : lane;
  const arrowType = arrowTypeOf(type);
  switch (l.kind) {
    case 'num': {
      let data: ArrayBufferView;
      if (l.type === 'float64' && l.stride === 1) data = l.values;
      else {
        const out = smallArray(l.type, n);
        if (l.stride === 1) out.set(l.values);
        else out.fill(l.values[0]!);
        data = out;
      }
      return arrow.makeData({ type: arrowType, length: n, ...validity(l.valid, n), data } as never);
    }
    case 'big': {
      let data = l.values;
      if (l.stride === 0) {
        data = l.type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
        data.fill(l.values[0]! as never);
      }
      return arrow.makeData({ type: arrowType, length: n, ...validity(l.valid, n), data } as never);
    }
    case 'bool':
      return arrow.makeData({ type: new arrow.Bool(), length: n, ...validity(l.valid, n), data: packBits(l.values, l.stride, n).bits });
    case 'str':
      return utf8Data(l, n);
    default:
      throw new TypeError(`cannot write a lane of kind ${l.kind} as ${type}`);
  }
}
