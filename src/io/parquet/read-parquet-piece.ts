/**
 * Reading one planned piece of a Parquet file into an Arrow table: only its row groups and
 * columns are read from disk (as a subset file, see subset-parquet-file.ts), decoded by
 * parquet-wasm, and given the dataset's column order and types, with hive partition columns
 * added as constant dictionary columns. Runs on the main thread and in worker threads alike.
 */
import { open, type FileHandle } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';
import { openError, readFooterBytes, readFully } from './footer-bytes.js';
import { arrowSchemaOfFooter, encodeArrowSchema, errorText, hiveFields, withDictionaryStrings } from './parquet-arrow-schema.js';
import type { ParquetPiece } from './plan-parquet-pieces.js';
import { withParquetWasm } from './parquet-wasm.js';
import { footerLayout, subsetFooter, type FileRange } from './subset-parquet-file.js';

function groupsText(piece: ParquetPiece): string {
  return piece.rowGroups.length === 1 ? `row group ${piece.rowGroups[0]}` : `row groups ${piece.rowGroups.join(', ')}`;
}

/** `data` with type `type` (the same layout; dictionary ids and nullability may differ). */
function retype(data: arrow.Data, type: arrow.DataType): arrow.Data {
  if (data.type === type) return data;
  const children: arrow.Field[] = type.children ?? [];
  const kids = data.children.map((c, i) => retype(c, children[i]?.type ?? c.type));
  return data.clone(type, data.offset, data.length, data.nullCount, undefined, kids); // same buffers
}

/** A column of `length` copies of `value` (null: all null), as a one-entry dictionary. */
function constantData(type: arrow.Dictionary<arrow.Utf8, arrow.Int32>, value: string | null, length: number): arrow.Data {
  const indices = new Int32Array(length);
  if (value === null) {
    const dictionary = arrow.vectorFromArray([] as string[], new arrow.Utf8());
    return arrow.makeData({ type, length, nullCount: length, nullBitmap: new Uint8Array(Math.ceil(length / 8)), data: indices, dictionary });
  }
  return arrow.makeData({ type, length, nullCount: 0, data: indices, dictionary: arrow.vectorFromArray([value], new arrow.Utf8()) });
}

/** Reads `ranges` of the file into one buffer laid out as the subset file: PAR1, data, footer. */
async function readSubset(handle: FileHandle, ranges: FileRange[], footer: Uint8Array): Promise<Uint8Array> {
  const dataBytes = ranges.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(4 + dataBytes + footer.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x31524150, true);
  let at = 4;
  for (const r of ranges) {
    await readFully(handle, out, at, r.length, r.start);
    at += r.length;
  }
  out.set(footer, at);
  view.setUint32(at + footer.length, footer.length, true);
  view.setUint32(at + footer.length + 4, 0x31524150, true);
  return out;
}

/** What the footer says about a piece, and the subset file to decode (null: no file columns). */
interface PreparedPiece {
  fileSchema: arrow.Schema;
  subset: Uint8Array | null;
  rows: number;
  /** Rows of each of the piece's row groups. */
  groupRows: number[];
}

type Fail = (problem: string, cause?: unknown) => never;

async function preparePiece(handle: FileHandle, piece: ParquetPiece, columns: readonly string[], fail: Fail): Promise<PreparedPiece> {
  const { file } = piece;
  const { footer, size } = await readFooterBytes(handle, file, 'PARQUET_READ');
  const layout = footerLayout(footer, file);
  for (const g of piece.rowGroups) {
    if (!Number.isInteger(g) || g < 0 || g >= layout.rowGroups.length) fail(`the file has ${layout.rowGroups.length} row groups`);
  }
  const hiveNames = Object.keys(piece.hive ?? {});
  const topNames = new Set(layout.topLevel.map((t) => t.name));
  for (const c of columns) {
    if (!topNames.has(c) && !hiveNames.includes(c)) {
      throw new IoError('SCHEMA_MISMATCH', `${file}: no column '${c}' (did the file change since it was planned?)`);
    }
  }
  const inGroups = piece.rowGroups.reduce((n, g) => n + layout.rowGroups[g]!.numRows, 0);
  const rows = Math.max(0, Math.min(inGroups - (piece.offset ?? 0), piece.limit ?? Infinity));
  const fileSchema = withDictionaryStrings(arrowSchemaOfFooter(footer, file, 'PARQUET_READ'), piece.dictionaryColumns ?? []);
  const keep = layout.topLevel.filter((t) => columns.includes(t.name) && !hiveNames.includes(t.name));
  const groupRows = piece.rowGroups.map((g) => layout.rowGroups[g]!.numRows);
  if (keep.length === 0) return { fileSchema, subset: null, rows, groupRows };

  const bodyEnd = size - 8 - footer.length;
  for (const g of piece.rowGroups) {
    for (const t of keep) {
      for (let leaf = t.leafStart; leaf < t.leafStart + t.leafCount; leaf++) {
        const { start, length } = layout.rowGroups[g]!.chunks[leaf]!;
        if (start < 4 || length < 0 || start + length > bodyEnd) {
          fail(`column '${t.name}' lies outside the file's data (bytes ${start}..${start + length} of ${bodyEnd})`);
        }
      }
    }
  }
  // The subset's ARROW:schema must list exactly its columns, or arrow-rs rejects it. It is also
  // how arrow-rs is told to decode dictionary strings as dictionaries, so it is written for a
  // file that had none when some kept column is one.
  const keptNames = new Set(keep.map((t) => t.name));
  const hasArrowSchema = layout.keyValues.some((kv) => kv.key === 'ARROW:schema') ||
    (piece.dictionaryColumns ?? []).some((c) => keptNames.has(c));
  const arrowSchema = hasArrowSchema ? encodeArrowSchema(fileSchema.fields.filter((f) => keptNames.has(f.name))) : null;
  const plan = subsetFooter(footer, layout, keep, piece.rowGroups, arrowSchema);
  return { fileSchema, subset: await readSubset(handle, plan.ranges, plan.footer), rows, groupRows };
}

