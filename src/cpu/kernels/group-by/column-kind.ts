/**
 * How the group-by kernels see an Arrow column: as its chunks (`arrow.Data`, each with its own
 * offset, validity and, for dictionaries, its own dictionary), classified once into the few
 * kinds the kernels have loops for. This is the one place that switches on Arrow types.
 */
import * as arrow from 'apache-arrow';
import { numericDType, type NumericArray, type NumericDType } from '../../../dtype.js';
import { PlanError, SchemaError } from '../../../errors.js';
import { forEachValidRun } from '../valid-runs.js';

/** The chunks of one column, in row order. */
export type Chunks = readonly arrow.Data[];

/** What a column holds, as far as the kernels care. */
export type ColumnKind =
  | { kind: 'number'; dtype: NumericDType }
  | { kind: 'bool' }
  /** Utf8 or LargeUtf8. */
  | { kind: 'utf8' }
  /** Dictionary-encoded Utf8 (any index type; every chunk may carry its own dictionary). */
  | { kind: 'dict' };

/**
 * The kind of an Arrow type, or null when the group-by kernels do not take it.
 * @example
 * columnKind(new arrow.Int32()); // { kind: 'number', dtype: 'int32' }
 */
export function columnKind(type: arrow.DataType): ColumnKind | null {
  const dtype = numericDType(type);
  if (dtype !== null) return { kind: 'number', dtype };
  switch (type.typeId) {
    case arrow.Type.Bool:
      return { kind: 'bool' };
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
      return { kind: 'utf8' };
    case arrow.Type.Dictionary: {
      const inner = (type as arrow.Dictionary).dictionary;
      return inner.typeId === arrow.Type.Utf8 || inner.typeId === arrow.Type.LargeUtf8 ? { kind: 'dict' } : null;
    }
    default:
      return null;
  }
}

/**
 * The chunks and kind of `table`'s column `name`; a SchemaError or PlanError naming it otherwise.
 * @example
 * const { chunks, kind } = columnOf(table, 'id1', 'groupBy key');
 */
export function columnOf(table: arrow.Table, name: string, operator: string): { chunks: Chunks; kind: ColumnKind } {
  const vector = table.getChild(name);
  if (vector === null) {
    const have = table.schema.fields.map((f) => f.name).join(', ');
    throw new SchemaError('UNKNOWN_COLUMN', `${operator}: no column '${name}' (columns: ${have})`);
  }
  const kind = columnKind(vector.type);
  if (kind === null) {
    throw new PlanError('TYPE_MISMATCH', `${operator} cannot take column '${name}' of type ${String(vector.type)}`);
  }
  return { chunks: vector.data as arrow.Data[], kind };
}

/**
 * Total rows over the chunks.
 * @example
 * const n = chunkRows(table.getChild('v1')!.data);
 */
export function chunkRows(chunks: Chunks): number {
  let n = 0;
  for (const d of chunks) n += d.length;
  return n;
}

/**
 * Calls fn(data, start) for each chunk, `start` being its first row in the column.
 * @example
 * eachChunk(chunks, (data, start) => console.log(start, data.length));
 */
export function eachChunk(chunks: Chunks, fn: (data: arrow.Data, start: number) => void): void {
  let start = 0;
  for (const d of chunks) {
    // An empty chunk has no rows to visit, and Arrow may give it no buffers (an empty table's
    // placeholder batch), which the native kernels refuse: callers never see one.
    if (d.length > 0) fn(d, start);
    start += d.length;
  }
}

/**
 * The chunk's validity bitmap when it has nulls (bit `data.offset + i` is row i), else null.
 * @example
 * const bits = validityOf(data); // null: no nulls
 */
export function validityOf(data: arrow.Data): Uint8Array | null {
  return data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap.length > 0 ? data.nullBitmap : null;
}

/**
 * Calls `fn(start, end)` for each run of valid rows of one chunk (chunk-local rows).
 * @example
 * validRuns(data, (s, e) => { for (let i = s; i < e; i++) total += values[i]; });
 */
export function validRuns(data: arrow.Data, fn: (start: number, end: number) => void): void {
  forEachValidRun(validityOf(data), data.offset, data.length, fn);
}

/**
 * Whether chunk-local row i is valid.
 * @example
 * if (isValidAt(data, 3)) console.log('row 3 is not null');
 */
export function isValidAt(data: arrow.Data, i: number): boolean {
  const bits = validityOf(data);
  if (bits === null) return true;
  const bit = data.offset + i;
  return ((bits[bit >> 3] >> (bit & 7)) & 1) === 1;
}

