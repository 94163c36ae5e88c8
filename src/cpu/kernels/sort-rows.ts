/**
 * `sortRows` and `sortPermutation`: the rows of one table in the order of some key columns, each
 * ascending or descending, nulls first or last whatever the direction, equal keys in row order
 * (the contract's `sortValues`; values order as everywhere in Dusk: NaN above +Infinity, -0
 * equal to 0, strings by code point).
 *
 * Every key is sorted by a stable radix sort, from the last key to the first: sorting stably by
 * key j an order already sorted by keys j+1... leaves it sorted by keys j, j+1, ... (LSD over
 * columns). Per key, the null rows are set aside, the others sorted, and the nulls put before or
 * after them in the order they had. Fixed-width keys sort their `sortKeyWords`; dictionary keys
 * the rank of their entry (the dictionaries are ranked once); strings and binaries by their
 * bytes seven at a time: each round radix-sorts the rows by the next seven bytes and how many of
 * them the value has, and only rows still tied with more bytes to come go on to another round.
 * Against a comparison sort over the same key words (TypedArray sort with a comparator), the
 * per-key radix sorts measured 2-5x faster on three keys of 10^6 rows and even at 10^4 rows.
 */
import type * as arrow from 'apache-arrow';
import { PlanError, SchemaError } from '../../errors.js';
import type { SortKey } from '../../plan/logical-plan.js';
import { dictionaryIndices, dictionaryNulls, stringChunk } from './group-by/column-kind.js';
import { compareBytes, equalBytes } from './eval-column/string-lane.js';
import { iota, radixSort } from './radix-sort.js';
import { nullRows, sortKeyKind, sortKeyWords, type SortKeyKind, type SortKeyWords } from './sort-key-words.js';
import { takeRows } from './take-rows.js';

/** Rows left to sorting by insertion in the byte rounds. */
const INSERTION_ROWS = 16;
/** Bytes per round of the byte sort: seven, and one byte for how many of them the value has. */
const ROUND_BYTES = 7;

/** The bytes of a Utf8 or Binary column: row i is `bytes[offsets[i], offsets[i + 1])`. */
export interface ByteColumn {
  bytes: Uint8Array;
  offsets: Int32Array;
}

/**
 * One Utf8/Binary column (or the entries of several dictionaries) as one byte range per row:
 * a single chunk is read in place, several are copied into one buffer.
 * @example
 * const { bytes, offsets } = byteColumn(table.getChild('name')!.data);
 */
