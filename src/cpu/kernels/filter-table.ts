/**
 * `filterTable`: the rows of a table where a boolean mask is true (null counts as false). Each
 * input batch gives one output batch — kept as it is when every one of its rows passes, else
 * gathered through `takeData` — and the input table itself comes back when every row passes.
 * The row numbers a mask keeps come from the native addon when it is built (a bit scan).
 */
import * as arrow from 'apache-arrow';
import { DuskError, PlanError } from '../../errors.js';
import { batchColumn } from './eval-column/batch-column.js';
import { nativeAddon } from './native-addon.js';
import { recordBatchOf, takeData } from './take-rows.js';

/** Rows up to which the kept row numbers go to one array reused by every call on this thread. */
const REUSE_ROWS = 1 << 24;
let ROWS = new Int32Array(0);

/**
 * An array for up to n row numbers: up to REUSE_ROWS rows the thread's one scratch array (fresh
 * memory per batch costs a page fault per 1024 rows), which is safe because the row numbers are
 * only read by the gather of their own batch.
 */
function rowsArray(n: number): Int32Array {
  if (n > REUSE_ROWS) return new Int32Array(n);
  if (ROWS.length < n) ROWS = new Int32Array(Math.min(REUSE_ROWS, Math.max(n, ROWS.length * 2)));
  return ROWS;
}

/** Local indices of the rows in [start, start + n) of `mask` that are valid and true. */
function selectedRows(mask: arrow.Vector, chunkStarts: readonly number[], start: number, n: number): Int32Array {
  const rows = rowsArray(n);
  let count = 0;
  const chunks = mask.data as arrow.Data[];
  const native = nativeAddon();
  for (let c = 0; c < chunks.length; c++) {
    const from = Math.max(start, chunkStarts[c]!);
    const to = Math.min(start + n, chunkStarts[c]! + chunks[c]!.length);
    if (from >= to) continue;
    const data = chunks[c]!;
    const values = data.values as Uint8Array;
    const validity = data.nullCount > 0 ? (data.nullBitmap as Uint8Array) : null;
    const shift = data.offset - chunkStarts[c]!;
    if (native !== null) {
      count = native.maskRows(values, validity, from + shift, to - from, from - start, rows, count);
      continue;
    }
    for (let g = from; g < to;) {
      const bit = g + shift;
      if ((bit & 7) === 0 && g + 8 <= to) {
        // A whole mask byte: skip it when no row passes.
        const byte = values[bit >> 3]! & (validity === null ? 0xff : validity[bit >> 3]!);
        if (byte !== 0) {
          for (let j = 0; j < 8; j++) {
            rows[count] = g + j - start;
            count += (byte >> j) & 1;
          }
        }
        g += 8;
        continue;
      }
      let keep = (values[bit >> 3]! >> (bit & 7)) & 1;
      if (validity !== null) keep &= (validity[bit >> 3]! >> (bit & 7)) & 1;
      rows[count] = g - start;
      count += keep;
      g++;
    }
  }
  return rows.subarray(0, count);
}

/**
 * Throws unless `mask` is a bool vector as long as `table` (what `filterTable` and the
 * whole-frame aggregate take as a selection).
 * @example
 * checkMask(table, evalColumn(col('v1').gt(2), table));
 */
export function checkMask(table: arrow.Table, mask: arrow.Vector): void {
  if (mask.type.typeId !== arrow.Type.Bool) {
    throw new PlanError('TYPE_MISMATCH', `filter needs a bool mask, not ${String(mask.type)}`);
  }
  if (mask.length !== table.numRows) {
    throw new DuskError('LENGTH_MISMATCH', `filter mask has ${mask.length} rows, the table ${table.numRows}`);
  }
}

/**
 * The rows of `table` where `mask` — a bool vector as long as the table, chunked in any way —
 * is true; a null mask value drops its row. Every column type is kept, nulls included.
 *
 * @example
 * const adults = filterTable(table, evalColumn(col('age').ge(18), table));
 */
export function filterTable(table: arrow.Table, mask: arrow.Vector): arrow.Table {
  checkMask(table, mask);
  const chunkStarts: number[] = [];
  let at = 0;
  for (const d of mask.data as arrow.Data[]) {
    chunkStarts.push(at);
    at += d.length;
  }
  let start = 0;
  let changed = false;
  const batches = table.batches.map((batch) => {
    const n = batch.numRows;
    const rows = selectedRows(mask, chunkStarts, start, n);
    start += n;
    if (rows.length === n) return batch;
    changed = true;
    const pick = { part: null, row: rows, n: rows.length };
    const columns = table.schema.fields.map((f, j) => takeData([batchColumn(batch, j)], pick, f.type as arrow.DataType));
    return recordBatchOf(table.schema, columns, rows.length);
  });
  return changed ? new arrow.Table(table.schema, batches) : table;
}
