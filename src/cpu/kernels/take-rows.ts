/**
 * Gathering rows: `takeRows` picks rows of a table by index into one batch, and `takeData`
 * gathers picked rows out of the chunks of one column, for every Arrow type — the one switch on
 * Arrow types for gathers. Fixed-width values (numbers, dates, timestamps, decimals...) are
 * copied as 8/16/32-bit words without boxing; strings and binaries copy byte ranges; dictionary
 * columns keep their dictionary and gather codes (chunks with different string dictionaries get
 * one new dictionary of the strings picked); struct, list, map and fixed-size-list columns
 * gather their children recursively. Only unions and view types go through values one by one.
 * `takeRows` can also pick a row of nulls (index -1), as the gathers of outer joins do.
 */
import * as arrow from 'apache-arrow';
import { DuskError } from '../../errors.js';
import { batchColumn } from './eval-column/batch-column.js';
import { ByteInterner } from './group-by/byte-interner.js';
import { dictionaryIndices } from './group-by/column-kind.js';
import { dictionaryCodes } from './group-by/encode-column.js';

/** Which rows to gather: row `row[i]` of chunk `part[i]` (chunk 0 when `part` is null). */
export interface RowPick {
  part: Uint32Array | null;
  row: Int32Array | Uint32Array;
  n: number;
}

/** Values as unsigned words of one width. */
export type Words = Uint8Array | Uint16Array | Uint32Array;

/** Bytes of a validity bitmap for n rows (padded to 64 bytes, as Arrow pads buffers). */
export function bitmapBytes(n: number): number {
  return ((n + 511) & ~511) >> 3;
}

/** The validity of the picked rows, or no bitmap when none is null. */
function takeValidity(parts: readonly arrow.Data[], pick: RowPick): { nullBitmap: Uint8Array | null; nullCount: number } {
  if (parts.every((p) => p.nullCount === 0 || p.nullBitmap === undefined || p.nullBitmap.length === 0)) {
    return { nullBitmap: null, nullCount: 0 };
  }
  const { part, row, n } = pick;
  const bits = new Uint8Array(bitmapBytes(n));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const p = parts[part === null ? 0 : part[i]!]!;
    const at = p.offset + row[i]!;
    const map = p.nullBitmap as Uint8Array | undefined;
    const valid = p.nullCount === 0 || map === undefined || map.length === 0 ? 1 : (map[at >> 3]! >> (at & 7)) & 1;
    bits[i >> 3]! |= valid << (i & 7);
    nulls += valid ^ 1;
  }
  return nulls === 0 ? { nullBitmap: null, nullCount: 0 } : { nullBitmap: bits, nullCount: nulls };
}

/**
 * A view of `values` in the widest word that divides a row's bytes (and their alignment).
 * @example
 * const { words, perRow } = wordsOf(data.values, 8); // Uint32Array, 2 words a row
 */
export function wordsOf(values: ArrayBufferView, rowBytes: number): { words: Words; perRow: number } {
  const { buffer, byteOffset, byteLength } = values;
  if (rowBytes % 4 === 0 && byteOffset % 4 === 0) return { words: new Uint32Array(buffer, byteOffset, byteLength >> 2), perRow: rowBytes / 4 };
  if (rowBytes % 2 === 0 && byteOffset % 2 === 0) return { words: new Uint16Array(buffer, byteOffset, byteLength >> 1), perRow: rowBytes / 2 };
  return { words: new Uint8Array(buffer, byteOffset, byteLength), perRow: rowBytes };
}

