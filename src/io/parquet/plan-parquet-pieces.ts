/**
 * Planning the read of a Parquet dataset: which row groups each partition reads. Row groups
 * that the statistics prove cannot match the predicate are skipped; consecutive small ones of
 * a file are merged and big ones split by rows, both toward `blocksize` bytes of the selected
 * columns. Pieces are plain data, so they can be posted to worker threads as they are.
 */
import { PlanError, SchemaError } from '../../errors.js';
import type { Expr } from '../../plan/expr.js';
import { rowGroupMayMatch } from '../../plan/row-group-filter.js';
import type { ParquetDataset, ParquetRowGroupInfo } from './parquet-dataset.js';
import { toRowGroupStats } from './parquet-row-group-stats.js';

/** One partition's worth of a Parquet file; plain data, structured-clonable. */
export interface ParquetPiece {
  file: string;
  /** Row groups of `file` to read, in order. */
  rowGroups: number[];
  /** Rows to skip within those row groups, when a big group is split. */
  offset?: number;
  /** Rows to read after `offset`, when a big group is split. */
  limit?: number;
  /** Rows this piece yields (before any row filter). */
  rows: number;
  /** Hive partition values of `file`. */
  hive?: Record<string, string | null>;
  /** String columns to read as Dictionary<Int32, Utf8> (the dataset's `dictionaryColumns`). */
  dictionaryColumns?: string[];
}

export interface PlanParquetOptions {
  /** The columns that will be read (file or hive columns). */
  columns: readonly string[];
  /** Row groups where this is provably false for every row are skipped. */
  predicate: Expr | null;
  /** Target bytes (uncompressed, of the selected columns) per piece. */
  blocksize: number;
}

export interface ParquetPlan {
  pieces: ParquetPiece[];
  /** Row groups in the dataset. */
  rowGroups: number;
  /** Row groups skipped by the predicate. */
  skippedRowGroups: number;
}

function selectedBytes(rg: ParquetRowGroupInfo, fileColumns: readonly string[], allColumns: number): number {
  if (rg.columnBytes === undefined) return allColumns === 0 ? 0 : (rg.bytes * fileColumns.length) / allColumns;
  return fileColumns.reduce((n, c) => n + (rg.columnBytes![c] ?? 0), 0);
}

/**
 * The pieces to read `options.columns` of `ds`: one per row group, except that consecutive
 * row groups of a file are merged while their selected bytes stay within `blocksize`, and a
 * row group above it is split by rows (`offset`/`limit`) into near-equal pieces. Row groups
 * whose statistics prove `predicate` false for every row are skipped and counted. An unknown
 * column is a `SchemaError`; pieces may be empty when every row group is skipped.
 *
 * @example
 * const { pieces, skippedRowGroups } = planParquetPieces(ds, {
 *   columns: ['id', 'v'], predicate: col('v').gt(100), blocksize: 64e6,
 * });
 */
export function planParquetPieces(ds: ParquetDataset, options: PlanParquetOptions): ParquetPlan {
  const { columns, predicate, blocksize } = options;
  if (!(blocksize > 0)) throw new PlanError('BAD_BLOCKSIZE', `blocksize must be a positive number of bytes, not ${blocksize}`);
  const hiveNames = new Set(ds.hive.map((h) => h.name));
  const known = new Set(ds.schema.fields.map((f) => f.name));
  for (const c of columns) {
    if (!known.has(c)) {
      throw new SchemaError('UNKNOWN_COLUMN', `readParquet: no column '${c}' in ${ds.files[0]} (columns: ${[...known].join(', ')})`);
    }
  }
  const fileColumns = columns.filter((c) => !hiveNames.has(c));
  const allColumns = ds.schema.fields.length - hiveNames.size;
  const pieces: ParquetPiece[] = [];
  let rowGroups = 0;
  let skippedRowGroups = 0;

  ds.files.forEach((file, f) => {
    const hive = ds.hive.length === 0 ? undefined : Object.fromEntries(ds.hive.map((h) => [h.name, h.values[f]!]));
    const piece = (groups: number[], rows: number, offset?: number, limit?: number): ParquetPiece => ({
      file,
      rowGroups: groups,
      ...(offset === undefined ? {} : { offset, limit }),
      rows,
      ...(hive === undefined ? {} : { hive: { ...hive } }),
      ...(ds.dictionaryColumns.length === 0 ? {} : { dictionaryColumns: [...ds.dictionaryColumns] }),
    });
    let pending: { groups: number[]; rows: number; bytes: number } | null = null;
    const flush = (): void => {
      if (pending !== null) pieces.push(piece(pending.groups, pending.rows));
      pending = null;
    };
    ds.fileRowGroups[f]!.forEach((rg, g) => {
      rowGroups++;
      if (predicate !== null && !rowGroupMayMatch(predicate, toRowGroupStats(rg.stats))) {
        skippedRowGroups++;
        return;
      }
      if (rg.rows === 0) return;
      const bytes = selectedBytes(rg, fileColumns, allColumns);
      if (bytes > blocksize && rg.rows > 1) {
        flush();
        const parts = Math.min(rg.rows, Math.ceil(bytes / blocksize));
        const per = Math.ceil(rg.rows / parts);
        for (let offset = 0; offset < rg.rows; offset += per) {
          const limit = Math.min(per, rg.rows - offset);
          pieces.push(piece([g], limit, offset, limit));
        }
      } else if (pending !== null && pending.bytes + bytes <= blocksize) {
        pending.groups.push(g);
        pending.rows += rg.rows;
        pending.bytes += bytes;
      } else {
        flush();
        pending = { groups: [g], rows: rg.rows, bytes };
      }
    });
    flush();
  });
  return { pieces, rowGroups, skippedRowGroups };
}
