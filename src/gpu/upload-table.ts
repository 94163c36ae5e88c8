/**
 * A table partition resident on the device, as every relational GPU kernel takes it: each column
 * in the same row windows (so a kernel binds window w of every column together), the windows'
 * validity bitmaps starting at bit 0, and values laid out as the kernels read them — narrow
 * integers widened to 32 bits, 64-bit values as two little-endian u32 words, booleans as one u32
 * (0 or 1) per row, and strings as int32 codes into one dictionary for the whole partition
 * (dictionary chunks with different dictionaries are re-coded on the host, plain string columns
 * interned on the host; a code that points at a null dictionary entry becomes a null row).
 */
import * as arrow from 'apache-arrow';
import { DTYPE_BYTES, newTypedArray, numericDType, type NumericArray, type NumericDType } from '../dtype.js';
import { PlanError } from '../errors.js';
import { ByteInterner } from '../cpu/kernels/group-by/byte-interner.js';
import { stringChunk } from '../cpu/kernels/group-by/column-kind.js';
import type { PooledBuffer } from './buffer-pool.js';
import type { GpuContext } from './gpu-context.js';
import { deviceBytesPerRow, writeView, type GpuWindow } from './upload.js';

/** How a column's rows are stored on the device. */
export type DeviceLayout =
  | { kind: 'number'; dtype: NumericDType }
  | { kind: 'bool' }
  | {
    kind: 'dictionary';
    dictionary: readonly (string | null)[];
    /** The host column is plain strings (Utf8/LargeUtf8), dictionary-encoded on upload and decoded on download. */
    plain?: boolean;
  };

/** One column of a `GpuTable`: the windows of a `GpuColumn` plus what its words mean. */
export interface GpuTableColumn {
  name: string;
  /** The column's Arrow type in the host table. */
  type: arrow.DataType;
  layout: DeviceLayout;
  /** The device element type: the number's own dtype, `uint32` for bool, `int32` for codes. */
  dtype: NumericDType;
  windows: GpuWindow[];
}

/** Columns of one partition on the device, all in the same row windows. */
export interface GpuTable {
  rows: number;
  /** Rows in each window (the last may hold fewer). */
  windowRows: number;
  columns: GpuTableColumn[];
  column(name: string): GpuTableColumn;
  /** Gives every buffer back to the pool; the table must not be used afterwards. */
  release(): void;
}

/** The device element type of an Arrow column, or null when it cannot go to the device. */
export function deviceLayout(type: arrow.DataType): DeviceLayout | null {
  if (arrow.DataType.isBool(type)) return { kind: 'bool' };
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return { kind: 'dictionary', dictionary: [], plain: true };
  if (arrow.DataType.isDictionary(type)) {
    return arrow.DataType.isUtf8(type.dictionary) || arrow.DataType.isLargeUtf8(type.dictionary)
      ? { kind: 'dictionary', dictionary: [] }
      : null;
  }
  const dtype = numericDType(type);
  return dtype === null ? null : { kind: 'number', dtype };
}

function deviceDType(layout: DeviceLayout): NumericDType {
  return layout.kind === 'number' ? layout.dtype : layout.kind === 'bool' ? 'uint32' : 'int32';
}

/** Rows per window shared by columns of these device dtypes: the most that fit one binding each, a multiple of 256. */
function sharedWindowRows(gpu: GpuContext, dtypes: readonly NumericDType[]): number {
  const widest = Math.max(4, ...dtypes.map(deviceBytesPerRow));
  return Math.max(256, Math.floor(gpu.maxBindingSize / widest / 256) * 256);
}

/** Copies bit `from + i` of `src` to bit `to + i` of `dst` for i < n (dst starts zeroed). */
function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const s = from + i;
    if ((src[s >> 3]! >> (s & 7)) & 1) {
      const d = to + i;
      dst[d >> 3] = dst[d >> 3]! | (1 << (d & 7));
    }
  }
}

function setBits(dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const d = to + i;
    dst[d >> 3] = dst[d >> 3]! | (1 << (d & 7));
  }
}