function gatherWords(sources: readonly Words[], out: Words, w: number, pick: RowPick): void {
  const { part, row, n } = pick;
  if (part === null && w === 1) {
    const s = sources[0]!;
    for (let i = 0; i < n; i++) out[i] = s[row[i]!]!;
  } else if (part === null && w === 2) {
    const s = sources[0]!;
    for (let i = 0; i < n; i++) {
      const r = 2 * row[i]!;
      out[2 * i] = s[r]!;
      out[2 * i + 1] = s[r + 1]!;
    }
  } else if (part !== null && w === 1) {
    for (let i = 0; i < n; i++) out[i] = sources[part[i]!]![row[i]!]!;
  } else if (part !== null && w === 2) {
    for (let i = 0; i < n; i++) {
      const s = sources[part[i]!]!;
      const r = 2 * row[i]!;
      out[2 * i] = s[r]!;
      out[2 * i + 1] = s[r + 1]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const s = sources[part === null ? 0 : part[i]!]!;
      const r = w * row[i]!;
      for (let j = 0; j < w; j++) out[w * i + j] = s[r + j]!;
    }
  }
}

/** Fixed-width values (numbers, dates, times, timestamps, intervals, durations, decimals, binaries). */
function takeFixed(parts: readonly arrow.Data[], pick: RowPick): Words {
  const first = parts[0]!.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const rowBytes = first.BYTES_PER_ELEMENT * parts[0]!.stride;
  const views = parts.map((p) => wordsOf(p.values as ArrayBufferView, rowBytes));
  const w = views[0]!.perRow;
  const out = views[0]!.words instanceof Uint32Array ? new Uint32Array(pick.n * w)
    : views[0]!.words instanceof Uint16Array ? new Uint16Array(pick.n * w) : new Uint8Array(pick.n * w);
  // Views of one width only, so that every part reads alike (alignment may differ per part).
  if (views.some((v) => v.perRow !== w)) {
    const bytes = parts.map((p) => {
      const v = p.values as ArrayBufferView;
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    });
    const out8 = new Uint8Array(pick.n * rowBytes);
    gatherWords(bytes, out8, rowBytes, pick);
    return out8;
  }
  gatherWords(views.map((v) => v.words), out, w, pick);
  return out;
}

function takeBits(parts: readonly arrow.Data[], pick: RowPick): Uint8Array {
  const { part, row, n } = pick;
  const bits = new Uint8Array(bitmapBytes(n));
  for (let i = 0; i < n; i++) {
    const p = parts[part === null ? 0 : part[i]!]!;
    const at = p.offset + row[i]!;
    bits[i >> 3]! |= (((p.values as Uint8Array)[at >> 3]! >> (at & 7)) & 1) << (i & 7);
  }
  return bits;
}

/** Offsets of the picked rows and where each starts in its own chunk (for byte and child ranges). */
function takeRanges(parts: readonly arrow.Data[], pick: RowPick, large: boolean): { offsets: Int32Array | BigInt64Array; starts: Float64Array; total: number } {
  const { part, row, n } = pick;
  const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  const starts = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = parts[part === null ? 0 : part[i]!]!.valueOffsets as Int32Array | BigInt64Array;
    const r = row[i]!;
    const start = Number(o[r]!);
    starts[i] = start;
    total += Number(o[r + 1]!) - start;
    offsets[i + 1] = (large ? BigInt(total) : total) as never;
  }
  return { offsets, starts, total };
}

function takeBytes(parts: readonly arrow.Data[], pick: RowPick, large: boolean): { valueOffsets: Int32Array | BigInt64Array; data: Uint8Array } {
  const { offsets, starts, total } = takeRanges(parts, pick, large);
  const data = new Uint8Array(total);
  for (let i = 0; i < pick.n; i++) {
    const src = parts[pick.part === null ? 0 : pick.part[i]!]!.values as Uint8Array;
    const at = Number(offsets[i]!);
    const len = Number(offsets[i + 1]!) - at;
    const from = starts[i]!;
    if (len > 16) data.set(src.subarray(from, from + len), at);
    else for (let j = 0; j < len; j++) data[at + j] = src[from + j]!;
  }
  return { valueOffsets: offsets, data };
}

