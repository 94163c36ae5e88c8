/**
 * A Parquet dataset as the planner sees it, from footers only: the files, their common Arrow
 * schema (hive partition columns appended), and per row group its rows, bytes and statistics.
 * `openParquetDataset` reads it eagerly (so a missing or corrupt file fails at the call);
 * `planParquetPieces` (plan-parquet-pieces.ts) turns it into the pieces that become partitions.
 */
import * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';
import type { ColumnStats, RowGroupStats } from '../../plan/row-group-filter.js';
import { valueTypeOf } from '../../plan/value-type.js';
import { expandPaths } from '../expand-paths.js';
import { decodeParquetFooter, type ParquetFooter } from '../parquet-footer.js';
import { readFooterBytesSync } from './footer-bytes.js';
import { parseHivePath } from './hive-path.js';
import { arrowSchemaOfFooter, dictionaryStringColumns, hiveFields, sameType, typeName, withDictionaryStrings } from './parquet-arrow-schema.js';
import { ParquetRowGroupStats } from './parquet-row-group-stats.js';
import { footerLayout } from './subset-parquet-file.js';

export { planParquetPieces, type ParquetPiece, type ParquetPlan, type PlanParquetOptions } from './plan-parquet-pieces.js';
export { ParquetRowGroupStats, toRowGroupStats } from './parquet-row-group-stats.js';

/** One row group of one file. */
export interface ParquetRowGroupInfo {
  rows: number;
  /** Uncompressed bytes of the whole group (for blocksize planning). */
  bytes: number;
  /** Uncompressed bytes per top-level column, to plan by the selected columns only. */
  columnBytes?: Record<string, number>;
  /** Min/max/null counts by column (hive columns included), for `rowGroupMayMatch`. */
  stats: RowGroupStats;
}

/** Plain data (structured-clonable, the stats' `column` method aside), except `schema`. */
export interface ParquetDataset {
  files: string[];
  /** Arrow schema of the dataset: the files' columns, then the hive partition columns. */
  schema: arrow.Schema;
  /** Per file, per row group. */
  fileRowGroups: ParquetRowGroupInfo[][];
  /** Hive partition columns found in the paths (`k=v` directories), value per file; [] when none. */
  hive: { name: string; values: (string | null)[] }[];
  /** String columns read as Dictionary<Int32, Utf8> (dictionary-encoded in the first file). */
  dictionaryColumns: string[];
}

/** Statistics are offered for the types predicates compare as values (not dates, decimals...). */
function comparable(type: arrow.DataType): boolean {
  return valueTypeOf(type) !== 'other' && valueTypeOf(type) !== 'null';
}

function rowGroupInfos(footer: ParquetFooter, footerBytes: Uint8Array, schema: arrow.Schema): ParquetRowGroupInfo[] {
  const layout = footerLayout(footerBytes, footer.file);
  const topOfLeaf: string[] = [];
  for (const top of layout.topLevel) for (let i = 0; i < top.leafCount; i++) topOfLeaf.push(top.name);
  const statColumns = new Map<number, boolean>(); // leaf index -> float, for columns with usable stats
  for (const top of layout.topLevel) {
    const f = schema.fields.find((x) => x.name === top.name);
    if (top.leafCount === 1 && f !== undefined && comparable(f.type)) {
      statColumns.set(top.leafStart, footer.columns[top.leafStart]!.physicalType === 'FLOAT' || footer.columns[top.leafStart]!.physicalType === 'DOUBLE');
    }
  }
  return footer.rowGroups.map((rg) => {
    const columnBytes: Record<string, number> = {};
    const columns: Record<string, ColumnStats> = {};
    rg.columns.forEach((chunk, leaf) => {
      const top = topOfLeaf[leaf]!;
      columnBytes[top] = (columnBytes[top] ?? 0) + chunk.uncompressedBytes;
      const float = statColumns.get(leaf);
      if (float !== undefined) columns[top] = { min: chunk.min, max: chunk.max, nullCount: chunk.nullCount, float };
    });
    const bytes = rg.totalByteSize > 0 ? rg.totalByteSize : Object.values(columnBytes).reduce((a, b) => a + b, 0);
    return { rows: rg.numRows, bytes, columnBytes, stats: new ParquetRowGroupStats(rg.numRows, columns) };
  });
}

