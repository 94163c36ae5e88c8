/**
 * The Arrow schema of Parquet files as parquet-wasm reads them, known from the footer alone:
 * the footer is wrapped as a data-less file (`PAR1` + footer + length + `PAR1`) and handed to
 * `readSchema`, so the schema is by construction the one the reader produces. Also here: the
 * type of hive partition columns, and the type comparison used to match files of a dataset.
 */
import * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';
import { withParquetWasm } from './parquet-wasm.js';
import type { FooterLayout } from './subset-parquet-file.js';

/**
 * The Arrow schema parquet-wasm gives the file whose footer (FileMetaData bytes) is `footer`.
 *
 * @example
 * const schema = arrowSchemaOfFooter(readFooterBytesSync(file), file, 'PARQUET_FOOTER');
 */
export function arrowSchemaOfFooter(footer: Uint8Array, file: string, code: string): arrow.Schema {
  const bytes = new Uint8Array(footer.length + 12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x31524150, true);
  bytes.set(footer, 4);
  view.setUint32(footer.length + 4, footer.length, true);
  view.setUint32(footer.length + 8, 0x31524150, true);
  let ipc: Uint8Array;
  try {
    ipc = withParquetWasm((pw) => pw.readSchema(bytes).intoIPCStream());
  } catch (cause) {
    throw new IoError(code, `${file}: cannot read the schema from the footer: ${errorText(cause)}`, { cause });
  }
  return arrow.tableFromIPC(ipc).schema;
}

/**
 * The message of an error thrown by wasm code, which may not be an `Error`.
 *
 * @example
 * errorText(new Error('EOF')); // 'EOF'
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function maxDictionaryId(types: arrow.DataType[]): number {
  let max = -1;
  for (const t of types) {
    if (arrow.DataType.isDictionary(t)) max = Math.max(max, t.id, maxDictionaryId([t.dictionary]));
    max = Math.max(max, maxDictionaryId((t.children ?? []).map((c: arrow.Field) => c.type)));
  }
  return max;
}

/**
 * The top-level string columns of a file that its writer dictionary-encoded (its first row
 * group's chunk starts with a dictionary page): Dusk reads those as Dictionary<Int32, Utf8>, the
 * layout groupbys, joins and the GPU want, and which arrow-rs decodes about four times faster
 * than materializing every string. Columns of few distinct values are the ones writers encode
 * so; a column of mostly unique strings falls back to plain pages and stays Utf8.
 *
 * @example
 * dictionaryStringColumns(schema, footerLayout(footer, file)); // ['id1', 'id2', 'id3']
 */
export function dictionaryStringColumns(schema: arrow.Schema, layout: FooterLayout): string[] {
  const first = layout.rowGroups[0];
  if (first === undefined) return [];
  return layout.topLevel
    .filter((top) => {
      const field = schema.fields.find((f) => f.name === top.name);
      return top.leafCount === 1 && field !== undefined && (arrow.DataType.isUtf8(field.type) || arrow.DataType.isLargeUtf8(field.type)) &&
        first.chunks[top.leafStart]!.dictionary;
    })
    .map((top) => top.name);
}

/**
 * `schema` with the string columns `names` as Dictionary<Int32, Utf8>. Their dictionary ids follow
 * the schema's own in field order, so files with the same schema get the same types.
 *
 * @example
 * withDictionaryStrings(schema, ['id1']).fields[0].type; // Dictionary<Int32, Utf8>
 */
export function withDictionaryStrings(schema: arrow.Schema, names: readonly string[]): arrow.Schema {
  if (names.length === 0) return schema;
  let id = maxDictionaryId(schema.fields.map((f) => f.type)) + 1;
  const fields = schema.fields.map((f) =>
    names.includes(f.name) && !arrow.DataType.isDictionary(f.type)
      ? new arrow.Field(f.name, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), id++), f.nullable, f.metadata)
      : f,
  );
  return new arrow.Schema(fields, schema.metadata);
}

/**
 * The fields of hive partition columns `names` appended to a file's schema: dictionary-encoded
 * strings (one value per file, so a dictionary of one entry). Their dictionary ids follow the
 * file's own and are fixed by the sorted names, so every piece of a dataset agrees on them.
 *
 * @example
 * hiveFields(fileSchema, ['year', 'region']); // [Field year: Dictionary<Int32, Utf8>, ...]
 */
export function hiveFields(fileSchema: arrow.Schema, names: readonly string[]): arrow.Field[] {
  const base = maxDictionaryId(fileSchema.fields.map((f) => f.type)) + 1;
  const sorted = [...names].sort();
  return names.map(
    (name) => new arrow.Field(name, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), base + sorted.indexOf(name)), true),
  );
}

function typeKey(t: arrow.DataType): string {
  if (arrow.DataType.isDictionary(t)) return `Dictionary<${typeKey(t.indices)}, ${typeKey(t.dictionary)}, ${t.isOrdered}>`;
  const children: arrow.Field[] = t.children ?? [];
  return children.length === 0 ? String(t) : `${String(t)}[${children.map((c) => `${c.name}: ${typeKey(c.type)}`).join(', ')}]`;
}

/**
 * Whether two Arrow types are the same, ignoring dictionary ids and nullability.
 *
 * @example
 * sameType(new arrow.Int32(), new arrow.Int32()); // true
 */
export function sameType(a: arrow.DataType, b: arrow.DataType): boolean {
  return typeKey(a) === typeKey(b);
}

/**
 * A readable name of a type (dictionary ids left out).
 *
 * @example
 * typeName(new arrow.Int64()); // 'Int64'
 */
export function typeName(t: arrow.DataType): string {
  return typeKey(t);
}

/**
 * `fields` as the base64 `ARROW:schema` footer entry (an IPC schema message), as arrow-rs
 * writes and reads it.
 *
 * @example
 * const entry = encodeArrowSchema(schema.fields.slice(0, 2));
 */
export function encodeArrowSchema(fields: arrow.Field[]): string {
  const ipc = arrow.tableToIPC(new arrow.Table(new arrow.Schema(fields)), 'stream');
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  const length = view.getUint32(0, true) === 0xffffffff ? 8 + view.getInt32(4, true) : 4 + view.getInt32(0, true);
  return Buffer.from(ipc.buffer, ipc.byteOffset, length).toString('base64');
}