/** The child rows of the picked rows, in order: `size` per row, or their offset ranges. */
function childPick(pick: RowPick, starts: Float64Array, lengths: (i: number) => number, total: number): RowPick {
  const part = pick.part === null ? null : new Uint32Array(total);
  const row = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < pick.n; i++) {
    const len = lengths(i);
    for (let j = 0; j < len; j++) {
      if (part !== null) part[at] = pick.part![i]!;
      row[at++] = starts[i]! + j;
    }
  }
  return { part, row, n: total };
}

/** Values one at a time, for the types no loop above covers (unions, view types). */
function takeGeneric(parts: readonly arrow.Data[], pick: RowPick, type: arrow.DataType): arrow.Data {
  const vectors = parts.map((p) => new arrow.Vector([p]));
  const plain = (v: unknown): unknown => (v instanceof arrow.Vector ? [...v].map(plain) : v);
  const values = Array.from({ length: pick.n }, (_, i) => plain(vectors[pick.part === null ? 0 : pick.part[i]!]!.get(pick.row[i]!)));
  return arrow.vectorFromArray(values as never[], type).data[0]!;
}

/**
 * The picked rows of string dictionary chunks with different dictionaries, on one new dictionary
 * holding the strings picked (in order of first use); null when the indices cannot address it.
 */
function takeDictionary(parts: readonly arrow.Data[], pick: RowPick, type: arrow.Dictionary, bitmap: Uint8Array | null): arrow.Data | null {
  const inner = type.dictionary.typeId;
  if (inner !== arrow.Type.Utf8 && inner !== arrow.Type.LargeUtf8) return null;
  const strings = new ByteInterner(1024);
  const cache = new Map<unknown, Int32Array>();
  const codes = parts.map((p) => dictionaryCodes(p, strings, cache));
  const indices = parts.map((p) => dictionaryIndices(p));
  const { part, row, n } = pick;
  const picked = new Int32Array(n);
  const newOf = new Int32Array(strings.size + 1).fill(-1);
  const order: number[] = [];
  const bits = bitmap ?? new Uint8Array(bitmapBytes(n)).fill(0xff);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const p = part === null ? 0 : part[i]!;
    // A null entry (code 0) makes the row null.
    const c = (bits[i >> 3]! >> (i & 7)) & 1 ? codes[p]![indices[p]![row[i]!]!]! : 0;
    if (c === 0) {
      bits[i >> 3]! &= ~(1 << (i & 7));
      nulls++;
      continue;
    }
    if (newOf[c]! < 0) {
      newOf[c] = order.length;
      order.push(c - 1);
    }
    picked[i] = newOf[c]!;
  }
  const idx = type.indices;
  // Arrow's types stop at 32-bit indices, but files may carry 64-bit ones.
  const bitWidth: number = idx.bitWidth;
  const IndexArray = idx.ArrayType as unknown as new (x: number | ArrayBuffer) => Int32Array;
  if (order.length > Math.min(2 ** 31, idx.isSigned ? 2 ** (bitWidth - 1) : 2 ** bitWidth)) return null;
  const { pool, starts } = strings;
  const entries = new Int32Array(order.length + 1);
  for (let k = 0; k < order.length; k++) entries[k + 1] = entries[k]! + starts[order[k]! + 1]! - starts[order[k]!]!;
  const bytes = new Uint8Array(entries[order.length]!);
  for (let k = 0; k < order.length; k++) bytes.set(pool.subarray(starts[order[k]!]!, starts[order[k]! + 1]!), entries[k]!);
  const valueOffsets = inner === arrow.Type.LargeUtf8 ? BigInt64Array.from(entries, (x) => BigInt(x)) : entries;
  const values = arrow.makeData({ type: type.dictionary, length: order.length, nullCount: 0, valueOffsets, data: bytes } as never);
  let data: ArrayBufferView;
  if (bitWidth === 64) {
    const words = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) words[2 * i] = picked[i]!;
    data = new IndexArray(words.buffer);
  } else {
    const narrow = new IndexArray(n);
    narrow.set(picked);
    data = narrow;
  }
  return arrow.makeData({
    type, length: n, nullCount: nulls, nullBitmap: nulls === 0 ? null : bits, data, dictionary: new arrow.Vector([values]),
  } as never);
}