/**
 * A numeric chunk's values, starting at its first row (Arrow slices numeric buffers).
 * @example
 * const v = numericValues(data) as Int32Array;
 */
export function numericValues(data: arrow.Data): NumericArray {
  return data.values as NumericArray;
}

/**
 * A 64-bit chunk's values as 32-bit words: `lo[2i]` is row i's low word (unsigned), `hi[2i + 1]`
 * its high word (signed for int64), so loops never read a bigint.
 * @example
 * const { lo, hi } = words64(data, true); // row i: hi[2i + 1] · 2^32 + lo[2i]
 */
export function words64(data: arrow.Data, signed: boolean): { lo: Uint32Array; hi: Int32Array | Uint32Array } {
  const v = data.values as BigInt64Array | BigUint64Array;
  const lo = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  return { lo, hi: signed ? new Int32Array(v.buffer, v.byteOffset, v.length * 2) : lo };
}

/**
 * The bit of chunk-local row i of a bool chunk (Arrow does not slice bool values).
 * @example
 * const b = boolAt(data, i) === 1;
 */
export function boolAt(data: arrow.Data, i: number): number {
  const bit = data.offset + i;
  return ((data.values as Uint8Array)[bit >> 3] >> (bit & 7)) & 1;
}

/** A string chunk's bytes and int32 offsets (row i is bytes[offsets[i], offsets[i + 1])). */
export interface StringChunk {
  bytes: Uint8Array;
  offsets: Int32Array;
}

const LARGE_OFFSETS = new WeakMap<arrow.Data, Int32Array>();

/**
 * The bytes and offsets of a Utf8 or LargeUtf8 chunk. LargeUtf8's 64-bit offsets are read once
 * from their low words (a JS buffer never reaches 2^31 bytes) and kept per chunk.
 * @example
 * const { bytes, offsets } = stringChunk(data); // row i: bytes[offsets[i], offsets[i + 1])
 */
export function stringChunk(data: arrow.Data): StringChunk {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  if (offsets instanceof Int32Array) return { bytes: data.values as Uint8Array, offsets };
  let small = LARGE_OFFSETS.get(data);
  if (small === undefined) {
    const words = new Int32Array(offsets.buffer, offsets.byteOffset, offsets.length * 2);
    small = new Int32Array(offsets.length);
    for (let i = 0; i < small.length; i++) small[i] = words[2 * i];
    LARGE_OFFSETS.set(data, small);
  }
  return { bytes: data.values as Uint8Array, offsets: small };
}

/**
 * The dictionary chunks of a dictionary-encoded chunk.
 * @example
 * const entries = dictionaryChunks(data);
 */
export function dictionaryChunks(data: arrow.Data): Chunks {
  const dict = data.dictionary;
  if (dict === undefined) throw new PlanError('TYPE_MISMATCH', 'a dictionary column chunk has no dictionary');
  return dict.data as arrow.Data[];
}

/**
 * 1 for every null entry of a dictionary chunk's dictionary, or null when it has none.
 * @example
 * const nullEntry = dictionaryNulls(data); // nullEntry?.[k] === 1: entry k is null
 */
export function dictionaryNulls(data: arrow.Data): Uint8Array | null {
  const entries = dictionaryChunks(data);
  if (!entries.some((e) => validityOf(e) !== null)) return null;
  let total = 0;
  for (const e of entries) total += e.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    for (let i = 0; i < e.length; i++) out[at + i] = isValidAt(e, i) ? 0 : 1;
    at += e.length;
  }
  return out;
}

/** Index arrays of at most 32 bits, as Arrow stores dictionary indices. */
export type IndexArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

const WIDE_INDICES = new WeakMap<arrow.Data, Int32Array>();

/**
 * A dictionary chunk's indices, starting at its first row. 64-bit indices (an index never
 * exceeds a dictionary's length) are read once from their low words and kept per chunk.
 * @example
 * const k = dictionaryIndices(data)[i];
 */
export function dictionaryIndices(data: arrow.Data): IndexArray {
  const v = data.values as IndexArray | BigInt64Array | BigUint64Array;
  if (!(v instanceof BigInt64Array || v instanceof BigUint64Array)) return v;
  let small = WIDE_INDICES.get(data);
  if (small === undefined) {
    const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    small = new Int32Array(v.length);
    for (let i = 0; i < small.length; i++) small[i] = words[2 * i];
    WIDE_INDICES.set(data, small);
  }
  return small;
}
