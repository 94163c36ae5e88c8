/**
 * Moves Arrow tables between threads without cloning values: a table becomes its schema (as an
 * Arrow IPC schema message, so every Arrow type survives) and, per batch and column, the raw
 * buffers of its `Data` tree; the other side rebuilds the same `Data` objects over the same
 * memory. Buffers in shared memory are posted as they are. Otherwise `'move'` transfers them
 * (the sender gives them up: worker results) — except buffers the table uses less than half of,
 * whose views are copied so that a few rows do not keep a whole decoded row group alive — and
 * `'copy'` transfers a copy (the sender keeps its table: user data on the main thread).
 */
import * as arrow from 'apache-arrow';

export interface ShippedData {
  offset: number;
  length: number;
  nullCount: number;
  /** Indexed by Arrow's BufferType: value offsets, values, validity, type ids. */
  buffers: (ArrayBufferView | undefined)[];
  children: ShippedData[];
  /** The chunks of a dictionary column's dictionary. */
  dictionary?: ShippedData[];
}

export interface ShippedTable {
  /** The schema as an Arrow IPC stream with no batches. */
  schema: Uint8Array;
  /** Per batch: its row count (a batch may have no columns) and its columns. */
  batches: { length: number; columns: ShippedData[] }[];
}

export type ShipMode = 'move' | 'copy' | 'share';

class Shipper {
  readonly transfer = new Set<ArrayBuffer>();
  /** A dictionary shared by several chunks is shipped once (the same array, which structured cloning keeps shared). */
  private readonly dictionaries = new Map<arrow.Vector, ShippedData[]>();

  /**
   * @param movable with 'move', the buffers the table's views cover at least half of: those are
   *   transferred whole; views of other buffers (a few rows of a decoded IPC stream, a slice) are
   *   copied, or the whole buffer would stay alive on the other side for them.
   */
  constructor(private readonly mode: ShipMode, private readonly movable: ReadonlySet<ArrayBufferLike> = new Set()) {}

  view(view: ArrayBufferView): ArrayBufferView {
    const buffer = view.buffer;
    if (buffer instanceof SharedArrayBuffer || this.mode === 'share') return view;
    if (this.mode === 'move' && this.movable.has(buffer)) {
      this.transfer.add(buffer as ArrayBuffer);
      return view;
    }
    const bytes = new Uint8Array(buffer, view.byteOffset, view.byteLength).slice();
    this.transfer.add(bytes.buffer);
    const ctor = view.constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
    const width = (view as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    return new ctor(bytes.buffer, 0, view.byteLength / width);
  }

  data(data: arrow.Data): ShippedData {
    const buffers: (ArrayBufferView | undefined)[] = [];
    const raw = [data.valueOffsets, data.values, data.nullBitmap, data.typeIds] as (ArrayBufferView | undefined)[];
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i];
      buffers[i] = b === undefined || b === null || b.byteLength === 0 ? b ?? undefined : this.view(b);
    }
    const shipped: ShippedData = {
      offset: data.offset,
      length: data.length,
      nullCount: data.nullCount,
      buffers,
      children: (data.children ?? []).map((c) => this.data(c)),
    };
    if (data.dictionary !== undefined) {
      let dictionary = this.dictionaries.get(data.dictionary);
      if (dictionary === undefined) {
        dictionary = data.dictionary.data.map((d) => this.data(d));
        this.dictionaries.set(data.dictionary, dictionary);
      }
      shipped.dictionary = dictionary;
    }
    return shipped;
  }
}

const schemaCache = new WeakMap<arrow.Schema, Uint8Array>();

export function encodeSchema(schema: arrow.Schema): Uint8Array {
  let bytes = schemaCache.get(schema);
  if (bytes === undefined) {
    bytes = arrow.tableToIPC(new arrow.Table(schema), 'stream');
    schemaCache.set(schema, bytes);
  }
  return bytes;
}

/** Decoded schemas by their IPC bytes (as latin1 text): a thread sees the same few schemas again and again. */
const decoded = new Map<string, arrow.Schema>();
const DECODED_MAX = 256;

export function decodeSchema(bytes: Uint8Array): arrow.Schema {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let schema = decoded.get(key);
  if (schema === undefined) {
    schema = arrow.tableFromIPC(bytes).schema;
    if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value!);
    decoded.set(key, schema);
  }
  return schema;
}

/** Every buffer view of a Data tree (children and dictionaries too), each once. */
function views(data: arrow.Data, out: Set<ArrayBufferView>, seen: Set<arrow.Data>): void {
  if (seen.has(data)) return;
  seen.add(data);
  for (const b of [data.valueOffsets, data.values, data.nullBitmap, data.typeIds] as (ArrayBufferView | undefined | null)[]) {
    if (b !== undefined && b !== null && b.byteLength > 0) out.add(b);
  }
  for (const c of data.children ?? []) views(c, out, seen);
  for (const d of data.dictionary?.data ?? []) views(d, out, seen);
}

