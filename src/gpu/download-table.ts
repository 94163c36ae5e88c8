/**
 * The inverse of `uploadTable`: device columns read back into Arrow, in the column's host type —
 * widened integers narrowed again, bool words packed into bits, dictionary codes under the
 * partition's dictionary — one chunk per column, validity only when some row is null.
 */
import * as arrow from 'apache-arrow';
import { DTYPE_BYTES, newTypedArray, type NumericArray } from '../dtype.js';
import type { GpuContext } from './gpu-context.js';
import type { GpuTable, GpuTableColumn } from './upload-table.js';
import { deviceBytesPerRow } from './upload.js';

/** Reads `column`'s first `rows` rows back as one Arrow Data of its host type. */
export async function downloadColumn(gpu: GpuContext, column: GpuTableColumn, rows: number): Promise<arrow.Data> {
  const perRow = deviceBytesPerRow(column.dtype);
  const words = new Uint8Array(rows * perRow);
  const validity = new Uint8Array(Math.ceil(rows / 8));
  let nulls = 0;
  let at = 0;
  for (const w of column.windows) {
    const n = Math.min(w.rows, rows - at);
    if (n <= 0) break;
    words.set(new Uint8Array(await gpu.read(w.values.buffer, 0, n * perRow)), at * perRow);
    const bits = w.validity === null ? null : new Uint8Array(await gpu.read(w.validity.buffer, 0, Math.ceil((w.bitOffset + n) / 32) * 4));
    for (let i = 0; i < n; i++) {
      const b = w.bitOffset + i;
      const valid = bits === null || ((bits[b >> 3]! >> (b & 7)) & 1) === 1;
      if (valid) validity[(at + i) >> 3] = validity[(at + i) >> 3]! | (1 << ((at + i) & 7));
      else nulls++;
    }
    at += n;
  }
  const nullBitmap = nulls > 0 ? validity : undefined;
  const layout = column.layout;
  if (layout.kind === 'bool') {
    const flags = new Uint32Array(words.buffer, 0, rows);
    const bits = new Uint8Array(Math.ceil(rows / 8));
    for (let i = 0; i < rows; i++) if (flags[i] !== 0) bits[i >> 3] = bits[i >> 3]! | (1 << (i & 7));
    return arrow.makeData({ type: new arrow.Bool(), length: rows, nullCount: nulls, nullBitmap, data: bits });
  }
  if (layout.kind === 'dictionary' && layout.plain === true) {
    // Interned on upload: decoded back to the host's plain string type.
    const codes = new Int32Array(words.buffer, 0, rows);
    const values = Array.from(codes, (code, i) => (((validity[i >> 3]! >> (i & 7)) & 1) === 1 ? layout.dictionary[code] ?? null : null));
    return arrow.vectorFromArray(values, column.type as arrow.Utf8).data[0]!;
  }
  if (layout.kind === 'dictionary') {
    const type = arrow.DataType.isDictionary(column.type) ? column.type : new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const codes = new Int32Array(words.buffer, 0, rows);
    const dictionary = arrow.vectorFromArray(layout.dictionary as (string | null)[], new arrow.Utf8());
    return arrow.makeData({
      type: new arrow.Dictionary(type.dictionary, new arrow.Int32(), type.id, type.isOrdered),
      length: rows,
      nullCount: nulls,
      nullBitmap,
      data: codes,
      dictionary,
    });
  }
  const device = new (newTypedArray(column.dtype, 0).constructor as new (b: ArrayBuffer, o: number, n: number) => NumericArray)(
    words.buffer, 0, perRow === DTYPE_BYTES[column.dtype] ? rows : 0);
  let values = device;
  if (perRow !== DTYPE_BYTES[column.dtype]) {
    // Narrow integers were widened to 32 bits on upload; the low bits hold the value.
    const wide = column.dtype.startsWith('u') ? new Uint32Array(words.buffer, 0, rows) : new Int32Array(words.buffer, 0, rows);
    values = newTypedArray(column.dtype, rows);
    (values as Int32Array).set(wide);
  }
  return arrow.makeData({ type: column.type as arrow.Int, length: rows, nullCount: nulls, nullBitmap, data: values as Int32Array });
}

/** Reads a whole `GpuTable` back as an Arrow table with one batch. */
export async function downloadTable(gpu: GpuContext, table: GpuTable): Promise<arrow.Table> {
  const children: Record<string, arrow.Vector> = {};
  for (const column of table.columns) children[column.name] = new arrow.Vector([await downloadColumn(gpu, column, table.rows)]);
  return new arrow.Table(children);
}
