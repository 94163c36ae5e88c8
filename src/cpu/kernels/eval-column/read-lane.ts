/**
 * Arrow → lane: the one place `evalColumn` switches on Arrow types to read a batch of a column.
 * Float64 and 64-bit integer values are viewed in place; narrower numbers are widened to doubles
 * by one native `TypedArray.set`; booleans and validity bitmaps are unpacked to bytes; Utf8 and
 * dictionary strings keep their bytes and offsets (a dictionary's entries are read once).
 */
import * as arrow from 'apache-arrow';
import { numericDType } from '../../../dtype.js';
import {
  bigLane, boolLane, FRESH, numLane, NULL_LANE, unpackBits,
  type Codes, type Lane, type Scratch, type StrLane, type Valid,
} from './lane.js';

/**
 * The validity bytes of one Arrow Data, or null when it has no nulls.
 *
 * @example
 * readValid(data) // null when the Data has no nulls
 */
export function readValid(data: arrow.Data, scratch: Scratch = FRESH): Valid {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  if (bitmap === undefined || bitmap.length === 0 || data.nullCount === 0) return null;
  return unpackBits(bitmap, data.offset, data.length, scratch);
}

function toDoubles(values: ArrayLike<number | bigint>, n: number, scratch: Scratch = FRESH): Float64Array {
  const out = scratch.f64(n);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(values[i]!);
  } else {
    out.set((values as Float32Array).subarray(0, n));
  }
  return out;
}

/** The strings of a Utf8 / LargeUtf8 Data (offsets as Int32Array, or doubles for LargeUtf8). */
function utf8Parts(data: arrow.Data): { bytes: Uint8Array; offsets: Int32Array | Float64Array } {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const bytes = (data.values as Uint8Array | undefined) ?? new Uint8Array(0);
  if (offsets instanceof Int32Array) return { bytes, offsets: offsets.subarray(0, data.length + 1) };
  return { bytes, offsets: toDoubles(offsets, data.length + 1) };
}

function isStringType(type: arrow.DataType): boolean {
  return type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.LargeUtf8;
}

/**
 * A dictionary's entries as one Utf8 run (copied only when the dictionary has several chunks
 * or 64-bit offsets), and which entries are null.
 */
function dictionaryParts(dictionary: arrow.Vector): { bytes: Uint8Array; offsets: Int32Array | Float64Array; valid: Valid } {
  const chunks = dictionary.data as arrow.Data[];
  if (chunks.length === 1) {
    return { ...utf8Parts(chunks[0]!), valid: readValid(chunks[0]!) };
  }
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const offsets = new Int32Array(dictionary.length + 1);
  const valid = new Uint8Array(dictionary.length);
  let total = 0;
  for (let k = 0; k < dictionary.length; k++) {
    const s = dictionary.get(k) as string | null;
    if (s !== null) {
      const b = encoder.encode(s);
      parts.push(b);
      total += b.length;
      valid[k] = 1;
    }
    offsets[k + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const b of parts) {
    bytes.set(b, at);
    at += b.length;
  }
  return { bytes, offsets, valid };
}

function readDictionary(data: arrow.Data, valid: Valid): StrLane {
  const n = data.length;
  const raw = data.values as Codes | BigInt64Array | BigUint64Array;
  const codes: Codes = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? toDoubles(raw, n) : raw.subarray(0, n);
  const dict = dictionaryParts(data.dictionary as arrow.Vector);
  let rowValid = valid;
  if (dict.valid !== null) {
    // A null dictionary entry makes its rows null.
    const entries = dict.valid;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (valid === null ? 1 : valid[i]!) & (entries[codes[i]!] ?? 0);
    rowValid = out;
  }
  return { kind: 'str', bytes: dict.bytes, offsets: dict.offsets, codes, stride: 1, valid: rowValid };
}

/**
 * One batch of a column as a lane. Types expressions do not compute on come back as an opaque
 * lane (validity only), which is all `isNull` needs.
 *
 * @example
 * const lane = readLane(table.batches[0]!.data.children[0]!)
 */
export function readLane(data: arrow.Data, scratch: Scratch = FRESH): Lane {
  const n = data.length;
  const type = data.type as arrow.DataType;
  if (type.typeId === arrow.Type.Null) return NULL_LANE;
  const valid = readValid(data, scratch);
  const dtype = numericDType(type);
  if (dtype !== null) {
    if (dtype === 'int64' || dtype === 'uint64') {
      const values = (data.values as BigInt64Array | BigUint64Array).subarray(0, n);
      return bigLane(dtype, values, valid);
    }
    const values = dtype === 'float64' ? (data.values as Float64Array).subarray(0, n) : toDoubles(data.values as Float32Array, n, scratch);
    return numLane(dtype, values, valid);
  }
  if (type.typeId === arrow.Type.Bool) return boolLane(unpackBits(data.values as Uint8Array, data.offset, n, scratch), valid);
  if (isStringType(type)) return { kind: 'str', ...utf8Parts(data), codes: null, stride: 1, valid };
  if (type.typeId === arrow.Type.Dictionary && isStringType((type as arrow.Dictionary).dictionary)) {
    return readDictionary(data, valid);
  }
  return { kind: 'opaque', valid };
}