/** The buffers whose bytes the table's views cover at least half of (a move transfers those whole). */
function movableBuffers(table: arrow.Table): Set<ArrayBufferLike> {
  const all = new Set<ArrayBufferView>();
  const seen = new Set<arrow.Data>();
  for (const b of table.batches) views(b.data, all, seen);
  const covered = new Map<ArrayBufferLike, number>();
  for (const v of all) covered.set(v.buffer, (covered.get(v.buffer) ?? 0) + v.byteLength);
  const movable = new Set<ArrayBufferLike>();
  for (const [buffer, bytes] of covered) if (bytes * 2 >= buffer.byteLength) movable.add(buffer);
  return movable;
}

/**
 * A table ready to post to another thread, and the buffers to transfer with it.
 *
 * @example
 * const { shipped, transfer } = shipTable(table, 'move');
 * port.postMessage(shipped, transfer);
 */
export function shipTable(table: arrow.Table, mode: ShipMode): { shipped: ShippedTable; transfer: ArrayBuffer[] } {
  const shipper = new Shipper(mode, mode === 'move' ? movableBuffers(table) : new Set());
  const batches = table.batches.map((batch) => ({ length: batch.numRows, columns: (batch.data.children ?? []).map((child) => shipper.data(child)) }));
  // The schema is shipped as a copy: it is small and may be cached on this side.
  return { shipped: { schema: encodeSchema(table.schema).slice(), batches }, transfer: [...shipper.transfer] };
}

/** Rebuilds shipped data; `dictionaries` keeps a dictionary shipped once shared by the chunks that had it. */
function rebuild(type: arrow.DataType, s: ShippedData, dictionaries: Map<ShippedData[], arrow.Vector>): arrow.Data {
  const children = s.children.map((c, i) => rebuild((type.children[i] as arrow.Field).type, c, dictionaries));
  let dictionary: arrow.Vector | undefined;
  if (s.dictionary !== undefined) {
    dictionary = dictionaries.get(s.dictionary);
    if (dictionary === undefined) {
      const valueType = (type as arrow.Dictionary).dictionary;
      dictionary = new arrow.Vector(s.dictionary.map((d) => rebuild(valueType, d, dictionaries)));
      dictionaries.set(s.dictionary, dictionary);
    }
  }
  const buffers = s.buffers as unknown as Partial<arrow.Data['buffers']>;
  return new arrow.Data(type, s.offset, s.length, s.nullCount, buffers, children, dictionary);
}

/** The table a `shipTable` made, over the same buffers. */
export function unshipTable(shipped: ShippedTable): arrow.Table {
  const schema = decodeSchema(shipped.schema);
  const struct = new arrow.Struct(schema.fields);
  const dictionaries = new Map<ShippedData[], arrow.Vector>();
  const batches = shipped.batches.map(({ length, columns }) => {
    const children = columns.map((c, i) => rebuild(schema.fields[i]!.type, c, dictionaries));
    return new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length, nullCount: 0, children }));
  });
  return new arrow.Table(schema, batches);
}

/**
 * `table`, with the views of buffers it covers less than half of copied (the rest kept as they
 * are): what a task's result on the main thread needs, so that a few filtered rows do not keep a
 * whole decoded row group alive, as `shipTable('move')` does for a worker's result.
 *
 * @example
 * const kept = compactTable(filtered); // the decoded IPC stream behind `filtered` can be freed
 */
export function compactTable(table: arrow.Table): arrow.Table {
  const all = new Set<ArrayBufferView>();
  const seen = new Set<arrow.Data>();
  for (const b of table.batches) views(b.data, all, seen);
  const movable = movableBuffers(table);
  for (const v of all) {
    if (!(v.buffer instanceof SharedArrayBuffer) && !movable.has(v.buffer)) return unshipTable(shipTable(table, 'move').shipped);
  }
  return table;
}

/**
 * A copy of `table` whose buffers live in shared memory, so that every worker thread can read
 * it without a copy (what `persist()` and in-memory sources keep).
 */
export function shareTable(table: arrow.Table): arrow.Table {
  const shareView = (view: ArrayBufferView): ArrayBufferView => {
    if (view.buffer instanceof SharedArrayBuffer) return view;
    const sab = new SharedArrayBuffer(view.byteLength);
    new Uint8Array(sab).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    const ctor = view.constructor as new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
    const width = (view as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
    return new ctor(sab, 0, view.byteLength / width);
  };
  // A dictionary shared by several chunks stays shared (and is copied once).
  const dictionaries = new Map<arrow.Vector, arrow.Vector>();
  const share = (data: arrow.Data): arrow.Data => {
    const raw = [data.valueOffsets, data.values, data.nullBitmap, data.typeIds] as (ArrayBufferView | undefined)[];
    const buffers = raw.map((b) => (b === undefined || b === null ? undefined : shareView(b))) as unknown as Partial<arrow.Data['buffers']>;
    let dictionary: arrow.Vector | undefined;
    if (data.dictionary !== undefined) {
      dictionary = dictionaries.get(data.dictionary);
      if (dictionary === undefined) {
        dictionary = new arrow.Vector(data.dictionary.data.map(share));
        dictionaries.set(data.dictionary, dictionary);
      }
    }
    return new arrow.Data(data.type, data.offset, data.length, data.nullCount, buffers, (data.children ?? []).map(share), dictionary);
  };
  const batches = table.batches.map((b) => new arrow.RecordBatch(table.schema, share(b.data) as arrow.Data<arrow.Struct>));
  return new arrow.Table(table.schema, batches);
}
