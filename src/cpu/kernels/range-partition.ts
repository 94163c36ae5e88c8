/**
 * Range partitioning for the distributed sort: `sortBoundaries` picks P - 1 boundary keys from a
 * sample of the keys, and `rangePartition` cuts a table into P parts by them, part p taking the
 * rows whose key lies after boundary p - 1 and at or before boundary p in sort order (the order
 * of `sortRows`: directions per key, nulls first or last). Equal keys therefore land in one part,
 * rows keep their order inside a part, and sorting each part and concatenating the parts in
 * order gives the global sort; filling each part from the input partitions in their order keeps
 * the sort stable across partitions.
 *
 * A row finds its part by binary search over the boundaries, comparing key by key: fixed-width
 * keys as their `sortKeyWords` (so both sides must have the same type), strings and binaries
 * (plain or dictionary-encoded, in any mix) by their bytes.
 */
import type * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import type { SortKey } from '../../plan/logical-plan.js';
import { compareBytes } from './eval-column/string-lane.js';
import { dictionaryIndices } from './group-by/column-kind.js';
import { byteColumn, sortColumn, sortPermutation, type ByteColumn } from './sort-rows.js';
import { nullRows, sortKeyWords, type SortKeyKind } from './sort-key-words.js';
import { takeRows } from './take-rows.js';

/** Sign of (row i of the table) against (boundary b) in one key, nulls aside. */
type Compare = (i: number, b: number) => number;

/** One side of a key comparison: the column's words or bytes, and which rows are null. */
interface Side {
  type: arrow.DataType;
  /** Fixed-width keys: `sortKeyWords`, `width` words per row. */
  words: Uint32Array | null;
  width: 1 | 2;
  /** String-like keys: bytes per entry, and each row's entry (null: row i is entry i). */
  col: ByteColumn | null;
  entry: Int32Array | null;
  /** 1 per null row (a null dictionary entry makes its rows null); null when none is. */
  isNull: Uint8Array | null;
}

/** The entries of every dictionary a dictionary column's chunks use, and each row's entry. */
function dictionarySide(vector: arrow.Vector, isNull: Uint8Array): { col: ByteColumn; entry: Int32Array; isNull: Uint8Array } {
  const dictionaries: arrow.Data[] = [];
  const base = new Map<unknown, number>();
  const nullEntries: number[] = [];
  const entry = new Int32Array(vector.length);
  let count = 0;
  let row = 0;
  for (const d of vector.data as arrow.Data[]) {
    const dictionary = d.dictionary!;
    if (!base.has(dictionary)) {
      base.set(dictionary, count);
      for (const e of nullRows(dictionary)) nullEntries.push(count + e);
      for (const part of dictionary.data as arrow.Data[]) dictionaries.push(part);
      count += dictionary.length;
    }
    const first = base.get(dictionary)!;
    const codes = dictionaryIndices(d);
    for (let i = 0; i < d.length; i++) entry[row + i] = first + codes[i]!;
    row += d.length;
  }
  if (nullEntries.length > 0) {
    const nullEntry = new Uint8Array(count);
    for (const e of nullEntries) nullEntry[e] = 1;
    entry.forEach((e, i) => {
      if (nullEntry[e] === 1) isNull[i] = 1;
    });
  }
  return { col: byteColumn(dictionaries), entry, isNull };
}

function sideOf(vector: arrow.Vector, kind: SortKeyKind, descending: boolean): Side {
  const type = vector.type as arrow.DataType;
  if (kind === 'words') {
    const { words, width, nulls } = sortKeyWords(vector, descending);
    return { type, words, width, col: null, entry: null, isNull: maskOf(nulls, vector.length) };
  }
  const isNull = kind === 'null' ? new Uint8Array(vector.length).fill(1) : maskOf(nullRows(vector), vector.length) ?? new Uint8Array(vector.length);
  const strings = kind === 'bytes' ? { col: byteColumn(vector.data as arrow.Data[]), entry: null, isNull }
    : kind === 'dictionary' ? dictionarySide(vector, isNull)
    : { col: null, entry: null, isNull };
  return { type, words: null, width: 1, ...strings, isNull: strings.isNull.includes(1) ? strings.isNull : null };
}

