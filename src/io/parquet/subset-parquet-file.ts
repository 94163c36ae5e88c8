/**
 * A small Parquet file holding only some row groups and columns of a big one: the selected
 * column chunks' bytes, back to back, and a rewritten footer whose schema, row groups, column
 * orders and `ARROW:schema` describe just those. parquet-wasm's synchronous reader decodes it;
 * so a piece of a 1 GB file costs the I/O of its own column chunks, and a corrupt file is an
 * error that can be caught (its lazy Blob reader panics on such files outside any promise,
 * which kills the process). Field ids below are those of parquet.thrift.
 */
import { IoError } from '../../errors.js';
import { CT, CompactWriter, ThriftSpanError, readListSpans, readStruct, readVarint, readZigzag, type SpanField } from './thrift-spans.js';

/** A top-level column: its leaves (column chunks) and its schema elements, by index. */
export interface TopLevelColumn {
  name: string;
  leafStart: number;
  leafCount: number;
  elemStart: number;
  elemEnd: number;
}

interface Span {
  start: number;
  end: number;
}

interface ChunkLayout {
  span: Span;
  fields: SpanField[];
  meta: SpanField[];
  /** Byte range of the chunk's pages in the file (dictionary page first, if any). */
  start: number;
  length: number;
  /** Whether the chunk starts with a dictionary page (its writer dictionary-encoded it). */
  dictionary: boolean;
}

/** What `footerLayout` finds in a footer: enough to plan a subset and to write its footer. */
export interface FooterLayout {
  file: string;
  topLevel: TopLevelColumn[];
  rowGroups: { numRows: number; fields: SpanField[]; chunks: ChunkLayout[] }[];
  fields: SpanField[];
  schema: Span[];
  keyValues: { span: Span; key: string }[];
  columnOrders: Span[] | null;
}

/** Byte ranges of the file to read, in order; their bytes concatenated are the subset's data. */
export interface FileRange {
  start: number;
  length: number;
}

const text = new TextDecoder();

function field(fields: SpanField[], id: number): SpanField | undefined {
  return fields.find((f) => f.id === id);
}

function int(bytes: Uint8Array, f: SpanField | undefined): bigint | null {
  return f === undefined || (f.type !== CT.I32 && f.type !== CT.I64 && f.type !== CT.I16) ? null : readZigzag(bytes, f.valueStart).value;
}

function str(bytes: Uint8Array, f: SpanField | undefined): string | null {
  if (f === undefined || f.type !== CT.BINARY) return null;
  const { value, end } = readVarint(bytes, f.valueStart);
  return text.decode(bytes.subarray(end, end + Number(value)));
}

function corrupt(file: string, problem: string, cause?: unknown): never {
  throw new IoError('PARQUET_READ', `${file}: ${problem}`, cause === undefined ? {} : { cause });
}

function listOf(bytes: Uint8Array, f: SpanField | undefined): Span[] {
  return f === undefined || f.type !== CT.LIST ? [] : readListSpans(bytes, f.valueStart).items;
}

/**
 * Reads the layout of a footer (FileMetaData bytes): top-level columns, row groups and the
 * byte range of each column chunk. Bytes that do not parse are an `IoError` naming `file`.
 *
 * @example
 * const layout = footerLayout(footerBytes, 'data/a.parquet');
 * layout.topLevel.map((c) => c.name);
 */