/** One row of nulls of `type`, on the dictionary of `like` when it has one. */
function nullChunk(type: arrow.DataType, like: arrow.Data | undefined): arrow.Data {
  if (type.typeId === arrow.Type.Dictionary && like?.dictionary !== undefined) {
    const IndexArray = (type as arrow.Dictionary).indices.ArrayType as unknown as new (n: number) => ArrayBufferView;
    return arrow.makeData({
      type, length: 1, nullCount: 1, nullBitmap: new Uint8Array(8), data: new IndexArray(1), dictionary: like.dictionary,
    } as never);
  }
  return arrow.vectorFromArray([null], type).data[0]!;
}

/**
 * Whether values of `type` are fixed-width words (numbers, dates, times, timestamps, intervals,
 * durations, decimals, fixed-size binaries) that gathers copy without looking inside.
 *
 * @example
 * fixedWidthType(new arrow.TimestampMillisecond()); // true
 */
export function fixedWidthType(type: arrow.DataType): boolean {
  const id = type.typeId;
  const T = arrow.Type;
  return id === T.Int || id === T.Float || id === T.Date || id === T.Time || id === T.Timestamp || id === T.Interval || id === T.Duration
    || id === T.Decimal || id === T.FixedSizeBinary;
}

/**
 * The picked rows of one column, from its chunks `parts` (all of type `type`), as one Data.
 *
 * @example
 * const evens = takeData(vector.data, { part: null, row: Int32Array.of(0, 2, 4), n: 3 }, vector.type);
 */
export function takeData(parts: readonly arrow.Data[], pick: RowPick, type: arrow.DataType): arrow.Data {
  const length = pick.n;
  if (parts.length === 0) return arrow.vectorFromArray([], type).data[0]!;
  if (type.typeId === arrow.Type.Null) return arrow.makeData({ type: type as arrow.Null, length, nullCount: length });
  const base = { type, length, ...takeValidity(parts, pick) };
  if (fixedWidthType(type)) return arrow.makeData({ ...base, data: takeFixed(parts, pick) } as never);
  switch (type.typeId) {
    case arrow.Type.Bool:
      return arrow.makeData({ ...base, data: takeBits(parts, pick) } as never);
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary:
      return arrow.makeData({ ...base, ...takeBytes(parts, pick, parts[0]!.valueOffsets instanceof BigInt64Array) } as never);
    case arrow.Type.Dictionary: {
      const dictionary = parts[0]!.dictionary;
      if (parts.some((p) => p.dictionary !== dictionary)) return takeDictionary(parts, pick, type as arrow.Dictionary, base.nullBitmap) ?? takeGeneric(parts, pick, type);
      return arrow.makeData({ ...base, data: takeFixed(parts, pick), dictionary } as never);
    }
    case arrow.Type.Struct: {
      const children = type.children.map((f, j) => takeData(parts.map((p) => p.children[j]!), pick, f.type as arrow.DataType));
      return arrow.makeData({ ...base, children } as never);
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const starts = Float64Array.from(pick.row, (r) => r * size);
      const child = takeData(parts.map((p) => p.children[0]!), childPick(pick, starts, () => size, pick.n * size), type.children[0]!.type as arrow.DataType);
      return arrow.makeData({ ...base, child } as never);
    }
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.Map: {
      const large = parts[0]!.valueOffsets instanceof BigInt64Array;
      const { offsets, starts, total } = takeRanges(parts, pick, large);
      const lengths = (i: number): number => Number(offsets[i + 1]!) - Number(offsets[i]!);
      const child = takeData(parts.map((p) => p.children[0]!), childPick(pick, starts, lengths, total), type.children[0]!.type as arrow.DataType);
      return arrow.makeData({ ...base, valueOffsets: offsets, child } as never);
    }
    default:
      return takeGeneric(parts, pick, type);
  }
}

