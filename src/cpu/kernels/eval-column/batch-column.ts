/**
 * Column `index` of one record batch as a single Arrow Data, the unit every CPU kernel here
 * reads. A batch Arrow builds for an empty table can hold a chunked vector where a Data belongs;
 * its chunks are merged so that callers never meet that case.
 */
import * as arrow from 'apache-arrow';

/**
 * The Data of column `index` in `batch`.
 *
 * @example
 * const first = batchColumn(table.batches[0]!, 0);
 */
export function batchColumn(batch: arrow.RecordBatch, index: number): arrow.Data {
  const parts = batch.getChildAt(index)!.data as arrow.Data[];
  if (parts.length === 1) return parts[0]!;
  const merged = new arrow.Vector(parts);
  return arrow.vectorFromArray([...merged] as never[], merged.type).data[0]!;
}
