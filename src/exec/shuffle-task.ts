/**
 * The worker side of the shuffle layer: the tasks that move rows between partitions. A split
 * cuts one partition into pieces by key hash (joins, dropDuplicates) or by key range (sorts);
 * a bucket task gets the pieces of one bucket from every partition, in partition order, and
 * joins, sorts or finds the distinct keys of them. Like partition tasks these are plain data,
 * run in a CPU worker (tables shipped in and out) or on the main thread (scheduler 'sync').
 */
import * as arrow from 'apache-arrow';
import { distinctRows } from '../cpu/kernels/distinct-rows.js';
import { hashPartition } from '../cpu/kernels/hash-partition.js';
import { joinTables } from '../cpu/kernels/join-tables.js';
import { KeyInterner, keyEncodings, keyWords, type JoinHow } from '../cpu/kernels/key-words.js';
import { rangePartition } from '../cpu/kernels/range-partition.js';
import { sortRows } from '../cpu/kernels/sort-rows.js';
import { takeRows } from '../cpu/kernels/take-rows.js';
import { unifyDictionaries } from '../frame/unify-dictionaries.js';
import type { SortKey } from '../plan/logical-plan.js';
import { concatTables } from './concat-tables.js';
import { decodeSchema, shareTable, shipTable, unshipTable, type ShippedTable } from './ship-table.js';

type TableIn = arrow.Table | ShippedTable;

export interface JoinTaskSpec {
  how: JoinHow;
  leftOn: string[];
  rightOn: string[];
  suffixes: [string, string];
}

export type ShuffleTask =
  /** Pieces by key hash; `ids` appends `__part` (this value) and `__row` columns (dropDuplicates). */
  | { kind: 'hash-split'; table: TableIn; keys: string[]; parts: number; against: Uint8Array | null; ids: number | null }
  | { kind: 'range-split'; table: TableIn; by: SortKey[]; nullsLast: boolean; boundaries: TableIn }
  | { kind: 'join'; left: TableIn[]; right: TableIn[]; leftSchema: Uint8Array; rightSchema: Uint8Array; spec: JoinTaskSpec }
  | { kind: 'sort'; tables: TableIn[]; schema: Uint8Array; by: SortKey[]; nullsLast: boolean }
  | { kind: 'distinct'; tables: TableIn[]; schema: Uint8Array; subset: string[]; keep: 'first' | 'last' | false }
  | { kind: 'take'; table: TableIn; rows: Int32Array };

export type ShuffleOutput =
  | { kind: 'tables'; tables: TableIn[] }
  | { kind: 'table'; table: TableIn }
  | { kind: 'ids'; parts: Int32Array; rows: Int32Array };

function asTable(t: TableIn): arrow.Table {
  return t instanceof arrow.Table ? t : unshipTable(t);
}

/** The pieces of one bucket as one table, on one dictionary per string column. */
export function bucket(tables: readonly TableIn[], schema: Uint8Array | arrow.Schema): arrow.Table {
  return unifyDictionaries(concatTables(tables.map(asTable), schema instanceof Uint8Array ? decodeSchema(schema) : schema));
}

/** `table` with `__part` (all `part`) and `__row` (0, 1, ...) columns after its own, chunked alike. */
function withIds(table: arrow.Table, part: number): arrow.Table {
  const fields = [...table.schema.fields, new arrow.Field('__part', new arrow.Int32(), false), new arrow.Field('__row', new arrow.Int32(), false)];
  const schema = new arrow.Schema(fields);
  const struct = new arrow.Struct(fields);
  let start = 0;
  const batches = table.batches.map((b) => {
    const n = b.numRows;
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = start + i;
    start += n;
    const ids = [new Int32Array(n).fill(part), rows].map((data) => arrow.makeData({ type: new arrow.Int32(), length: n, nullCount: 0, data }));
    return new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: n, nullCount: 0, children: [...b.data.children, ...ids] }));
  });
  return new arrow.Table(schema, batches);
}

/** Runs a shuffle task where it is; `ship` says whether results cross threads. */
export function runShuffleTask(task: ShuffleTask, ship: boolean): { output: ShuffleOutput; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const out = (t: arrow.Table): TableIn => {
    if (!ship) return t;
    const shipped = shipTable(t, 'move');
    transfer.push(...shipped.transfer);
    return shipped.shipped;
  };
  // Pieces go to another task next: in shared memory (copied here, in parallel with the other
  // workers) the main thread posts them on without copying them itself.
  const piece = (t: arrow.Table): TableIn => out(ship ? shareTable(t) : t);
  switch (task.kind) {
    case 'hash-split': {
      let table = asTable(task.table);
      // The join's other side decides the key encodings, so equal keys of both sides meet.
      const against = task.against === null ? null : decodeSchema(task.against);
      const types = task.keys.map((k) => table.schema.fields.find((f) => f.name === k)!.type);
      const otherTypes = against === null ? types : against.fields.map((f) => f.type);
      const encodings = keyEncodings(types, otherTypes, { left: task.keys, right: against === null ? task.keys : against.fields.map((f) => f.name) });
      if (task.ids !== null) table = withIds(table, task.ids);
      return { output: { kind: 'tables', tables: hashPartition(table, task.keys, task.parts, encodings).map(piece) }, transfer };
    }
    case 'range-split':
      return { output: { kind: 'tables', tables: rangePartition(asTable(task.table), task.by, asTable(task.boundaries), task.nullsLast).map(piece) }, transfer };
    case 'join': {
      const left = bucket(task.left, task.leftSchema);
      const right = bucket(task.right, task.rightSchema);
      return { output: { kind: 'table', table: out(joinTables(left, right, task.spec)) }, transfer };
    }
    case 'sort':
      return { output: { kind: 'table', table: out(sortRows(bucket(task.tables, task.schema), task.by, task.nullsLast)) }, transfer };
    case 'distinct': {
      const table = bucket(task.tables, task.schema);
      const columns = task.subset.map((c) => table.getChild(c)!);
      const types = columns.map((c) => c.type);
      const encodings = keyEncodings(types, types, { left: task.subset, right: task.subset });
      const kept = distinctRows(keyWords(columns, encodings, new KeyInterner()), task.keep);
      const partCol = table.getChild('__part')!.toArray() as Int32Array;
      const rowCol = table.getChild('__row')!.toArray() as Int32Array;
      const parts = new Int32Array(kept.length);
      const rows = new Int32Array(kept.length);
      for (let i = 0; i < kept.length; i++) {
        parts[i] = partCol[kept[i]!]!;
        rows[i] = rowCol[kept[i]!]!;
      }
      if (ship) transfer.push(parts.buffer, rows.buffer);
      return { output: { kind: 'ids', parts, rows }, transfer };
    }
    case 'take': {
      const rows = task.rows;
      return { output: { kind: 'table', table: out(takeRows(asTable(task.table), rows)) }, transfer };
    }
  }
}