/**
 * Decodes the subset one row group at a time, each into one batch: a row group's dictionary
 * pages then become one Arrow dictionary, where a batch spanning row groups would make arrow-rs
 * merge their dictionaries (several times slower than decoding the strings plainly).
 */
function decodeSubset(subset: Uint8Array, piece: ParquetPiece, rows: number, groupRows: readonly number[], fail: Fail): arrow.Table {
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | null = null;
  try {
    withParquetWasm((pw) => {
      // offset and limit count rows across the piece's row groups: those pieces (a split row
      // group, or a head) are decoded in one call.
      const calls = piece.offset === undefined && piece.limit === undefined
        ? groupRows.map((n, i) => ({ rowGroups: [i], batchSize: Math.max(1, n) }))
        : [{
          rowGroups: groupRows.map((_, i) => i),
          batchSize: Math.max(1, rows),
          ...(piece.offset === undefined ? {} : { offset: piece.offset }),
          ...(piece.limit === undefined ? {} : { limit: piece.limit }),
        }];
      for (const options of calls) {
        const table = arrow.tableFromIPC(pw.readParquet(subset, options).intoIPCStream());
        schema ??= table.schema;
        batches.push(...table.batches);
      }
    });
  } catch (cause) {
    return fail(`corrupt data: ${errorText(cause)}`, cause);
  }
  const table = schema === null ? new arrow.Table() : new arrow.Table(schema, batches);
  if (table.numRows !== rows) fail(`decoded ${table.numRows} rows where the footer promises ${rows}`);
  return table;
}

/**
 * Reads one piece: only `columns` (in that order; hive columns as dictionary columns of the
 * piece's constant value), only its row groups (and `offset`/`limit` rows within them). The
 * result's fields have the names and types of the dataset schema (`openParquetDataset`). A
 * file that turns out missing, changed or corrupt is an `IoError` naming the file and row
 * groups (`PARQUET_READ`, or `NOT_FOUND`).
 *
 * @example
 * const { pieces } = planParquetPieces(ds, { columns: ['id', 'v'], predicate: null, blocksize: 64e6 });
 * const table = await readParquetPiece(pieces[0]!, ['v', 'id']);
 */
export async function readParquetPiece(piece: ParquetPiece, columns: readonly string[]): Promise<arrow.Table> {
  const { file } = piece;
  const fail: Fail = (problem, cause) => {
    throw new IoError('PARQUET_READ', `${file}, ${groupsText(piece)}: ${problem}`, cause === undefined ? {} : { cause });
  };
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw openError(file, cause);
  }
  let prepared: PreparedPiece;
  try {
    prepared = await preparePiece(handle, piece, columns, fail);
  } catch (cause) {
    if (cause instanceof IoError) throw cause;
    return fail(`cannot read: ${errorText(cause)}`, cause);
  } finally {
    await handle.close();
  }
  const { fileSchema, subset, rows, groupRows } = prepared;
  const decoded = subset === null ? null : decodeSubset(subset, piece, rows, groupRows, fail);

  const hive = piece.hive ?? {};
  const hiveTypes = new Map(hiveFields(fileSchema, Object.keys(hive)).map((f) => [f.name, f]));
  const fields = columns.map((c) => hiveTypes.get(c) ?? fileSchema.fields.find((f) => f.name === c)!);
  const schema = new arrow.Schema(fields, fileSchema.metadata);
  const batches: (arrow.RecordBatch | null)[] = decoded !== null ? decoded.batches : rows === 0 ? [] : [null];
  return new arrow.Table(
    schema,
    batches.map((batch) => {
      const length = batch?.numRows ?? rows;
      const children = fields.map((field) => {
        const hiveField = hiveTypes.get(field.name);
        if (hiveField !== undefined) return constantData(hiveField.type as arrow.Dictionary<arrow.Utf8, arrow.Int32>, hive[field.name]!, length);
        return retype(batch!.getChild(field.name)!.data[0]!, field.type);
      });
      return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length, children, nullCount: 0 }));
    }),
  );
}
