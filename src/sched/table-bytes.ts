/**
 * How many bytes of memory an Arrow table keeps alive, as the memory manager counts them. A
 * table's columns are views: slices share their parent's buffers, chunks may share one
 * dictionary, and a table read from IPC is views into one file buffer. So the count is over the
 * distinct byte ranges of each underlying (Shared)ArrayBuffer, never the sum of the views.
 */
import type * as arrow from 'apache-arrow';

/** Byte ranges [start, end) seen so far, per underlying buffer. */
type RangesByBuffer = Map<ArrayBufferLike, [number, number][]>;

function addView(ranges: RangesByBuffer, view: ArrayBufferView | null | undefined): void {
  if (view === null || view === undefined || view.byteLength === 0) return;
  let list = ranges.get(view.buffer);
  if (list === undefined) ranges.set(view.buffer, (list = []));
  list.push([view.byteOffset, view.byteOffset + view.byteLength]);
}

/** Every buffer under `data`: its own, its children's and its dictionary's, each Data once. */
function addData(ranges: RangesByBuffer, data: arrow.Data, seen: Set<arrow.Data>): void {
  if (seen.has(data)) return;
  seen.add(data);
  // Read the fields rather than `data.buffers`, which is rebuilt on every access.
  addView(ranges, data.valueOffsets as ArrayBufferView | undefined);
  addView(ranges, data.values as ArrayBufferView | undefined);
  addView(ranges, data.nullBitmap);
  addView(ranges, data.typeIds as ArrayBufferView | undefined);
  for (const variadic of data.variadicBuffers ?? []) addView(ranges, variadic);
  // A table read from an IPC stream with no batches has a placeholder batch with holes here.
  for (const child of data.children ?? []) if (child !== undefined) addData(ranges, child, seen);
  for (const chunk of data.dictionary?.data ?? []) addData(ranges, chunk, seen);
}

/** The size of the union of `ranges` (overlapping or nested ranges count once). */
function unionLength(ranges: [number, number][]): number {
  ranges.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -1;
  for (const [s, e] of ranges) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

function rangesOf(table: arrow.Table): RangesByBuffer {
  const ranges: RangesByBuffer = new Map();
  const seen = new Set<arrow.Data>();
  for (const batch of table.batches) addData(ranges, batch.data, seen);
  return ranges;
}

/**
 * The bytes of every buffer `table` holds (values, offsets, validity, type ids, variadic
 * buffers, children, dictionaries), each distinct range of an underlying ArrayBuffer counted
 * once: two slices of one column count the bytes they cover together, and a dictionary shared by
 * several chunks counts once. Bytes of an underlying buffer that no view covers (such as the
 * metadata of an IPC file a table was read from) are not counted.
 *
 * @example
 * const t = tableFromArrays({ v: new Float64Array(1000) });
 * tableBytes(t);                 // 8000
 * tableBytes(t.slice(0, 10));    // 80: the slice views 80 bytes of the same buffer
 */
export function tableBytes(table: arrow.Table): number {
  let total = 0;
  for (const list of rangesOf(table).values()) total += unionLength(list);
  return total;
}

/**
 * Whether every buffer of `table` lives in shared memory (what `shareTable` makes), so worker
 * threads can read it without a copy. A table with no bytes at all counts as not shared.
 *
 * @example
 * isSharedTable(shareTable(table)); // true
 */
export function isSharedTable(table: arrow.Table): boolean {
  const buffers = [...rangesOf(table).keys()];
  return buffers.length > 0 && buffers.every((b) => b instanceof SharedArrayBuffer);
}