/** One unified dictionary for the column's chunks, and each chunk's codes mapped into it. */
function unifyDictionary(chunks: readonly arrow.Data[]): { dictionary: (string | null)[]; remap: (Int32Array | null)[] } {
  const dictionary: (string | null)[] = [];
  const index = new Map<string | null, number>();
  const seen = new Map<unknown, Int32Array | null>();
  const remap = chunks.map((data, c) => {
    const dict = data.dictionary;
    if (dict === undefined) throw new PlanError('TYPE_MISMATCH', 'a dictionary column chunk has no dictionary');
    if (seen.has(dict)) return seen.get(dict)!;
    const entries = dict.toArray() as (string | null)[];
    const map = new Int32Array(entries.length);
    let identity = c === 0 || dictionary.length === 0;
    entries.forEach((s, k) => {
      let code = index.get(s);
      if (code === undefined) {
        code = dictionary.length;
        dictionary.push(s);
        index.set(s, code);
      }
      map[k] = code;
      if (code !== k) identity = false;
    });
    const result = identity && entries.length === dictionary.length ? null : map;
    seen.set(dict, result);
    return result;
  });
  return { dictionary, remap };
}

function indicesOf(data: arrow.Data): ArrayLike<number> {
  const v = data.values as NumericArray;
  if (!(v instanceof BigInt64Array || v instanceof BigUint64Array)) return v as ArrayLike<number>;
  // 64-bit indices: an index never exceeds a dictionary's length, so the low words hold it.
  const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  const out = new Int32Array(v.length);
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i]!;
  return out;
}

