import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { compactTable, shareTable, shipTable, unshipTable, type ShipMode } from '../../src/exec/ship-table.js';

function sample(): arrow.Table {
  const dict = arrow.vectorFromArray(['a', 'b', null, 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
  return new arrow.Table({
    i: arrow.vectorFromArray([1, 2, null, 4], new arrow.Int32()),
    big: arrow.vectorFromArray([1n, -(2n ** 63n), 2n ** 63n - 1n, null], new arrow.Int64()),
    f: arrow.vectorFromArray([1.5, NaN, -0, null], new arrow.Float64()),
    b: arrow.vectorFromArray([true, null, false, true], new arrow.Bool()),
    s: arrow.vectorFromArray(['x', null, '', 'zz€'], new arrow.Utf8()),
    d: dict,
    t: arrow.vectorFromArray([new Date(0), null, new Date(86400000), new Date(1e12)], new arrow.TimestampMillisecond()),
  });
}

function rows(table: arrow.Table): unknown[] {
  return table.toArray().map((r) => JSON.stringify(r.toJSON(), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v)));
}

describe('shipTable', () => {
  it("'move' copies views of a buffer the table uses less than half of, and moves buffers it fills", () => {
    // A few values of a large buffer, like a dictionary decoded out of a whole row group's IPC stream.
    const large = new ArrayBuffer(1 << 20);
    const few = new Float64Array(large, 4096, 4);
    few.set([1, 2, 3, 4]);
    const full = new Int32Array([5, 6, 7, 8]);
    const table = new arrow.Table({
      few: arrow.makeVector(few),
      full: arrow.makeVector(full),
    });
    const { shipped, transfer } = shipTable(table, 'move');
    expect(transfer).not.toContain(large);
    expect(transfer).toContain(full.buffer);
    const back = unshipTable(structuredClone(shipped, { transfer }));
    expect(Array.from(back.getChild('few')!.toArray() as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(back.getChild('full')!.toArray() as Int32Array)).toEqual([5, 6, 7, 8]);
    expect(large.byteLength).toBe(1 << 20); // not detached: it stays with the sender
    expect(full.buffer.byteLength).toBe(0); // detached: moved
  });

  for (const mode of ['move', 'copy', 'share'] as ShipMode[]) {
    it(`round-trips every column type through structured clone (${mode})`, () => {
      const table = sample();
      const expected = rows(table);
      const { shipped, transfer } = shipTable(mode === 'share' ? shareTable(table) : table, mode);
      const back = unshipTable(structuredClone(shipped, { transfer }));
      expect(rows(back)).toEqual(expected);
      expect(back.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    });
  }

  it('keeps the sender\'s table intact in copy mode and detaches nothing shared', () => {
    const table = sample();
    const before = rows(table);
    const { shipped, transfer } = shipTable(table, 'copy');
    structuredClone(shipped, { transfer });
    expect(rows(table)).toEqual(before);
    const shared = shareTable(table);
    const moved = shipTable(shared, 'move');
    expect(moved.transfer).toEqual([]);
  });

  it('ships slices, several batches and empty tables', () => {
    const table = sample();
    const two = new arrow.Table([...table.slice(0, 1).batches, ...table.slice(1).batches]);
    const back = unshipTable(structuredClone(shipTable(two.slice(1, 3), 'copy').shipped));
    expect(rows(back)).toEqual(rows(table.slice(1, 3)));
    const empty = unshipTable(structuredClone(shipTable(table.slice(0, 0), 'copy').shipped));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.names).toEqual(table.schema.names);
  });

  it('shareTable puts every buffer in shared memory', () => {
    const shared = shareTable(sample());
    for (const batch of shared.batches) {
      for (const child of batch.data.children) {
        expect(child.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      }
    }
    expect(rows(shared)).toEqual(rows(sample()));
  });
});

describe('shipTable without columns', () => {
  it('keeps the row count of a table with no columns', () => {
    const schema = new arrow.Schema([]);
    const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct([]), length: 42, nullCount: 0, children: [] }));
    const back = unshipTable(structuredClone(shipTable(new arrow.Table(schema, [batch]), 'move').shipped));
    expect(back.numRows).toBe(42);
  });
});

describe('dictionaries shared by chunks', () => {
  it('stay shared (one Vector) through shareTable and through shipping across a structured clone', () => {
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const dictionary = arrow.vectorFromArray(['a', 'b', 'c'], new arrow.Utf8());
    const chunk = (codes: number[]) => arrow.makeData({ type, length: codes.length, data: Int32Array.from(codes), dictionary });
    const table = new arrow.Table({ k: new arrow.Vector([chunk([0, 1]), chunk([2, 2, 0])]) });
    const dictsOf = (t: arrow.Table) => new Set(t.batches.map((b) => b.data.children[0]!.dictionary));
    const shared = shareTable(table);
    expect(dictsOf(shared).size).toBe(1);
    for (const mode of ['copy', 'share'] as ShipMode[]) {
      const { shipped } = shipTable(shared, mode);
      const back = unshipTable(structuredClone(shipped));
      expect(dictsOf(back).size, mode).toBe(1);
      expect(back.getChild('k')!.toArray()).toEqual(['a', 'b', 'c', 'c', 'a']);
    }
  });
});

describe('compactTable', () => {
  it('copies the views of buffers it covers less than half of, keeps the rest, and keeps the values', () => {
    const big = new Float64Array(10_000).map((_, i) => i * 0.5);
    const dense = new Int32Array(10).map((_, i) => i);
    const few = new arrow.Table({ v: arrow.makeVector(big.subarray(100, 110)), d: arrow.makeVector(dense) });
    const kept = compactTable(few);
    const v = kept.getChild('v')!.data[0]!.values as Float64Array;
    expect(v.buffer).not.toBe(big.buffer);
    expect(v.buffer.byteLength).toBe(80);
    expect(kept.getChild('d')!.data[0]!.values.buffer).toBe(dense.buffer);
    expect(kept.getChild('v')!.toArray()).toEqual(big.slice(100, 110));
    expect(kept.getChild('d')!.toArray()).toEqual(dense);
  });

  it('returns the table itself when every buffer is dense or shared', () => {
    const table = new arrow.Table({ v: arrow.makeVector(new Float64Array(8).fill(1)) });
    expect(compactTable(table)).toBe(table);
    const shared = shareTable(new arrow.Table({ v: arrow.makeVector(new Float64Array(1000).fill(2)) })).slice(0, 3);
    expect(compactTable(shared)).toBe(shared);
  });
});
