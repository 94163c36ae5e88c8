/**
 * `unifyDictionaries`: one dictionary per string column of a partition. Parquet gives every row
 * group its own dictionary, so a persisted partition of ten row groups would make each groupby
 * intern ten dictionaries on every query; re-coded once under one dictionary (in order of first
 * appearance, each string once), a query interns it once, and the group-by kernel keeps that
 * work across queries (see dense-groups.ts).
 */
import * as arrow from 'apache-arrow';
import { ByteInterner } from '../cpu/kernels/group-by/byte-interner.js';
import { dictionaryIndices, stringChunk, validityOf } from '../cpu/kernels/group-by/column-kind.js';

/** Utf8 dictionaries with Int32 indices (what the readers make), so re-coding keeps the column's type. */
function isStringDictionary(type: arrow.DataType): type is arrow.Dictionary {
  return arrow.DataType.isDictionary(type) && arrow.DataType.isUtf8(type.dictionary) && type.indices.bitWidth === 32 && type.indices.isSigned;
}

/** The chunks of one dictionary column re-coded under one dictionary (null entries become null rows). */
function unifyColumn(chunks: readonly arrow.Data[], type: arrow.Dictionary): arrow.Data[] {
  const strings = new ByteInterner(1024);
  const maps = new Map<unknown, Int32Array>();
  for (const d of chunks) {
    if (maps.has(d.dictionary)) continue;
    const entries = d.dictionary!.data as arrow.Data[];
    const map = new Int32Array(d.dictionary!.length);
    let at = 0;
    for (const e of entries) {
      const { bytes, offsets } = stringChunk(e);
      const valid = validityOf(e);
      for (let k = 0; k < e.length; k++) {
        const bit = e.offset + k;
        const isNull = valid !== null && ((valid[bit >> 3]! >> (bit & 7)) & 1) === 0;
        map[at + k] = isNull ? -1 : strings.intern(bytes, offsets[k]!, offsets[k + 1]!);
      }
      at += e.length;
    }
    maps.set(d.dictionary, map);
  }
  const { bytes, offsets } = strings.utf8();
  const dictionary = arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: strings.size, nullCount: 0, valueOffsets: offsets, data: bytes }));
  return chunks.map((d) => {
    const map = maps.get(d.dictionary)!;
    const idx = dictionaryIndices(d);
    const n = d.length;
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = map[idx[i]!]!;
    // Rows stay valid unless null themselves or pointing at a null entry (-1): found in one pass.
    const bits = d.nullCount > 0 ? d.nullBitmap! : null;
    let nulls = 0;
    let validity: Uint8Array | null = null;
    if (bits !== null || map.includes(-1)) {
      validity = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) {
        const bit = d.offset + i;
        if (codes[i]! < 0 || (bits !== null && ((bits[bit >> 3]! >> (bit & 7)) & 1) === 0)) {
          codes[i] = 0;
          nulls++;
        } else {
          validity[i >> 3] = validity[i >> 3]! | (1 << (i & 7));
        }
      }
    }
    return arrow.makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null, data: codes, dictionary });
  });
}

/**
 * `table` with every string dictionary column (Int32 indices) whose batches use different
 * dictionaries re-coded under one; the schema, other columns, and columns already on one
 * dictionary are untouched.
 * @example
 * const partition = unifyDictionaries(await readParquetPiece(piece, columns));
 */
export function unifyDictionaries(table: arrow.Table): arrow.Table {
  const fields = table.schema.fields;
  const redo = fields.map((f, c) => {
    if (!isStringDictionary(f.type) || table.batches.length < 2) return false;
    const first = table.batches[0]!.data.children[c]!.dictionary;
    return table.batches.some((b) => b.data.children[c]!.dictionary !== first);
  });
  if (!redo.includes(true)) return table;
  const columns = fields.map((f, c) => {
    const chunks = table.batches.map((b) => b.data.children[c]!);
    return redo[c] ? unifyColumn(chunks, f.type as arrow.Dictionary) : chunks;
  });
  const schema = table.schema;
  const struct = new arrow.Struct(schema.fields);
  const batches = table.batches.map((b, k) => new arrow.RecordBatch(schema, arrow.makeData({
    type: struct, length: b.numRows, nullCount: 0, children: columns.map((chunks) => chunks[k]!),
  })));
  return new arrow.Table(schema, batches);
}
