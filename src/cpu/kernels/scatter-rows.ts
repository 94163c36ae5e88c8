/**
 * Scattering rows: every row of a table goes to one of `parts` tables (row r to part `part[r]`),
 * rows keeping their order within each — the split step of the hash shuffles. Fixed-width
 * columns (numbers, dates, times, timestamps, durations, decimals, dictionary codes over one
 * dictionary) are scattered in one pass over their chunks, values and validity together, with no
 * per-part index lists and no search for a row's chunk; the other types are gathered by
 * `takeData` from per-part picks built once.
 */
import * as arrow from 'apache-arrow';
import { batchColumn } from './eval-column/batch-column.js';
import { validityOf } from './group-by/column-kind.js';
import { bitmapBytes, fixedWidthType, recordBatchOf, takeData, takeRows, wordsOf, type RowPick, type Words } from './take-rows.js';

/** Rows of each part. */
function partSizes(part: Uint32Array, parts: number): Int32Array {
  const count = new Int32Array(parts);
  for (let r = 0; r < part.length; r++) count[part[r]!]++;
  return count;
}

/** Whether the column's chunks scatter as words: fixed-width values, or dictionary codes over one dictionary. */
function scattersAsWords(type: arrow.DataType, chunks: readonly arrow.Data[]): boolean {
  if (type.typeId === arrow.Type.Dictionary) return chunks.every((c) => c.dictionary === chunks[0]!.dictionary);
  return fixedWidthType(type);
}

/** The words of every chunk in one width (bytes when the chunks' alignments differ). */
function chunkWords(chunks: readonly arrow.Data[]): { words: Words[]; w: number } {
  const first = chunks[0]!.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const rowBytes = first.BYTES_PER_ELEMENT * chunks[0]!.stride;
  const views = chunks.map((c) => wordsOf(c.values as ArrayBufferView, rowBytes));
  const w = views[0]!.perRow;
  // A row's width in words fixes the word type, so one perRow means one view type for all.
  if (views.every((v) => v.perRow === w)) return { words: views.map((v) => v.words), w };
  return { words: chunks.map((c) => wordsOf(c.values as ArrayBufferView, 1).words), w: rowBytes };
}

/** A zeroed buffer of `bytes` bytes, in shared memory when `shared`. */
function buffer(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** Per part, the values (`w` words a row) of the rows sent there. */
function scatterWords(chunks: readonly arrow.Data[], part: Uint32Array, sizes: Int32Array, shared: boolean): Words[] {
  const { words, w } = chunkWords(chunks);
  const make = (n: number): Words => {
    if (words[0] instanceof Uint32Array) return new Uint32Array(buffer(n * 4, shared));
    return words[0] instanceof Uint16Array ? new Uint16Array(buffer(n * 2, shared)) : new Uint8Array(buffer(n, shared));
  };
  const outs = Array.from(sizes, (n) => make(n * w));
  const fill = new Int32Array(sizes.length);
  let start = 0;
  chunks.forEach((c, k) => {
    const src = words[k]!;
    const n = c.length;
    if (w === 1) {
      for (let i = 0; i < n; i++) {
        const p = part[start + i]!;
        outs[p]![fill[p]!++] = src[i]!;
      }
    } else if (w === 2) {
      for (let i = 0; i < n; i++) {
        const p = part[start + i]!;
        const o = 2 * fill[p]!++;
        const out = outs[p]!;
        out[o] = src[2 * i]!;
        out[o + 1] = src[2 * i + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p = part[start + i]!;
        const o = w * fill[p]!++;
        const out = outs[p]!;
        for (let j = 0; j < w; j++) out[o + j] = src[w * i + j]!;
      }
    }
    start += n;
  });
  return outs;
}

/** Per part, the validity of the rows sent there and how many are null (null: no nulls anywhere). */
function scatterValidity(chunks: readonly arrow.Data[], part: Uint32Array, sizes: Int32Array, shared: boolean): { bits: Uint8Array[]; nulls: Int32Array } | null {
  if (chunks.every((c) => validityOf(c) === null)) return null;
  const bits = Array.from(sizes, (n) => new Uint8Array(buffer(bitmapBytes(n), shared)));
  const nulls = new Int32Array(sizes.length);
  const fill = new Int32Array(sizes.length);
  let start = 0;
  for (const c of chunks) {
    const map = validityOf(c);
    const n = c.length;
    for (let i = 0; i < n; i++) {
      const p = part[start + i]!;
      const o = fill[p]!++;
      const at = c.offset + i;
      const valid = map === null ? 1 : (map[at >> 3]! >> (at & 7)) & 1;
      bits[p]![o >> 3]! |= valid << (o & 7);
      nulls[p]! += valid ^ 1;
    }
    start += n;
  }
  return { bits, nulls };
}

/** Per part, the (chunk, row) of the rows sent there, for the types gathered by takeData. */
function partPicks(chunks: readonly arrow.Data[], part: Uint32Array, sizes: Int32Array): RowPick[] {
  const picks = Array.from(sizes, (n) => ({ part: new Uint32Array(n), row: new Int32Array(n), n }));
  const fill = new Int32Array(sizes.length);
  let start = 0;
  chunks.forEach((c, k) => {
    for (let i = 0; i < c.length; i++) {
      const p = part[start + i]!;
      const o = fill[p]!++;
      picks[p]!.part[o] = k;
      picks[p]!.row[o] = i;
    }
    start += c.length;
  });
  return picks;
}

export interface ScatterOptions {
  /** Write the scattered columns in shared memory (parts that go to other threads next need no copy there). */
  shared?: boolean;
  /** The rows of each part, when the caller counted them already. */
  sizes?: Int32Array;
}

/**
 * Splits `table` into `parts` tables of one batch each: row r goes to part `part[r]` (every
 * entry below `parts`), in order.
 *
 * @example
 * const [evens, odds] = scatterRows(table, Uint32Array.from({ length: table.numRows }, (_, r) => r % 2), 2);
 */
export function scatterRows(table: arrow.Table, part: Uint32Array, parts: number, options: ScatterOptions = {}): arrow.Table[] {
  const sizes = options.sizes ?? partSizes(part, parts);
  const shared = options.shared === true;
  if (table.batches.length === 0) return Array.from(sizes, () => takeRows(table, new Int32Array(0)));
  const columns: arrow.Data[][] = Array.from(sizes, () => []);
  let picks: RowPick[] | null = null;
  table.schema.fields.forEach((f, j) => {
    const type = f.type as arrow.DataType;
    const chunks = table.batches.map((b) => batchColumn(b, j));
    if (!scattersAsWords(type, chunks)) {
      picks ??= partPicks(chunks, part, sizes);
      picks.forEach((pick, p) => columns[p]!.push(takeData(chunks, pick, type)));
      return;
    }
    const values = scatterWords(chunks, part, sizes, shared);
    const validity = scatterValidity(chunks, part, sizes, shared);
    const dictionary = chunks[0]!.dictionary;
    sizes.forEach((n, p) => {
      const nullCount = validity?.nulls[p] ?? 0;
      const nullBitmap = nullCount === 0 ? null : validity!.bits[p]!;
      columns[p]!.push(arrow.makeData({ type, length: n, nullCount, nullBitmap, data: values[p]!, dictionary } as never));
    });
  });
  return Array.from(sizes, (n, p) => new arrow.Table(table.schema, [recordBatchOf(table.schema, columns[p]!, n)]));
}