/** A record batch of `schema` over one Data per field. */
export function recordBatchOf(schema: arrow.Schema, columns: arrow.Data[], length: number): arrow.RecordBatch {
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children: columns }));
}

export interface TakeOptions {
  /** A negative index (-1) picks a row of nulls instead of raising OUT_OF_RANGE. */
  nullRows?: boolean;
}

/** The chunk and chunk row of every index (chunk `batches` for a row of nulls). */
function pickAcross(indices: Int32Array | Uint32Array, starts: readonly number[], nullRows: boolean): RowPick {
  const n = indices.length;
  const batches = starts.length - 1;
  const rows = starts[batches]!;
  const part = new Uint32Array(n);
  const row = new Int32Array(n);
  const at = Float64Array.from(starts);
  // The chunk of the last index: ascending indices (kept rows, a join's left side) stay in it.
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const x = indices[i]!;
    if (x < 0 && nullRows) {
      part[i] = batches;
      continue;
    }
    if (!(x >= 0 && x < rows)) outOfRange(x, rows);
    if (!(at[lo]! <= x && x < at[lo + 1]!)) {
      // The last chunk that starts at or below x.
      lo = 0;
      let hi = batches - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (at[mid]! <= x) lo = mid;
        else hi = mid - 1;
      }
    }
    part[i] = lo;
    row[i] = x - at[lo]!;
  }
  return { part, row, n };
}

/**
 * Columns `columns` (field indices) of the rows of `table` at `indices`, one Data each, as
 * `takeRows` gathers them: for callers that need only some of a table's columns.
 *
 * @example
 * const [price] = takeColumns(table, Int32Array.of(4, 2), [table.schema.fields.findIndex((f) => f.name === 'price')]);
 */
export function takeColumns(table: arrow.Table, indices: Int32Array | Uint32Array, columns: readonly number[], options: TakeOptions = {}): arrow.Data[] {
  const n = indices.length;
  const starts = [0];
  for (const b of table.batches) starts.push(starts[starts.length - 1]! + b.numRows);
  const rows = table.numRows;
  const nullRows = options.nullRows === true && indices.some((x) => x < 0);
  let pick: RowPick;
  if (table.batches.length <= 1 && !nullRows) {
    for (let i = 0; i < n; i++) if (!(indices[i]! >= 0 && indices[i]! < rows)) outOfRange(indices[i]!, rows);
    pick = { part: null, row: indices, n };
  } else {
    pick = pickAcross(indices, starts, nullRows);
  }
  return columns.map((j) => {
    const type = table.schema.fields[j]!.type as arrow.DataType;
    const parts = table.batches.map((b) => batchColumn(b, j));
    if (nullRows) parts.push(nullChunk(type, parts[0]));
    return takeData(parts, pick, type);
  });
}

/**
 * The rows of `table` at `indices` (any order, repeats allowed), as a table of one batch.
 * An index outside the table is a `DuskError` with code `OUT_OF_RANGE`, except a negative one
 * with `nullRows`, which picks a row of nulls (outer joins gather this way).
 *
 * @example
 * const firstAndLast = takeRows(table, Int32Array.of(0, table.numRows - 1));
 * const withGap = takeRows(table, Int32Array.of(0, -1), { nullRows: true }); // row 0, then nulls
 */
export function takeRows(table: arrow.Table, indices: Int32Array | Uint32Array, options: TakeOptions = {}): arrow.Table {
  const columns = takeColumns(table, indices, table.schema.fields.map((_, j) => j), options);
  return new arrow.Table(table.schema, [recordBatchOf(table.schema, columns, indices.length)]);
}

function outOfRange(index: number, rows: number): never {
  throw new DuskError('OUT_OF_RANGE', `takeRows: index ${index} is outside the table's ${rows} rows`);
}