export function footerLayout(bytes: Uint8Array, file: string): FooterLayout {
  try {
    const { fields } = readStruct(bytes, 0);
    if (field(fields, 8) !== undefined) corrupt(file, 'encrypted Parquet files are not supported');
    const schema = listOf(bytes, field(fields, 2));
    if (schema.length === 0) corrupt(file, 'footer has no schema');
    const elements = schema.map((s) => readStruct(bytes, s.start).fields);
    const topLevel: TopLevelColumn[] = [];
    let elem = 1;
    let leaf = 0;
    // Walks a subtree in the depth-first element list, counting its leaves.
    const subtree = (): number => {
      const children = Number(int(bytes, field(elements[elem++] ?? corrupt(file, 'schema ends early'), 5)) ?? 0n);
      if (children <= 0) return 1;
      let leaves = 0;
      for (let k = 0; k < children; k++) leaves += subtree();
      return leaves;
    };
    const roots = Number(int(bytes, field(elements[0]!, 5)) ?? 0n);
    for (let k = 0; k < roots; k++) {
      const elemStart = elem;
      const name = str(bytes, field(elements[elem] ?? corrupt(file, 'schema ends early'), 4)) ?? corrupt(file, 'schema element without a name');
      const leafCount = subtree();
      topLevel.push({ name, leafStart: leaf, leafCount, elemStart, elemEnd: elem });
      leaf += leafCount;
    }
    const rowGroups = listOf(bytes, field(fields, 4)).map((rg, g) => {
      const rgFields = readStruct(bytes, rg.start).fields;
      const chunks = listOf(bytes, field(rgFields, 1)).map((cc): ChunkLayout => {
        const ccFields = readStruct(bytes, cc.start).fields;
        if (str(bytes, field(ccFields, 1)) !== null) corrupt(file, `row group ${g} keeps column data in another file, which is not supported`);
        const metaField = field(ccFields, 3) ?? corrupt(file, `row group ${g}: a column chunk has no metadata`);
        const meta = readStruct(bytes, metaField.valueStart).fields;
        const data = int(bytes, field(meta, 9)) ?? corrupt(file, `row group ${g}: a column chunk has no data page offset`);
        const dict = int(bytes, field(meta, 11));
        const length = int(bytes, field(meta, 7)) ?? corrupt(file, `row group ${g}: a column chunk has no size`);
        // As arrow-rs reads it: from the dictionary page when there is one (0 means none).
        const dictionary = dict !== null && dict > 0n && dict < data;
        const start = dictionary ? dict : data;
        return { span: cc, fields: ccFields, meta, start: Number(start), length: Number(length), dictionary };
      });
      if (chunks.length !== leaf) corrupt(file, `row group ${g} has ${chunks.length} column chunks for ${leaf} columns`);
      return { numRows: Number(int(bytes, field(rgFields, 3)) ?? 0n), fields: rgFields, chunks };
    });
    const keyValues = listOf(bytes, field(fields, 5)).map((span) => ({
      span,
      key: str(bytes, field(readStruct(bytes, span.start).fields, 1)) ?? '',
    }));
    const orders = field(fields, 7);
    return { file, topLevel, rowGroups, fields, schema, keyValues, columnOrders: orders === undefined ? null : listOf(bytes, orders) };
  } catch (cause) {
    if (cause instanceof ThriftSpanError) corrupt(file, `corrupt footer: ${cause.message}`, cause);
    throw cause;
  }
}

function copyStruct(w: CompactWriter, bytes: Uint8Array, fields: SpanField[], edit: (f: SpanField) => boolean): void {
  w.beginStruct();
  for (const f of fields) if (!edit(f)) w.copyField(bytes, f);
  w.endStruct();
}

/**
 * The footer of the subset file holding row groups `rowGroups` (renumbered 0, 1, ... in that
 * order) and the top-level columns `keep` of the file described by `layout`, and the byte ranges
 * of the original file that make up its data (after the leading `PAR1`). `arrowSchema` becomes
 * the `ARROW:schema` entry (base64; added when the file has none), or the entry is dropped when
 * it is null.
 *
 * @example
 * const { footer, ranges } = subsetFooter(bytes, layout, [layout.topLevel[0]!], [2], null);
 */
