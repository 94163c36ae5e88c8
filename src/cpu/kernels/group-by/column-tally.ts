/**
 * `columnTally`: one pass over the rows of one column that a selection mask keeps, tallying what
 * the aggregates without keys need (rows kept, non-null values, first and last non-null row, and
 * as asked the sum, Welford's moments, the least and greatest value's row), with no gather of the
 * kept rows and no group ids. `wholeFramePartial` turns tallies into group-by states. Rows are
 * visited in order with the group-by loops' own updates, so the states are partialGroupBy's bit
 * for bit. The column and the mask may be chunked differently: the pass walks the pieces where
 * one column chunk meets one mask chunk. The loop runs in the native addon
 * (native/src/column-tally.cpp) for all but 64-bit integers and bool min/max, else in
 * TypeScript (`tallyPiece`, the twin used with DUSK_NATIVE=off or without the addon).
 */
import { nativeAddon, type NativeAddon } from '../native-addon.js';
import { chunkRows, numericValues, validityOf, type Chunks, type ColumnKind } from './column-kind.js';
import { carryInto, SLOTS, Slot, tallyPiece, type Limbs, type Piece } from './tally-piece.js';

export { TALLY_MAX, TALLY_MIN, TALLY_MOMENTS, TALLY_SUM } from './tally-piece.js';

/** The result of one pass; rows are column rows (-1: none). */
export interface ColumnTally {
  /** Rows the mask keeps (every row without one). */
  rows: number;
  /** Non-null values among them. */
  valid: number;
  first: number;
  last: number;
  /** Integer columns with TALLY_SUM: the exact total. */
  sum: Limbs;
  /** Float columns with TALLY_SUM: the double-double sum. */
  hi: number;
  lo: number;
  /** TALLY_MOMENTS: Welford's count, mean and M2. */
  count: number;
  mean: number;
  m2: number;
  minRow: number;
  maxRow: number;
}

/**
 * The pieces where one column chunk meets one mask chunk, in row order (empty ones left out);
 * without a column (counting kept rows), one piece per mask chunk.
 */
function pieces(chunks: Chunks | null, mask: Chunks | null): Piece[] {
  const out: Piece[] = [];
  if (chunks === null) {
    let start = 0;
    for (const m of mask ?? []) {
      if (m.length > 0) out.push({ data: null, from: 0, mask: m, maskFrom: 0, length: m.length, base: start });
      start += m.length;
    }
    return out;
  }
  let maskAt = 0;
  let m = 0;
  let start = 0;
  for (const data of chunks) {
    const end = start + data.length;
    for (let row = start; row < end;) {
      let stop = end;
      if (mask !== null) {
        while (maskAt + mask[m].length <= row) maskAt += mask[m++].length;
        stop = Math.min(end, maskAt + mask[m].length);
      }
      out.push({ data, from: row - start, mask: mask === null ? null : mask[m], maskFrom: row - maskAt, length: stop - row, base: row });
      row = stop;
    }
    start = end;
  }
  return out;
}

/** Whether the native kernel reads this column with these flags. */
function nativeReads(kind: ColumnKind | null, flags: number, rows: number): boolean {
  // int64 sums of 32-bit values are exact below 2^31 rows.
  if (rows >= 2 ** 31) return false;
  if (flags === 0) return true;
  return kind?.kind === 'number' && kind.dtype !== 'int64' && kind.dtype !== 'uint64';
}

function nativeTally(native: NativeAddon, piece: Piece, flags: number, tally: Float64Array, isum: BigInt64Array): void {
  const { data, from, length, mask } = piece;
  const values = flags === 0 || data === null ? null : (numericValues(data) as Float64Array).subarray(from, from + length);
  native.columnTally(
    values, data === null ? null : validityOf(data), data === null ? 0 : data.offset + from, length,
    mask === null ? null : (mask.values as Uint8Array), mask === null ? null : validityOf(mask),
    mask === null ? 0 : mask.offset + piece.maskFrom, piece.base, flags, tally, isum,
  );
}

function emptyTally(): Float64Array {
  const t = new Float64Array(SLOTS);
  t[Slot.First] = t[Slot.Last] = t[Slot.MinRow] = t[Slot.MaxRow] = -1;
  return t;
}

/**
 * Tallies the rows of a column (`chunks` of `kind`) that `mask` keeps: a bool vector's chunks
 * as long as the column (true keeps a row, false and null drop it), or null to keep every row.
 * `chunks` null counts the kept rows only (size). `flags` (TALLY_*) says what else to compute;
 * sums and moments need a numeric column, min and max a numeric or bool one.
 * @example
 * const t = columnTally(table.getChild('v3')!.data, { kind: 'number', dtype: 'float64' }, mask.data, TALLY_SUM | TALLY_MOMENTS);
 * // t.hi + t.lo: the sum of v3 over the kept rows; t.m2 / (t.count - 1): its variance
 */
export function columnTally(chunks: Chunks | null, kind: ColumnKind | null, mask: Chunks | null, flags: number): ColumnTally {
  const tally = emptyTally();
  const isum = new BigInt64Array(1);
  const sum: Limbs = { l0: 0, l1: 0, l2: 0 };
  const f = chunks === null ? 0 : flags;
  const addon = nativeAddon();
  const rows = chunkRows(chunks ?? mask ?? []);
  const native = addon !== null && typeof addon.columnTally === 'function' && nativeReads(kind, f, rows) ? addon : null;
  for (const piece of pieces(chunks, mask)) {
    if (native !== null) nativeTally(native, piece, f, tally, isum);
    else tallyPiece(piece, kind, f, tally, sum);
  }
  if (isum[0] !== 0n) {
    const words = new Int32Array(isum.buffer);
    carryInto(sum, words[0] >>> 0, words[1]);
  }
  return {
    rows: tally[Slot.Rows],
    valid: tally[Slot.Valid],
    first: tally[Slot.First],
    last: tally[Slot.Last],
    sum,
    hi: tally[Slot.Hi],
    lo: tally[Slot.Lo],
    count: tally[Slot.Count],
    mean: tally[Slot.Mean],
    m2: tally[Slot.M2],
    minRow: tally[Slot.MinRow],
    maxRow: tally[Slot.MaxRow],
  };
}