function maskOf(rows: Uint32Array, n: number): Uint8Array | null {
  if (rows.length === 0) return null;
  const mask = new Uint8Array(n);
  for (const r of rows) mask[r] = 1;
  return mask;
}

/** The comparison of table rows with boundary rows in one key column, nulls aside. */
function valueCompare(column: string, x: Side, y: Side, descending: boolean): Compare {
  if (x.words !== null || y.words !== null) {
    if (x.words === null || y.words === null || String(x.type) !== String(y.type)) {
      throw new PlanError('TYPE_MISMATCH', `rangePartition: column '${column}' is ${String(x.type)} in the table but ${String(y.type)} in the boundaries`);
    }
    const [xw, yw] = [x.words, y.words];
    if (x.width === 1) return (i, k) => (xw[i]! < yw[k]! ? -1 : xw[i]! > yw[k]! ? 1 : 0);
    return (i, k) => {
      const [xh, yh] = [xw[2 * i + 1]!, yw[2 * k + 1]!];
      if (xh !== yh) return xh < yh ? -1 : 1;
      const [xl, yl] = [xw[2 * i]!, yw[2 * k]!];
      return xl < yl ? -1 : xl > yl ? 1 : 0;
    };
  }
  // A Null column against anything: every row of it is null, which the caller handles.
  if (x.col === null || y.col === null) return () => 0;
  const sign = descending ? -1 : 1;
  const [xb, xo, xe] = [x.col.bytes, x.col.offsets, x.entry];
  const [yb, yo, ye] = [y.col.bytes, y.col.offsets, y.entry];
  return (i, k) => {
    const p = xe === null ? i : xe[i]!;
    const q = ye === null ? k : ye[k]!;
    return sign * compareBytes(xb, xo[p]!, xo[p + 1]!, yb, yo[q]!, yo[q + 1]!);
  };
}

/** One key's two sides: the table's column and the boundaries'. */
interface KeySides {
  key: SortKey;
  x: Side;
  y: Side;
}

function keySides(table: arrow.Table, boundaries: arrow.Table, key: SortKey): KeySides {
  const a = sortColumn(table, key.column, 'rangePartition');
  const b = sortColumn(boundaries, key.column, 'rangePartition (boundaries)');
  return { key, x: sideOf(a.vector, a.kind, key.descending), y: sideOf(b.vector, b.kind, key.descending) };
}

/** The comparison of table rows with boundary rows in one key, nulls first or last. */
function keyCompare({ key, x, y }: KeySides, nullsLast: boolean): Compare {
  const compare = valueCompare(key.column, x, y, key.descending);
  const [xn, yn] = [x.isNull, y.isNull];
  if (xn === null && yn === null) return compare;
  const nullSide = nullsLast ? 1 : -1;
  return (i, k) => {
    const xi = xn !== null && xn[i] === 1;
    const yk = yn !== null && yn[k] === 1;
    if (xi || yk) return xi && yk ? 0 : xi ? nullSide : -nullSide;
    return compare(i, k);
  };
}

/** Each row's part: the first boundary it is at or before, by binary search key by key. */
function searchParts(sides: KeySides[], nullsLast: boolean, n: number, bounds: number): Uint32Array {
  const compares = sides.map((s) => keyCompare(s, nullsLast));
  const compare = (i: number, b: number): number => {
    for (const c of compares) {
      const r = c(i, b);
      if (r !== 0) return r;
    }
    return 0;
  };
  const part = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = bounds;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(i, mid) <= 0) hi = mid;
      else lo = mid + 1;
    }
    part[i] = lo;
  }
  return part;
}

/**
 * `searchParts` for one fixed-width key, without closures: the boundaries' non-null keys are one
 * sorted run (their nulls all sit at one end), a non-null row searches that run, and every null
 * row goes to one part (the first null boundary, or the last part, with nulls last; part 0
 * with nulls first).
 */
