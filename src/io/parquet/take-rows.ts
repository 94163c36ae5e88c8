/**
 * Gathering rows of one Arrow `Data` chunk into a new one (for splitting a table by partition
 * values). Fixed-width, string/binary and dictionary columns are copied buffer to buffer;
 * dictionary columns keep their dictionary; other types go through an Arrow builder.
 */
import * as arrow from 'apache-arrow';

type Offsets = Int32Array | BigInt64Array;
/** A typed array of any element type, read and written by index. */
type Indexed = { [i: number]: number | bigint; length: number };
type IndexedCtor = new (n: number) => Indexed;

function validity(data: arrow.Data, rows: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0) return { nullBitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array(Math.ceil(rows.length / 8));
  let nulls = 0;
  rows.forEach((row, i) => {
    if (data.getValid(row)) bitmap[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  });
  return nulls === 0 ? { nullBitmap: undefined, nullCount: 0 } : { nullBitmap: bitmap, nullCount: nulls };
}

function isFixedWidth(type: arrow.DataType): boolean {
  switch (type.typeId) {
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Interval:
    case arrow.Type.Duration:
    case arrow.Type.Decimal:
    case arrow.Type.FixedSizeBinary:
      return true;
    default:
      return false;
  }
}

function takeFixed(data: arrow.Data, rows: Int32Array): arrow.Data {
  const { stride } = data;
  const source = data.values as unknown as Indexed;
  const values = new (source.constructor as IndexedCtor)(rows.length * stride);
  rows.forEach((row, i) => {
    for (let k = 0; k < stride; k++) values[i * stride + k] = source[row * stride + k]!;
  });
  return arrow.makeData({ type: data.type, length: rows.length, ...validity(data, rows), data: values } as never);
}

function takeVariable(data: arrow.Data, rows: Int32Array): arrow.Data {
  const offsets = data.valueOffsets as unknown as Offsets;
  const bytes = data.values as Uint8Array;
  const large = offsets instanceof BigInt64Array;
  let total = 0;
  for (const row of rows) total += Number(offsets[row + 1]!) - Number(offsets[row]!);
  const out = new Uint8Array(total);
  const outOffsets = large ? new BigInt64Array(rows.length + 1) : new Int32Array(rows.length + 1);
  let at = 0;
  rows.forEach((row, i) => {
    const start = Number(offsets[row]!);
    const end = Number(offsets[row + 1]!);
    out.set(bytes.subarray(start, end), at);
    at += end - start;
    if (large) (outOffsets as BigInt64Array)[i + 1] = BigInt(at);
    else (outOffsets as Int32Array)[i + 1] = at;
  });
  return arrow.makeData({ type: data.type, length: rows.length, ...validity(data, rows), valueOffsets: outOffsets, data: out } as never);
}

function takeDictionary(data: arrow.Data, rows: Int32Array): arrow.Data {
  const indices = data.values as unknown as Indexed;
  const out = new (indices.constructor as IndexedCtor)(rows.length);
  rows.forEach((row, i) => {
    out[i] = indices[row]!;
  });
  return arrow.makeData({ type: data.type, length: rows.length, ...validity(data, rows), data: out, dictionary: data.dictionary } as never);
}

function takeWithBuilder(data: arrow.Data, rows: Int32Array): arrow.Data {
  const vector = new arrow.Vector([data]);
  const builder = arrow.makeBuilder({ type: data.type, nullValues: [null, undefined] });
  for (const row of rows) builder.append(vector.get(row));
  return builder.finish().flush();
}

/**
 * The rows `rows` (indices into `data`, any order, repeats allowed) of one chunk, as a new chunk
 * of the same type.
 *
 * @example
 * const evens = takeRows(vector.data[0]!, Int32Array.of(0, 2, 4));
 */
export function takeRows(data: arrow.Data, rows: Int32Array): arrow.Data {
  const type = data.type as arrow.DataType;
  if (arrow.DataType.isDictionary(type)) return takeDictionary(data, rows);
  if (isFixedWidth(type)) return takeFixed(data, rows);
  switch (type.typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary:
      return takeVariable(data, rows);
    default:
      return takeWithBuilder(data, rows);
  }
}