/** The host arrays of one column over all rows, in device layout, plus its validity (null when none). */
function hostColumn(vector: arrow.Vector, layout: DeviceLayout, rows: number): { values: NumericArray; validity: Uint8Array | null } {
  const dtype = deviceDType(layout);
  const chunks = vector.data as arrow.Data[];
  const single = chunks.length === 1 && layout.kind === 'number' && DTYPE_BYTES[dtype] >= 4 ? chunks[0]! : null;
  const values = single !== null ? (single.values as NumericArray).subarray(0, rows) as NumericArray : newTypedArray(dtype, rows);
  const hasNulls = chunks.some((d) => d.nullCount > 0) || (layout.kind === 'dictionary' && chunks.some((d) => d.dictionary?.nullCount));
  const validity = hasNulls ? new Uint8Array(Math.ceil(rows / 8)) : null;
  if (layout.kind === 'dictionary' && layout.plain === true) return internStrings(chunks, layout, rows);
  const unified = layout.kind === 'dictionary' ? unifyDictionary(chunks) : null;
  if (unified !== null) (layout as { dictionary: readonly (string | null)[] }).dictionary = unified.dictionary;
  let at = 0;
  chunks.forEach((data, c) => {
    const n = data.length;
    if (single === null) {
      if (layout.kind === 'bool') {
        const bits = data.values as Uint8Array;
        const out = values as Uint32Array;
        for (let i = 0; i < n; i++) out[at + i] = (bits[(data.offset + i) >> 3]! >> ((data.offset + i) & 7)) & 1;
      } else if (layout.kind === 'dictionary') {
        const codes = indicesOf(data);
        const map = unified!.remap[c] ?? null;
        const out = values as Int32Array;
        for (let i = 0; i < n; i++) out[at + i] = map === null ? codes[i]! : map[codes[i]!]!;
      } else {
        (values as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(
          (data.values as NumericArray).subarray(0, n) as ArrayLike<number | bigint>, at);
      }
    }
    if (validity !== null) {
      if (data.nullCount > 0) copyBits(data.nullBitmap!, data.offset, validity, at, n);
      else setBits(validity, at, n);
      if (layout.kind === 'dictionary' && unified !== null && data.dictionary!.nullCount > 0) {
        const out = values as Int32Array;
        const dict = unified.dictionary;
        for (let i = 0; i < n; i++) {
          const code = out[at + i]!;
          if (code >= 0 && code < dict.length && dict[code] === null) validity[(at + i) >> 3] = validity[(at + i) >> 3]! & ~(1 << ((at + i) & 7));
        }
      }
    }
    at += n;
  });
  return { values, validity };
}

/** Plain string chunks as codes into a dictionary of their distinct strings (in order of first appearance). */
function internStrings(chunks: readonly arrow.Data[], layout: { dictionary: readonly (string | null)[] }, rows: number): { values: NumericArray; validity: Uint8Array | null } {
  const codes = new Int32Array(rows);
  const strings = new ByteInterner(1024);
  const hasNulls = chunks.some((d) => d.nullCount > 0);
  const validity = hasNulls ? new Uint8Array(Math.ceil(rows / 8)) : null;
  let at = 0;
  for (const data of chunks) {
    const { bytes, offsets } = stringChunk(data);
    const bits = data.nullCount > 0 ? data.nullBitmap! : null;
    for (let i = 0; i < data.length; i++) {
      const bit = data.offset + i;
      if (bits !== null && ((bits[bit >> 3]! >> (bit & 7)) & 1) === 0) continue;
      codes[at + i] = strings.intern(bytes, offsets[i]!, offsets[i + 1]!);
      if (validity !== null) validity[(at + i) >> 3] = validity[(at + i) >> 3]! | (1 << ((at + i) & 7));
    }
    at += data.length;
  }
  layout.dictionary = Array.from({ length: strings.size }, (_, k) => strings.text(k));
  return { values: codes, validity };
}

/**
 * Uploads `names` of `table` (every column when omitted) in shared row windows. A column whose
 * type has no device layout (plain strings, nested types) is a `PlanError` naming it.
 * @example
 * const resident = uploadTable(gpu, table, ['id4', 'v1'], 'q4');
 * try { ... resident.column('v1').windows ... } finally { resident.release(); }
 */
export function uploadTable(gpu: GpuContext, table: arrow.Table, names: readonly string[] | undefined, label: string): GpuTable {
  const wanted = names ?? table.schema.fields.map((f) => f.name);
  const layouts = wanted.map((name) => {
    const field = table.schema.fields.find((f) => f.name === name);
    if (field === undefined) throw new PlanError('UNKNOWN_COLUMN', `${label}: no column '${name}' to upload`);
    const layout = deviceLayout(field.type);
    if (layout === null) throw new PlanError('UNSUPPORTED', `${label}: column '${name}' of type ${String(field.type)} cannot go to the GPU`);
    return { field, layout };
  });
  const rows = table.numRows;
  const step = sharedWindowRows(gpu, layouts.map((l) => deviceDType(l.layout)));
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const loans: PooledBuffer[] = [];
  const release = (): void => {
    for (const loan of loans.splice(0)) gpu.pool.release(loan);
  };
  const columns: GpuTableColumn[] = [];
  try {
    for (const { field, layout } of layouts) {
      const dtype = deviceDType(layout);
      const perRow = deviceBytesPerRow(dtype);
      const host = hostColumn(table.getChild(field.name)!, layout, rows);
      const windows: GpuWindow[] = [];
      for (let start = 0; start === 0 || start < rows; start += step) {
        const n = Math.min(step, rows - start);
        // Empty tables still get one (minimal) window so kernels always have a buffer to bind.
        const valueBytes = Math.max(n * perRow, 4);
        const values = gpu.pool.acquire(valueBytes, storage, `${label} ${field.name}`);
        loans.push(values);
        if (n > 0) writeView(gpu, values.buffer, widen(host.values, dtype, start, n), n * perRow);
        let validity: PooledBuffer | null = null;
        let validityBytes = 0;
        if (host.validity !== null) {
          validityBytes = Math.max(4, Math.ceil(n / 32) * 4);
          const bits = new Uint8Array(validityBytes);
          copyBits(host.validity, start, bits, 0, n);
          validity = gpu.pool.acquire(validityBytes, storage, `${label} ${field.name} validity`);
          loans.push(validity);
          gpu.device.queue.writeBuffer(validity.buffer, 0, bits);
        }
        windows.push({ values, valueBytes, validity, validityBytes, bitOffset: 0, rows: n });
        if (rows === 0) break;
      }
      columns.push({ name: field.name, type: field.type, layout, dtype, windows });
    }
  } catch (error) {
    release();
    throw error;
  }
  return {
    rows,
    windowRows: step,
    columns,
    column(name: string): GpuTableColumn {
      const c = columns.find((x) => x.name === name);
      if (c === undefined) throw new PlanError('UNKNOWN_COLUMN', `${label}: column '${name}' is not on the device (${columns.map((x) => x.name).join(', ')})`);
      return c;
    },
    release,
  };
}

/** Rows [start, start + n) of a host column as the device stores them (narrow integers widened). */
function widen(values: NumericArray, dtype: NumericDType, start: number, n: number): ArrayBufferView {
  const part = values.subarray(start, start + n);
  if (DTYPE_BYTES[dtype] >= 4) return part;
  const out = dtype.startsWith('u') ? new Uint32Array(n) : new Int32Array(n);
  out.set(part as Int8Array);
  return out;
}
