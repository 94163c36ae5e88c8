import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { shareTable } from '../../src/exec/ship-table.js';
import { isSharedTable, tableBytes } from '../../src/sched/table-bytes.js';

const int32 = new arrow.Int32();

function tableOf(columns: Record<string, arrow.Data>): arrow.Table {
  return new arrow.Table(new arrow.RecordBatch(columns));
}

function int32Data(values: Int32Array, nullBitmap?: Uint8Array): arrow.Data<arrow.Int32> {
  return arrow.makeData({ type: int32, length: values.length, data: values, ...(nullBitmap ? { nullBitmap, nullCount: -1 } : {}) });
}

describe('tableBytes', () => {
  it('counts values and validity of a flat column', () => {
    expect(tableBytes(tableOf({ a: int32Data(new Int32Array(10)) }))).toBe(40);
    expect(tableBytes(tableOf({ a: int32Data(new Int32Array(10), new Uint8Array([0xff, 0x01])) }))).toBe(42);
    const f64 = arrow.makeData({ type: new arrow.Float64(), length: 3, data: new Float64Array(3) });
    expect(tableBytes(tableOf({ a: int32Data(new Int32Array(3)), b: f64 }))).toBe(12 + 24);
    // Booleans are bit-packed: 20 values in 3 bytes.
    const bools = arrow.makeData({ type: new arrow.Bool(), length: 20, data: new Uint8Array(3) });
    expect(tableBytes(tableOf({ b: bools }))).toBe(3);
  });

  it('counts an empty table as 0 and a table with no batches as 0', () => {
    expect(tableBytes(tableOf({ a: int32Data(new Int32Array(0)) }))).toBe(0);
    expect(tableBytes(new arrow.Table(new arrow.Schema([new arrow.Field('a', int32)])))).toBe(0);
  });

  it('counts a slice by the bytes it views, and overlapping slices once', () => {
    const table = tableOf({ a: int32Data(Int32Array.from({ length: 10 }, (_, i) => i), new Uint8Array([0xff, 0x03])) });
    // Values are cut to rows 2..4 (12 bytes); Arrow keeps the whole 2-byte validity bitmap.
    expect(tableBytes(table.slice(2, 5))).toBe(12 + 2);
    // Rows 0..4 and 3..7 overlap on 3..4: values 0..7 (32 bytes), the bitmap once.
    const both = new arrow.Table([...table.slice(0, 5).batches, ...table.slice(3, 8).batches]);
    expect(both.numRows).toBe(10);
    expect(tableBytes(both)).toBe(32 + 2);
    // Two non-adjacent slices: rows 0..1 and 8..9, 16 bytes of values.
    const apart = new arrow.Table([...table.slice(0, 2).batches, ...table.slice(8, 10).batches]);
    expect(tableBytes(apart)).toBe(16 + 2);
  });

  it('counts a variable-width slice with the whole value buffer it keeps alive', () => {
    const strings = arrow.makeData({ type: new arrow.Utf8(), length: 3, valueOffsets: Int32Array.of(0, 2, 2, 6), data: new TextEncoder().encode('abcdef') });
    const table = tableOf({ s: strings });
    expect(tableBytes(table)).toBe(16 + 6);
    // Arrow slices only the offsets (rows 1..2 need 3 offsets) and keeps all 6 value bytes.
    expect(tableBytes(table.slice(1, 3))).toBe(12 + 6);
  });

  it('counts columns that view one buffer by the union of their ranges', () => {
    // Columns of one batch must have equal lengths, else Arrow pads the short one with a bitmap.
    const buffer = new ArrayBuffer(200);
    const a = int32Data(new Int32Array(buffer, 0, 10)); // bytes 0..39
    const b = arrow.makeData({ type: new arrow.Float64(), length: 10, data: new Float64Array(buffer, 24, 10) }); // 24..103
    expect(tableBytes(tableOf({ a, b }))).toBe(104);
    const c = int32Data(new Int32Array(buffer, 160, 10)); // 160..199, apart from the rest
    expect(tableBytes(tableOf({ a, b, c }))).toBe(144);
    // The same typed array in two columns counts once.
    expect(tableBytes(tableOf({ a, again: a }))).toBe(40);
  });

  it('counts a dictionary shared by chunks once, and different dictionaries each', () => {
    const dictionary = arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: 2, valueOffsets: Int32Array.of(0, 3, 8), data: new TextEncoder().encode('redgreen') }));
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8());
    const chunk = (n: number, dict: arrow.Vector): arrow.Data => arrow.makeData({ type, length: n, data: new Int8Array(n), dictionary: dict });
    const shared = new arrow.Table([new arrow.RecordBatch({ d: chunk(4, dictionary) }), new arrow.RecordBatch({ d: chunk(6, dictionary) })]);
    expect(tableBytes(shared)).toBe(4 + 6 + (12 + 8));
    const other = arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: 1, valueOffsets: Int32Array.of(0, 4), data: new TextEncoder().encode('blue') }));
    const distinct = new arrow.Table([new arrow.RecordBatch({ d: chunk(4, dictionary) }), new arrow.RecordBatch({ d: chunk(6, other) })]);
    expect(tableBytes(distinct)).toBe(4 + 6 + (12 + 8) + (8 + 4));
  });

  it('counts nested lists and structs with their validity', () => {
    const child = int32Data(Int32Array.of(1, 2, 3, 4, 5));
    const listType = new arrow.List(new arrow.Field('item', int32, true));
    const list = arrow.makeData({ type: listType, length: 3, nullCount: -1, nullBitmap: Uint8Array.of(0b101), valueOffsets: Int32Array.of(0, 2, 2, 5), child });
    expect(tableBytes(tableOf({ l: list }))).toBe(20 + 16 + 1);
    const structType = new arrow.Struct([new arrow.Field('x', int32), new arrow.Field('l', listType)]);
    const struct = arrow.makeData({ type: structType, length: 3, nullCount: -1, nullBitmap: Uint8Array.of(0b011), children: [int32Data(Int32Array.of(7, 8, 9)), list] });
    expect(tableBytes(tableOf({ s: struct }))).toBe(1 + 12 + (20 + 16 + 1));
  });

  it('counts the value buffers of a table read from IPC, not the file around them', () => {
    const table = tableOf({ a: arrow.makeData({ type: new arrow.Float64(), length: 10, data: new Float64Array(10) }) });
    const bytes = arrow.tableToIPC(table, 'stream');
    const back = arrow.tableFromIPC(bytes);
    expect(bytes.byteLength).toBeGreaterThan(80);
    expect(tableBytes(back)).toBe(80);
  });

  it('counts shared tables the same as their originals', () => {
    const table = tableOf({ a: int32Data(new Int32Array(10), new Uint8Array(2)), b: int32Data(new Int32Array(3)) });
    expect(tableBytes(shareTable(table))).toBe(tableBytes(table));
  });
});

describe('isSharedTable', () => {
  it('is true only when every buffer is in shared memory', () => {
    const table = tableOf({ a: int32Data(new Int32Array(4)), b: int32Data(new Int32Array(2)) });
    expect(isSharedTable(table)).toBe(false);
    expect(isSharedTable(shareTable(table))).toBe(true);
    const mixed = tableOf({ a: shareTable(table).getChild('a')!.data[0]!, b: int32Data(new Int32Array(2)) });
    expect(isSharedTable(mixed)).toBe(false);
    expect(isSharedTable(tableOf({ a: int32Data(new Int32Array(0)) }))).toBe(false);
  });
});
