/** Tables of one schema put together without copies, and the empty table of a schema. */
import * as arrow from 'apache-arrow';

/** Concatenates partition tables into one table with `schema` (no copies). */
export function concatTables(tables: readonly arrow.Table[], schema: arrow.Schema): arrow.Table {
  const struct = new arrow.Struct(schema.fields);
  const batches: arrow.RecordBatch[] = [];
  for (const t of tables) {
    for (const b of t.batches) {
      if (b.numRows === 0 && batches.length > 0) continue;
      batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: b.numRows, nullCount: 0, children: b.data.children })));
    }
  }
  return batches.length === 0 ? emptyTable(schema) : new arrow.Table(schema, batches);
}

export function emptyTable(schema: arrow.Schema): arrow.Table {
  const children = schema.fields.map((f) => arrow.makeData({ type: f.type as arrow.Int32, length: 0, nullCount: 0 }));
  const struct = new arrow.Struct(schema.fields);
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: 0, nullCount: 0, children }))]);
}