function wordParts({ x, y }: KeySides, nullsLast: boolean, n: number, bounds: number): Uint32Array {
  const [xw, yw] = [x.words!, y.words!];
  const nullBounds = y.isNull === null ? 0 : y.isNull.reduce((s, v) => s + v, 0);
  const [first, end] = nullsLast ? [0, bounds - nullBounds] : [nullBounds, bounds];
  const nullPart = nullsLast ? end : 0;
  const part = new Uint32Array(n);
  const xn = x.isNull;
  for (let i = 0; i < n; i++) {
    if (xn !== null && xn[i] === 1) {
      part[i] = nullPart;
      continue;
    }
    let lo = first;
    let hi = end;
    if (x.width === 1) {
      const v = xw[i]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (yw[mid]! >= v) hi = mid;
        else lo = mid + 1;
      }
    } else {
      const [vl, vh] = [xw[2 * i]!, xw[2 * i + 1]!];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const bh = yw[2 * mid + 1]!;
        if (bh > vh || (bh === vh && yw[2 * mid]! >= vl)) hi = mid;
        else lo = mid + 1;
      }
    }
    part[i] = lo;
  }
  return part;
}

/**
 * `parts - 1` boundary keys from `samples` (a sample of the keys to sort, with at least the
 * `by` columns): the samples sorted by `by`, cut into `parts` runs of (nearly) equal size, and
 * the last key of each run but the last. A table of the `by` columns only; empty when there are
 * no samples or one part (then `rangePartition` keeps every row in one part).
 *
 * @example
 * const boundaries = sortBoundaries(sample, [{ column: 'amount', descending: false }], true, 8); // 7 rows
 */
export function sortBoundaries(samples: arrow.Table, by: readonly SortKey[], nullsLast: boolean, parts: number): arrow.Table {
  if (!(Number.isInteger(parts) && parts >= 1)) {
    throw new PlanError('BAD_ARGUMENT', `sortBoundaries: parts must be a positive integer, not ${parts}`);
  }
  for (const k of by) sortColumn(samples, k.column, 'sortBoundaries');
  const keys = samples.select([...new Set(by.map((k) => k.column))]);
  const m = samples.numRows;
  if (m === 0 || parts === 1) return takeRows(keys, new Uint32Array(0));
  const order = sortPermutation(keys, by, nullsLast);
  const picks = new Uint32Array(parts - 1);
  for (let k = 1; k < parts; k++) picks[k - 1] = order[Math.max(0, Math.ceil((k * m) / parts) - 1)]!;
  return takeRows(keys, picks);
}

/**
 * `table` cut into `boundaries.numRows + 1` parts by the sorted boundary keys (from
 * `sortBoundaries`): part p holds the rows whose key is after boundary p - 1 and at or before
 * boundary p in the order of `by` and `nullsLast` (part 0: at or before boundary 0; the last
 * part: after the last boundary), each part keeping the rows' order.
 *
 * @example
 * const [low, high] = rangePartition(table, by, sortBoundaries(sample, by, true, 2), true);
 */
export function rangePartition(table: arrow.Table, by: readonly SortKey[], boundaries: arrow.Table, nullsLast: boolean): arrow.Table[] {
  const bounds = boundaries.numRows;
  if (bounds === 0) {
    for (const k of by) sortColumn(table, k.column, 'rangePartition');
    return [table];
  }
  const sides = by.map((k) => keySides(table, boundaries, k));
  const n = table.numRows;
  const one = sides.length === 1 ? sides[0]! : null;
  const part = one !== null && one.x.words !== null && one.y.words !== null && String(one.x.type) === String(one.y.type)
    ? wordParts(one, nullsLast, n, bounds)
    : searchParts(sides, nullsLast, n, bounds);
  const counts = new Uint32Array(bounds + 1);
  for (let i = 0; i < n; i++) counts[part[i]!]!++;
  const rows = Array.from(counts, (c) => new Uint32Array(c));
  const fill = new Uint32Array(bounds + 1);
  for (let i = 0; i < n; i++) {
    const p = part[i]!;
    rows[p]![fill[p]!++] = i;
  }
  return rows.map((r) => takeRows(table, r));
}
