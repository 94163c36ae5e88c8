/**
 * Writing Arrow tables as Parquet files (through parquet-wasm, atomically), and splitting a
 * table by the values of partition columns into hive-style directories for
 * `toParquet({ partitionOn })`.
 */
import * as arrow from 'apache-arrow';
import { IoError, PlanError, SchemaError } from '../../errors.js';
import { atomicWrite } from '../atomic-write.js';
import { hiveSegment } from './hive-path.js';
import { errorText } from './parquet-arrow-schema.js';
import { withParquetWasm } from './parquet-wasm.js';
import { takeData } from '../../cpu/kernels/take-rows.js';

export type ParquetCompression = 'snappy' | 'zstd' | 'uncompressed';

export interface WriteParquetOptions {
  /** Default 'snappy'. */
  compression?: ParquetCompression;
}

/**
 * Writes `table` to `path` as one Parquet file, atomically (see `atomicWrite`): a failure
 * leaves no file and no temporary file, and is an `IoError` with code `WRITE_FAILED` naming
 * `path`. Dictionary columns stay dictionary-encoded (the Arrow schema is stored in the file).
 *
 * @example
 * await writeParquetFile(table, 'out/part-00000.parquet', { compression: 'zstd' });
 */
export async function writeParquetFile(table: arrow.Table, path: string, options: WriteParquetOptions = {}): Promise<void> {
  const compression = options.compression ?? 'snappy';
  if (compression !== 'snappy' && compression !== 'zstd' && compression !== 'uncompressed') {
    throw new PlanError('BAD_COMPRESSION', `toParquet: compression must be 'snappy', 'zstd' or 'uncompressed', not '${String(compression)}'`);
  }
  let bytes: Uint8Array;
  try {
    const ipc = arrow.tableToIPC(table, 'stream');
    bytes = withParquetWasm((pw) => {
      const codes = { snappy: pw.Compression.SNAPPY, zstd: pw.Compression.ZSTD, uncompressed: pw.Compression.UNCOMPRESSED };
      const props = new pw.WriterPropertiesBuilder().setCompression(codes[compression]).build();
      let wasmTable;
      try {
        wasmTable = pw.Table.fromIPCStream(ipc);
      } catch (error) {
        props.free();
        throw error;
      }
      return pw.writeParquet(wasmTable, props); // takes ownership of both
    });
  } catch (cause) {
    throw new IoError('WRITE_FAILED', `cannot write ${path}: encoding the table as Parquet failed: ${errorText(cause)}`, { cause });
  }
  await atomicWrite(path, bytes);
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  // As DuckDB prints doubles: integral values keep a '.0'; -0 is 0 (one group with 0).
  return Number.isInteger(v) && Math.abs(v) < 1e15 ? (v === 0 ? '0.0' : v.toFixed(1)) : String(v);
}

/** How a partition value is written in its directory name, by column type. */
function valueText(type: arrow.DataType, column: string): (value: unknown) => string | null {
  const t = arrow.DataType.isDictionary(type) ? type.dictionary : type;
  const text = <T>(f: (v: T) => string) => (v: unknown) => (v === null || v === undefined ? null : f(v as T));
  switch (t.typeId) {
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
      return text<string>((v) => v);
    case arrow.Type.Int:
      return text<number | bigint>((v) => String(v));
    case arrow.Type.Float:
      return text<number>(floatText);
    case arrow.Type.Bool:
      return text<boolean>((v) => (v ? 'true' : 'false'));
    case arrow.Type.Date:
      return text<number | Date>((v) => new Date(typeof v === 'number' ? v : v.getTime()).toISOString().slice(0, 10));
    default:
      throw new SchemaError(
        'UNSUPPORTED_PARTITION_TYPE',
        `toParquet: cannot partition on column '${column}' of type ${String(type)} (strings, integers, floats, booleans and dates can be partitioned on)`,
      );
  }
}

/**
 * Splits `table` by the values of `columns` (for `toParquet({ partitionOn })`): one table per
 * distinct combination, in order of first appearance, holding its rows in order without the
 * partition columns, with its hive directory (`a=1/b=x`; values percent-encoded as DuckDB
 * does, null as `__HIVE_DEFAULT_PARTITION__`).
 *
 * @example
 * for (const part of splitForHive(table, ['region'])) {
 *   await writeParquetFile(part.table, `out/${part.dir}/part-00000.parquet`);
 * }
 */
export function splitForHive(
  table: arrow.Table,
  columns: readonly string[],
): { dir: string; values: Record<string, string | null>; table: arrow.Table }[] {
  if (columns.length === 0) throw new PlanError('BAD_PARTITION_ON', 'toParquet: partitionOn names no columns');
  const names = table.schema.fields.map((f) => f.name);
  for (const c of columns) {
    if (!names.includes(c)) throw new SchemaError('UNKNOWN_COLUMN', `toParquet: cannot partition on '${c}': no such column (columns: ${names.join(', ')})`);
  }
  const vectors = columns.map((c) => table.getChild(c)!);
  const texts = columns.map((c, k) => valueText(vectors[k]!.type, c));
  const keepFields = table.schema.fields.filter((f) => !columns.includes(f.name));
  const schema = new arrow.Schema(keepFields, table.schema.metadata);

  const groups = new Map<string, { values: Record<string, string | null>; rows: number[][] }>();
  const batches = table.batches;
  batches.forEach((batch, b) => {
    const keys = columns.map((c) => batch.getChild(c)!);
    for (let row = 0; row < batch.numRows; row++) {
      const values = columns.map((_, k) => texts[k]!(keys[k]!.get(row)));
      const dir = columns.map((c, k) => hiveSegment(c, values[k]!)).join('/');
      let group = groups.get(dir);
      if (group === undefined) {
        group = { values: Object.fromEntries(columns.map((c, k) => [c, values[k]!])), rows: batches.map(() => []) };
        groups.set(dir, group);
      }
      group.rows[b]!.push(row);
    }
  });

  return [...groups].map(([dir, group]) => {
    const parts = batches.flatMap((batch, b) => {
      const rows = Int32Array.from(group.rows[b]!);
      if (rows.length === 0) return [];
      const children = keepFields.map((f) => takeData([batch.getChild(f.name)!.data[0]!], { part: null, row: rows, n: rows.length }, f.type as arrow.DataType));
      return [new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(keepFields), length: rows.length, children, nullCount: 0 }))];
    });
    return { dir, values: group.values, table: new arrow.Table(schema, parts) };
  });
}