export function subsetFooter(
  bytes: Uint8Array,
  layout: FooterLayout,
  keep: readonly TopLevelColumn[],
  rowGroups: readonly number[],
  arrowSchema: string | null,
): { footer: Uint8Array; ranges: FileRange[] } {
  const leaves = keep.flatMap((c) => Array.from({ length: c.leafCount }, (_, i) => c.leafStart + i));
  const ranges: FileRange[] = [];
  let at = 4; // after the leading PAR1
  const w = new CompactWriter().beginStruct();
  let wroteKeyValues = false;
  for (const f of layout.fields) {
    // A footer without key-value metadata gets one when there is an ARROW:schema to write.
    if (f.id > 5 && !wroteKeyValues && arrowSchema !== null) {
      writeKeyValues(w, bytes, layout, arrowSchema);
      wroteKeyValues = true;
    }
    switch (f.id) {
      case 2: {
        const elements = keep.reduce((n, c) => n + c.elemEnd - c.elemStart, 0);
        w.field(2, CT.LIST).listHeader(1 + elements, CT.STRUCT);
        const root = layout.schema[0]!;
        copyStruct(w, bytes, readStruct(bytes, root.start).fields, (rf) => {
          if (rf.id !== 5) return false;
          w.field(5, CT.I32).int(keep.length);
          return true;
        });
        for (const c of keep) {
          for (let e = c.elemStart; e < c.elemEnd; e++) w.raw(bytes.subarray(layout.schema[e]!.start, layout.schema[e]!.end));
        }
        break;
      }
      case 3:
        w.field(3, CT.I64).int(rowGroups.reduce((n, g) => n + BigInt(layout.rowGroups[g]!.numRows), 0n));
        break;
      case 4: {
        w.field(4, CT.LIST).listHeader(rowGroups.length, CT.STRUCT);
        for (const g of rowGroups) {
          const rg = layout.rowGroups[g]!;
          copyStruct(w, bytes, rg.fields, (rf) => {
            if (rf.id === 1) {
              w.field(1, CT.LIST).listHeader(leaves.length, CT.STRUCT);
              for (const leaf of leaves) at = writeChunk(w, bytes, rg.chunks[leaf]!, at, ranges);
              return true;
            }
            // Sorting columns name column indices, and offsets/ordinal describe the old file.
            return rf.id === 4 || rf.id === 5 || rf.id === 6 || rf.id === 7;
          });
        }
        break;
      }
      case 5:
        writeKeyValues(w, bytes, layout, arrowSchema);
        wroteKeyValues = true;
        break;
      case 7: {
        const orders = layout.columnOrders ?? [];
        const kept = leaves.filter((l) => l < orders.length);
        w.field(7, CT.LIST).listHeader(kept.length, CT.STRUCT);
        for (const l of kept) w.raw(bytes.subarray(orders[l]!.start, orders[l]!.end));
        break;
      }
      default:
        w.copyField(bytes, f);
    }
  }
  if (!wroteKeyValues && arrowSchema !== null) writeKeyValues(w, bytes, layout, arrowSchema);
  return { footer: w.endStruct().bytes(), ranges };
}

/** The key-value metadata (field 5): the file's entries with `ARROW:schema` set to `arrowSchema` (or dropped when null). */
function writeKeyValues(w: CompactWriter, bytes: Uint8Array, layout: FooterLayout, arrowSchema: string | null): void {
  const kept = layout.keyValues.filter((kv) => kv.key !== 'ARROW:schema');
  w.field(5, CT.LIST).listHeader(kept.length + (arrowSchema !== null ? 1 : 0), CT.STRUCT);
  for (const kv of kept) w.raw(bytes.subarray(kv.span.start, kv.span.end));
  if (arrowSchema !== null) {
    w.beginStruct().field(1, CT.BINARY).binary(new TextEncoder().encode('ARROW:schema'));
    w.field(2, CT.BINARY).binary(new TextEncoder().encode(arrowSchema)).endStruct();
  }
}

/** Writes one ColumnChunk moved to `at` in the subset file; returns where the next one goes. */
function writeChunk(w: CompactWriter, bytes: Uint8Array, chunk: ChunkLayout, at: number, ranges: FileRange[]): number {
  const shift = BigInt(chunk.start - at);
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last.start + last.length === chunk.start) last.length += chunk.length;
  else ranges.push({ start: chunk.start, length: chunk.length });
  copyStruct(w, bytes, chunk.fields, (cf) => {
    if (cf.id === 2) {
      w.field(2, CT.I64).int(at);
      return true;
    }
    if (cf.id === 3) {
      w.field(3, CT.STRUCT);
      copyStruct(w, bytes, chunk.meta, (mf) => {
        if (mf.id === 9 || mf.id === 10 || mf.id === 11) {
          const old = readZigzag(bytes, mf.valueStart).value;
          if (old <= 0n || old < BigInt(chunk.start)) return true; // an absent or unused offset
          w.field(mf.id, CT.I64).int(old - shift);
          return true;
        }
        return mf.id === 14 || mf.id === 15; // bloom filter: not copied
      });
      return true;
    }
    return cf.id >= 4 && cf.id <= 7; // page indexes: not copied
  });
  return at + chunk.length;
}