function checkSameSchema(first: { file: string; schema: arrow.Schema }, file: string, schema: arrow.Schema): void {
  const mismatch = (column: string, problem: string): IoError =>
    new IoError('SCHEMA_MISMATCH', `${file} and ${first.file} have different schemas: column '${column}' ${problem}`);
  const theirs = first.schema.fields;
  schema.fields.forEach((f, i) => {
    const other = theirs.find((t) => t.name === f.name);
    if (other === undefined) throw mismatch(f.name, `is in ${file} only`);
    if (!sameType(f.type, other.type)) throw mismatch(f.name, `is ${typeName(f.type)} in ${file} but ${typeName(other.type)} in ${first.file}`);
    if (theirs[i]?.name !== f.name) throw mismatch(f.name, `is at position ${i} in ${file} but ${theirs.indexOf(other)} in ${first.file}`);
  });
  for (const t of theirs) if (!schema.fields.some((f) => f.name === t.name)) throw mismatch(t.name, `is in ${first.file} only`);
}

/** The hive columns of the files: the same keys, in the same order, in every path. */
function hiveColumns(files: string[], fileColumns: Set<string>): ParquetDataset['hive'] {
  const parsed = files.map((f) => parseHivePath(f).filter((h) => !fileColumns.has(h.name))); // the file's own column wins
  const keys = parsed[0]!.map((h) => h.name);
  parsed.forEach((p, i) => {
    const mine = p.map((h) => h.name);
    if (mine.join('/') !== keys.join('/')) {
      throw new IoError(
        'HIVE_MISMATCH',
        `${files[i]} has partition directories [${mine.join(', ')}] but ${files[0]} has [${keys.join(', ')}]: hive directories must be the same in every path`,
      );
    }
  });
  return keys.map((name, k) => ({ name, values: parsed.map((p) => p[k]!.value) }));
}

/**
 * Reads every footer of the Parquet files named by `pathOrGlob` (see `expandPaths`): a missing
 * file is an `IoError` with code `NOT_FOUND`, a corrupt or truncated one an `IoError` naming it
 * (`PARQUET_FOOTER`), files whose schemas differ `SCHEMA_MISMATCH` naming both files and the
 * column, and paths with different hive directories `HIVE_MISMATCH`. Synchronous.
 *
 * @example
 * const ds = openParquetDataset('data/**\/*.parquet');
 * ds.schema.fields.map((f) => f.name); // ['id', 'v', 'year']  (year from year=2024/ dirs)
 */
export function openParquetDataset(pathOrGlob: string | readonly string[]): ParquetDataset {
  const files = expandPaths(pathOrGlob, '.parquet', 'Parquet');
  let first: { file: string; schema: arrow.Schema } | null = null;
  let dictionaryColumns: string[] = [];
  const fileRowGroups: ParquetRowGroupInfo[][] = [];
  for (const file of files) {
    const bytes = readFooterBytesSync(file);
    const footer = decodeParquetFooter(bytes, file);
    const schema = arrowSchemaOfFooter(bytes, file, 'PARQUET_FOOTER');
    if (first === null) {
      first = { file, schema };
      dictionaryColumns = dictionaryStringColumns(schema, footerLayout(bytes, file));
    } else {
      checkSameSchema(first, file, schema);
    }
    fileRowGroups.push(rowGroupInfos(footer, bytes, schema));
  }
  // Every file's pieces are read with the first file's choice (arrow-rs builds a dictionary from
  // plain pages too), so all partitions have one schema.
  const fileSchema = withDictionaryStrings(first!.schema, dictionaryColumns);
  const hive = hiveColumns(files, new Set(fileSchema.fields.map((f) => f.name)));
  for (const h of hive) {
    h.values.forEach((value, i) => {
      for (const rg of fileRowGroups[i]!) {
        (rg.stats as ParquetRowGroupStats).columns[h.name] = { min: value, max: value, nullCount: value === null ? rg.rows : 0, float: false };
      }
    });
  }
  const schema = new arrow.Schema(
    [...fileSchema.fields, ...hiveFields(fileSchema, hive.map((h) => h.name))],
    fileSchema.metadata,
  );
  return { files, schema, fileRowGroups, hive, dictionaryColumns };
}
