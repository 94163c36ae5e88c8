/**
 * Row-group statistics as the Parquet dataset keeps them: plain data by column name (so a
 * dataset can be structured-cloned) behind the `RowGroupStats` interface that
 * `rowGroupMayMatch` reads.
 */
import type { ColumnStats, RowGroupStats } from '../../plan/row-group-filter.js';

/**
 * Statistics of one row group, by column name: plain data plus the `column` lookup.
 *
 * @example
 * new ParquetRowGroupStats(100, { v: { min: 0, max: 9, nullCount: 0, float: false } }).column('v');
 */
export class ParquetRowGroupStats implements RowGroupStats {
  constructor(
    readonly numRows: number,
    readonly columns: Record<string, ColumnStats>,
  ) {}

  column(name: string): ColumnStats | undefined {
    return Object.hasOwn(this.columns, name) ? this.columns[name] : undefined;
  }
}

/**
 * The `RowGroupStats` of statistics that went through structured cloning (which keeps the data
 * but drops the `column` method).
 *
 * @example
 * const stats = toRowGroupStats(structuredClone(ds.fileRowGroups[0]![0]!.stats));
 */
export function toRowGroupStats(stats: RowGroupStats | { numRows: number; columns: Record<string, ColumnStats> }): RowGroupStats {
  if (typeof (stats as Partial<RowGroupStats>).column === 'function') return stats as RowGroupStats;
  const plain = stats as { numRows: number; columns: Record<string, ColumnStats> };
  return new ParquetRowGroupStats(plain.numRows, plain.columns);
}