export function byteColumn(chunks: readonly arrow.Data[]): ByteColumn {
  if (chunks.length === 1) return stringChunk(chunks[0]!);
  const parts = chunks.map((d) => stringChunk(d));
  let rows = 0;
  let total = 0;
  for (const [k, p] of parts.entries()) {
    rows += chunks[k]!.length;
    total += p.offsets[chunks[k]!.length]! - p.offsets[0]!;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Int32Array(rows + 1);
  let row = 0;
  let at = 0;
  for (const [k, p] of parts.entries()) {
    const n = chunks[k]!.length;
    const first = p.offsets[0]!;
    bytes.set(p.bytes.subarray(first, p.offsets[n]!), at);
    for (let i = 0; i < n; i++) offsets[row + i] = at + p.offsets[i]! - first;
    at += p.offsets[n]! - first;
    row += n;
  }
  offsets[rows] = at;
  return { bytes, offsets };
}

/** A stable insertion sort of `out[start, end)` by bytes from `depth` on (rows agree before it). */
function insertBytes(col: ByteColumn, out: Uint32Array, start: number, end: number, depth: number, sign: number): void {
  const { bytes, offsets } = col;
  for (let i = start + 1; i < end; i++) {
    const r = out[i]!;
    const rs = offsets[r]! + depth;
    const re = offsets[r + 1]!;
    let j = i - 1;
    for (; j >= start; j--) {
      const q = out[j]!;
      if (sign * compareBytes(bytes, offsets[q]! + depth, offsets[q + 1]!, bytes, rs, re) <= 0) break;
      out[j + 1] = q;
    }
    out[j + 1] = r;
  }
}

/**
 * How many bytes from `depth` on every row of `out[start, end)` shares (a prefix such as "user_"
 * is skipped rather than sorted on: a round then spends its seven bytes where rows differ).
 */
function commonPrefix(col: ByteColumn, out: Uint32Array, start: number, end: number, depth: number): number {
  const { bytes, offsets } = col;
  const first = offsets[out[start]!]! + depth;
  let common = offsets[out[start]! + 1]! - first;
  for (let k = start + 1; k < end && common > 0; k++) {
    const r = out[k]!;
    const s = offsets[r]! + depth;
    const m = Math.min(common, offsets[r + 1]! - s);
    let j = 0;
    while (j < m && bytes[s + j] === bytes[first + j]) j++;
    common = j;
  }
  return common;
}

/**
 * `rows` (row numbers of `col`) stably sorted by their bytes, ascending or descending. Each round
 * keys a range of rows that agree on their first `depth` bytes (and on any further bytes they
 * all share) by the next seven bytes (zero past the end) and min(bytes left, 8): rows with equal
 * keys and 7 or fewer bytes left are equal; rows with equal keys and more left go on to the next
 * round, seven bytes deeper.
 * @example
 * const order = sortBytes(byteColumn(v.data), iota(v.length), false);
 */
export function sortBytes(col: ByteColumn, rows: Uint32Array, descending: boolean): Uint32Array {
  const { bytes, offsets } = col;
  const out = rows.slice();
  const words = new Uint32Array(2 * out.length);
  const moved = new Uint32Array(out.length);
  const sorted = new Uint32Array(2 * out.length);
  const flip = descending ? 0xffffffff : 0;
  // Ranges still to sort: start, end, depth.
  const stack = [0, out.length, 0];
  while (stack.length > 0) {
    let depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const n = end - start;
    if (n <= INSERTION_ROWS) {
      insertBytes(col, out, start, end, depth, descending ? -1 : 1);
      continue;
    }
    depth += commonPrefix(col, out, start, end, depth);
    for (let k = 0; k < n; k++) {
      const r = out[start + k]!;
      const s = offsets[r]! + depth;
      const left = offsets[r + 1]! - s;
      let hi: number;
      let lo: number;
      if (left >= ROUND_BYTES) {
        hi = (bytes[s]! << 24) | (bytes[s + 1]! << 16) | (bytes[s + 2]! << 8) | bytes[s + 3]!;
        lo = (bytes[s + 4]! << 24) | (bytes[s + 5]! << 16) | (bytes[s + 6]! << 8);
      } else {
        // Past the end the bytes read as 0; the count in the low byte tells "a" from "a\0".
        hi = 0;
        lo = 0;
        for (let j = 0; j < left; j++) {
          if (j < 4) hi |= bytes[s + j]! << (24 - 8 * j);
          else lo |= bytes[s + j]! << (56 - 8 * j);
        }
      }
      words[2 * k + 1] = (hi ^ flip) >>> 0;
      words[2 * k] = ((lo | Math.min(left, ROUND_BYTES + 1)) ^ flip) >>> 0;
    }
    const p = radixSort(words, 2, n);
    for (let k = 0; k < n; k++) {
      const q = p[k]!;
      moved[k] = out[start + q]!;
      sorted[2 * k] = words[2 * q]!;
      sorted[2 * k + 1] = words[2 * q + 1]!;
    }
    out.set(moved.subarray(0, n), start);
    // Runs of equal keys whose rows have bytes beyond this round.
    let k = 0;
    while (k < n) {
      const lo = sorted[2 * k]!;
      const hi = sorted[2 * k + 1]!;
      let e = k + 1;
      while (e < n && sorted[2 * e] === lo && sorted[2 * e + 1] === hi) e++;
      if (e - k > 1 && ((lo ^ flip) & 0xff) === ROUND_BYTES + 1) stack.push(start + k, start + e, depth + ROUND_BYTES);
      k = e;
    }
  }
  return out;
}

/**
 * `sortKeyWords` for a dictionary column of strings: each row's word is its entry's rank among
 * the entries of every dictionary its chunks use (equal strings, equal ranks; NOT-ed when
 * descending), and the null rows are those null by their own validity or by a null entry. The
 * words go to either radix sort like any 32-bit key.
 * @example
 * const { words, width, nulls } = dictionaryWords(table.getChild('region')!, false); // width 1
 */
export function dictionaryWords(vector: arrow.Vector, descending: boolean): SortKeyWords {
  const chunks = vector.data as arrow.Data[];
  const dictionaries: arrow.Data[] = [];
  const firstEntry = new Map<unknown, number>();
  let entryCount = 0;
  for (const d of chunks) {
    if (firstEntry.has(d.dictionary)) continue;
    firstEntry.set(d.dictionary, entryCount);
    for (const part of d.dictionary!.data as arrow.Data[]) {
      dictionaries.push(part);
      entryCount += part.length;
    }
  }
  const entries = byteColumn(dictionaries);
  const total = entries.offsets.length - 1;
  const sorted = sortBytes(entries, iota(total), false);
  const rank = new Uint32Array(total);
  for (let k = 1; k < total; k++) {
    const [a, b] = [sorted[k - 1]!, sorted[k]!];
    const same = equalBytes(entries.bytes, entries.offsets[a]!, entries.offsets[a + 1]!, entries.bytes, entries.offsets[b]!, entries.offsets[b + 1]!);
    rank[b] = rank[a]! + (same ? 0 : 1);
  }
  const flip = descending ? 0xffffffff : 0;
  const words = new Uint32Array(vector.length);
  const isNull = new Uint8Array(vector.length);
  for (const r of nullRows(vector)) isNull[r] = 1;
  let row = 0;
  for (const d of chunks) {
    const codes = dictionaryIndices(d);
    const base = firstEntry.get(d.dictionary)!;
    const nullEntry = dictionaryNulls(d);
    for (let i = 0; i < d.length; i++) {
      // A null row may hold any code: it is read only when the row is valid.
      if (isNull[row + i] === 1) continue;
      const code = codes[i]!;
      if (nullEntry !== null && nullEntry[code] === 1) isNull[row + i] = 1;
      else words[row + i] = (rank[base + code]! ^ flip) >>> 0;
    }
    row += d.length;
  }
  const nulls: number[] = [];
  isNull.forEach((v, r) => v === 1 && nulls.push(r));
  return { words, width: 1, nulls: Uint32Array.from(nulls) };
}

/**
 * The `width`-word keys of `rows`, in that order (what a radix sort of those rows takes).
 *
 * @example
 * const picked = pickWords(words, 2, valid); // radixSort(picked, 2, valid.length)[k] indexes valid
 */
export function pickWords(words: Uint32Array, width: 1 | 2, rows: Uint32Array): Uint32Array {
  const m = rows.length;
  const picked = new Uint32Array(width * m);
  if (width === 1) for (let k = 0; k < m; k++) picked[k] = words[rows[k]!]!;
  else {
    for (let k = 0; k < m; k++) {
      picked[2 * k] = words[2 * rows[k]!]!;
      picked[2 * k + 1] = words[2 * rows[k]! + 1]!;
    }
  }
  return picked;
}

/** `rows` (or every row when null) stably sorted by their `width`-word keys in `words`. */
function sortWordRows(words: Uint32Array, width: 1 | 2, rows: Uint32Array | null, n: number): Uint32Array {
  if (rows === null) return radixSort(words, width, n);
  const p = radixSort(pickWords(words, width, rows), width, rows.length);
  for (let k = 0; k < rows.length; k++) p[k] = rows[p[k]!]!;
  return p;
}

/**
 * `order` (0..n-1 when null) split into its non-null rows and its null rows (`nulls`, the null
 * row indices), each keeping its order; `valid` stays null when no row is null and `order` was null.
 *
 * @example
 * const { valid, nulls: apart } = nullsApart(n, key.nulls, null);
 */
export function nullsApart(n: number, nulls: Uint32Array, order: Uint32Array | null): { valid: Uint32Array | null; nulls: Uint32Array } {
  if (nulls.length === 0) return { valid: order, nulls };
  const isNull = new Uint8Array(n);
  for (const r of nulls) isNull[r] = 1;
  const valid = new Uint32Array(n - nulls.length);
  const apart = new Uint32Array(nulls.length);
  let v = 0;
  let z = 0;
  for (const r of order ?? iota(n)) {
    if (isNull[r] === 1) apart[z++] = r;
    else valid[v++] = r;
  }
  return { valid, nulls: apart };
}

/**
 * The sorted non-null rows with the null rows after them (`nullsLast`) or before them.
 *
 * @example
 * placeNulls(Uint32Array.of(2, 0), Uint32Array.of(1), true) // [2, 0, 1]
 */
export function placeNulls(sorted: Uint32Array, nulls: Uint32Array, nullsLast: boolean): Uint32Array {
  if (nulls.length === 0) return sorted;
  const out = new Uint32Array(sorted.length + nulls.length);
  out.set(nullsLast ? sorted : nulls, 0);
  out.set(nullsLast ? nulls : sorted, nullsLast ? sorted.length : nulls.length);
  return out;
}

/**
 * The column `name` of `table` and how it sorts; a SchemaError (no such column) or PlanError
 * (a type Dusk cannot order by) naming it and `operator` otherwise.
 * @example
 * const { vector, kind } = sortColumn(table, 'amount', 'sortValues'); // kind: 'words'
 */
export function sortColumn(table: arrow.Table, name: string, operator: string): { vector: arrow.Vector; kind: SortKeyKind } {
  const vector = table.getChild(name);
  if (vector === null) {
    const have = table.schema.fields.map((f) => f.name).join(', ');
    throw new SchemaError('UNKNOWN_COLUMN', `${operator}: no column '${name}' (columns: ${have})`);
  }
  const kind = sortKeyKind(vector.type as arrow.DataType);
  if (kind === null) throw new PlanError('TYPE_MISMATCH', `${operator} cannot order by column '${name}' of type ${String(vector.type)}`);
  return { vector, kind };
}

/**
 * `order` (the rows in their order so far; null: 0..n-1) stably sorted by one key column, its
 * null rows first or last in the order they had.
 */
function sortByKey(vector: arrow.Vector, kind: SortKeyKind, descending: boolean, nullsLast: boolean, order: Uint32Array | null): Uint32Array {
  const n = vector.length;
  if (kind === 'null') return order ?? iota(n);
  const key = kind === 'words' ? sortKeyWords(vector, descending)
    : kind === 'dictionary' ? dictionaryWords(vector, descending)
    : { words: null, width: 1 as const, nulls: nullRows(vector) };
  const { valid, nulls } = nullsApart(n, key.nulls, order);
  const sorted = key.words !== null ? sortWordRows(key.words, key.width, valid, n)
    : sortBytes(byteColumn(vector.data as arrow.Data[]), valid ?? iota(n), descending);
  return placeNulls(sorted, nulls, nullsLast);
}

/**
 * The stable order of `table`'s rows by the keys `by` (the first key first): `out[k]` is the
 * row that goes to place k. Nulls go last (`nullsLast`) or first in every key, whatever its
 * direction.
 *
 * @example
 * const order = sortPermutation(table, [{ column: 'region', descending: false }, { column: 'amount', descending: true }], true);
 */
export function sortPermutation(table: arrow.Table, by: readonly SortKey[], nullsLast: boolean): Uint32Array {
  const keys = by.map((k) => ({ ...k, ...sortColumn(table, k.column, 'sortValues') }));
  let order: Uint32Array | null = null;
  for (let j = keys.length - 1; j >= 0; j--) {
    const { vector, kind, descending } = keys[j]!;
    order = sortByKey(vector, kind, descending, nullsLast, order);
  }
  return order ?? iota(table.numRows);
}

/**
 * `table`'s rows sorted by `by` (see `sortPermutation`), as a table of one batch.
 *
 * @example
 * const sorted = sortRows(table, [{ column: 'amount', descending: true }], true);
 */
export function sortRows(table: arrow.Table, by: readonly SortKey[], nullsLast: boolean): arrow.Table {
  return takeRows(table, sortPermutation(table, by, nullsLast));
}
