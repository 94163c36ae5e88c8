/**
 * The DataFrame part of the public API: the sources (readParquet, readCsv, fromArrow,
 * fromArrays) and the classes they return.
 */
import type * as arrow from 'apache-arrow';
import type { Expr } from '../plan/expr.js';
import { DataFrame } from './data-frame.js';
import { fromArraysScan, fromArrowScan, type FromArrowOptions } from './sources/from-arrow.js';
import { readCsvPlan, type ReadCsvFrameOptions } from './sources/read-csv.js';
import { readParquetPlan, type ReadParquetOptions } from './sources/read-parquet.js';

/**
 * Parquet files (a path, a directory, a glob or a list) as a lazy DataFrame: one partition per
 * row group, small groups merged and big ones split toward `blocksize`. Footers are read now
 * (a missing or corrupt file throws an `IoError` here); data is read at compute time, only the
 * columns needed, skipping row groups whose statistics rule out `filters`.
 *
 * @example
 * const df = readParquet('data/*.parquet', { columns: ['id1', 'v1'], filters: col('v1').gt(2) });
 */
export function readParquet(pathOrGlob: string | readonly string[], options: ReadParquetOptions = {}): DataFrame {
  return new DataFrame(readParquetPlan(pathOrGlob, options));
}

/**
 * CSV files as a lazy DataFrame, one partition per block of about `blocksize` bytes. Column
 * types come from the first 10,000 rows unless `dtypes` names them.
 *
 * @example
 * const df = readCsv('data/*.csv', { blocksize: '64MB', dtypes: { id1: 'dictionary' } });
 */
export function readCsv(pathOrGlob: string | readonly string[], options: ReadCsvFrameOptions = {}): DataFrame {
  return new DataFrame(readCsvPlan(pathOrGlob, options));
}

/**
 * An Arrow table as a DataFrame, split into `npartitions` (or partitions of `partitionSize`).
 *
 * @example
 * const df = fromArrow(table, { npartitions: 8 });
 */
export function fromArrow(table: arrow.Table, options: FromArrowOptions = {}): DataFrame {
  return new DataFrame(fromArrowScan(table, options));
}

/**
 * Columns of typed arrays (or plain arrays) as a DataFrame.
 *
 * @example
 * const df = fromArrays({ k: new Int32Array(n), v: new Float64Array(n) }, { npartitions: 4 });
 */
export function fromArrays(record: Readonly<Record<string, ArrayLike<unknown> | arrow.Vector>>, options: { npartitions?: number } = {}): DataFrame {
  return new DataFrame(fromArraysScan(record, options));
}

export { DataFrame, type Expr };
export { GroupBy, type GroupByOptions } from './group-by.js';
export type { ComputeOptions } from './compute-plan.js';
export type { MergeOptions } from './verbs/merge.js';
export type { DropDuplicatesOptions } from './verbs/drop-duplicates.js';
export type { SortValuesOptions } from './verbs/sort-values.js';
export type { RepartitionOptions } from './verbs/repartition.js';
export type { MapMeta, PartitionFunction } from './verbs/map-partitions.js';
export type { FromArrowOptions } from './sources/from-arrow.js';
export type { ReadCsvFrameOptions as ReadCsvOptions } from './sources/read-csv.js';
export type { ReadParquetOptions } from './sources/read-parquet.js';
export type { ToParquetOptions, ParquetCompression } from './to-parquet.js';
export type { AggSpecInput } from './verbs/aggregate.js';
