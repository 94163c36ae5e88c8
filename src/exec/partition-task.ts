/**
 * One task of a fused stage: read one partition, run its chain of per-partition operators
 * (filter, project, head), and end it (return the table, a partial aggregate, a row count, or
 * describe's histograms). The same function runs in a CPU worker (with tables shipped in and
 * out) and on the main thread (scheduler 'sync'). Tasks are plain data so they can be posted.
 * An aggregate without keys keeps its last filter as a mask and tallies the rows it keeps
 * (`wholeFramePartial`) instead of gathering them.
 */
import * as arrow from 'apache-arrow';
import { evalColumn } from '../cpu/kernels/eval-column.js';
import { filterTable } from '../cpu/kernels/filter-table.js';
import { partialGroupBy, splitGroupPartial, transferables, type AggRequest, type GroupPartial } from '../cpu/kernels/group-by.js';
import { wholeFramePartial } from '../cpu/kernels/group-by/whole-frame-partial.js';
import { histogram, valueRange, type HistogramSpec, type ValueRange } from '../cpu/kernels/histogram.js';
import { readCsvPiece } from '../io/csv/read-csv-piece.js';
import type { CsvDataset, CsvPiece } from '../io/csv/csv-dataset.js';
import type { ParquetPiece } from '../io/parquet/parquet-dataset.js';
import { readParquetPiece } from '../io/parquet/read-parquet-piece.js';
import { reviveExpr, type Expr, type ExprData } from '../plan/expr.js';
import { valueTypeOf } from '../plan/value-type.js';
import type { ShippablePartial } from './merge-task.js';
import { mapPartition } from './map-partition.js';
import type { ShippedFunction } from './ship-function.js';
import { compactTable, shipTable, unshipTable, type ShippedTable } from './ship-table.js';

/** Where a partition's rows come from. */
export type ReadSpec =
  | { kind: 'parquet'; piece: ParquetPiece; columns: string[] }
  | { kind: 'csv'; dataset: Pick<CsvDataset, 'columns' | 'options'>; piece: CsvPiece; columns: string[] }
  | { kind: 'table'; table: arrow.Table | ShippedTable };

/** A per-partition operator (expressions as posted data; revived on the other side). */
export type PartitionOp =
  | { kind: 'filter'; predicate: Expr | ExprData }
  | { kind: 'project'; exprs: { name: string; expr: Expr | ExprData }[] }
  | { kind: 'head'; n: number }
  | { kind: 'mapPartitions'; fn: ShippedFunction; schema: arrow.Schema | Uint8Array };

/** What a task returns. */
export type TaskEnd =
  | { kind: 'table' }
  | { kind: 'count' }
  | { kind: 'partial'; keys: string[]; aggs: AggRequest[]; split: number }
  | { kind: 'range'; columns: string[] }
  | { kind: 'histogram'; specs: HistogramSpec[] };

export interface PartitionTask {
  read: ReadSpec;
  /** Rows kept right after reading (the scan's pushed-down predicate). */
  predicate: Expr | ExprData | null;
  /** Columns the scan outputs (the read may include predicate-only columns). */
  columns: string[];
  ops: PartitionOp[];
  end: TaskEnd;
  /** The partition's index (what a mapPartitions function receives as its second argument). */
  partition?: number;
}

export type TaskOutput =
  | { kind: 'table'; table: arrow.Table | ShippedTable }
  | { kind: 'count'; rows: number }
  | { kind: 'partial'; partials: ShippablePartial[] }
  | { kind: 'range'; ranges: ValueRange[] }
  | { kind: 'histogram'; counts: Float64Array[] };

function asTable(t: arrow.Table | ShippedTable): arrow.Table {
  return t instanceof arrow.Table ? t : unshipTable(t);
}

async function read(spec: ReadSpec): Promise<arrow.Table> {
  switch (spec.kind) {
    case 'parquet':
      return readParquetPiece(spec.piece, spec.columns);
    case 'csv':
      return readCsvPiece(spec.dataset, spec.piece, spec.columns);
    case 'table':
      return asTable(spec.table);
  }
}

/** The columns of `table` named `names`, in that order (views, no copies). */
export function selectColumns(table: arrow.Table, names: readonly string[]): arrow.Table {
  if (names.length === table.schema.fields.length && names.every((n, i) => table.schema.fields[i]!.name === n)) return table;
  const fields = names.map((n) => table.schema.fields.find((f) => f.name === n)!);
  const schema = new arrow.Schema(fields, table.schema.metadata);
  const indices = names.map((n) => table.schema.fields.findIndex((f) => f.name === n));
  const struct = new arrow.Struct(fields);
  const batches = table.batches.map((b) => new arrow.RecordBatch(schema, arrow.makeData({
    type: struct, length: b.numRows, nullCount: 0, children: indices.map((i) => b.data.children[i]!),
  })));
  return new arrow.Table(schema, batches);
}

/** A table from named vectors of equal length and the same chunking. */
function tableOf(names: readonly string[], vectors: readonly arrow.Vector[], rows: number): arrow.Table {
  const fields = names.map((n, i) => new arrow.Field(n, vectors[i]!.type, true));
  const schema = new arrow.Schema(fields);
  const struct = new arrow.Struct(fields);
  if (vectors.length === 0) {
    return new arrow.Table(schema, [new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: rows, nullCount: 0, children: [] }))]);
  }
  const chunks = vectors[0]!.data.length;
  const batches: arrow.RecordBatch[] = [];
  for (let c = 0; c < chunks; c++) {
    const children = vectors.map((v) => v.data[c]!);
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: children[0]!.length, nullCount: 0, children })));
  }
  return new arrow.Table(schema, batches);
}

/** Evaluates a projection: plain column references are passed through as they are. */
export function project(table: arrow.Table, exprs: readonly { name: string; expr: Expr }[]): arrow.Table {
  const schema = new Map(table.schema.fields.map((f) => [f.name, valueTypeOf(f.type)]));
  const vectors = exprs.map(({ expr }) => {
    const inner = expr.node.kind === 'alias' ? expr.node.arg : expr;
    if (inner.node.kind === 'col') return table.getChild(inner.node.name)!;
    return evalColumn(inner, table, schema);
  });
  // evalColumn keeps the table's chunking, so the columns line up batch by batch.
  return tableOf(exprs.map((e) => e.name), vectors, table.numRows);
}

/** Keeps the rows where `predicate` is true. */
export function filter(table: arrow.Table, predicate: Expr): arrow.Table {
  if (table.numRows === 0) return table;
  return filterTable(table, evalColumn(predicate, table));
}

function head(table: arrow.Table, n: number): arrow.Table {
  return table.numRows <= n ? table : table.slice(0, n);
}

/** Whether an operator only passes columns through (it keeps the rows as they are). */
function keepsRows(op: PartitionOp): boolean {
  return op.kind === 'project' && op.exprs.every((e) => {
    const expr = reviveExpr(e.expr as ExprData);
    return (expr.node.kind === 'alias' ? expr.node.arg : expr).node.kind === 'col';
  });
}

/**
 * The filter an aggregate without keys keeps as a mask instead of gathering its rows: the last
 * filter op (the index), or the scan's predicate (-1), when only column references follow it;
 * null when there is none.
 */
function maskedFilter(task: PartitionTask): number | null {
  if (task.end.kind !== 'partial' || task.end.keys.length > 0) return null;
  let i = task.ops.length - 1;
  while (i >= 0 && keepsRows(task.ops[i]!)) i--;
  if (i >= 0) return task.ops[i]!.kind === 'filter' ? i : null;
  return task.predicate !== null ? -1 : null;
}

/** Runs a task where it is (worker or main thread); `ship` says whether results cross threads. */
export async function runPartitionTask(task: PartitionTask, ship: boolean): Promise<{ output: TaskOutput; transfer: ArrayBuffer[] }> {
  let table = await read(task.read);
  const masked = maskedFilter(task);
  // The rows a whole-frame aggregate reads (null: every row), for it to tally without a gather.
  let mask: arrow.Vector | null = null;
  if (task.predicate !== null && table.numRows > 0) {
    // The mask needs the predicate's columns; the gather only the ones the scan outputs.
    const predicateMask = evalColumn(reviveExpr(task.predicate as ExprData), table);
    if (masked === -1) {
      mask = predicateMask;
      table = selectColumns(table, task.columns);
    } else {
      table = filterTable(selectColumns(table, task.columns), predicateMask);
    }
  } else {
    table = selectColumns(table, task.columns);
  }
  for (const [i, op] of task.ops.entries()) {
    switch (op.kind) {
      case 'filter':
        if (i !== masked) table = filter(table, reviveExpr(op.predicate as ExprData));
        else if (table.numRows > 0) mask = evalColumn(reviveExpr(op.predicate as ExprData), table);
        break;
      case 'project':
        table = project(table, op.exprs.map((e) => ({ name: e.name, expr: reviveExpr(e.expr as ExprData) })));
        break;
      case 'head':
        table = head(table, op.n);
        break;
      case 'mapPartitions':
        table = await mapPartition(op.fn, table, task.partition ?? 0, op.schema);
        break;
    }
  }
  const transfer: ArrayBuffer[] = [];
  const out = (t: arrow.Table): arrow.Table | ShippedTable => {
    if (!ship) return compactTable(t);
    const shipped = shipTable(t, 'move');
    transfer.push(...shipped.transfer);
    return shipped.shipped;
  };
  const end = task.end;
  switch (end.kind) {
    case 'table':
      return { output: { kind: 'table', table: out(table) }, transfer };
    case 'count':
      return { output: { kind: 'count', rows: table.numRows }, transfer };
    case 'range':
      return { output: { kind: 'range', ranges: end.columns.map((c) => valueRange(table.getChild(c)!)) }, transfer };
    case 'histogram': {
      const counts = end.specs.map((s) => histogram(table.getChild(s.column)!, s));
      if (ship) transfer.push(...counts.map((c) => c.buffer as ArrayBuffer));
      return { output: { kind: 'histogram', counts }, transfer };
    }
    case 'partial': {
      const partial = end.keys.length === 0 ? wholeFramePartial(table, end.aggs, mask) : partialGroupBy(table, end.keys, end.aggs);
      const parts = end.split > 1 ? splitGroupPartial(partial, end.keys, end.split) : [partial];
      return { output: { kind: 'partial', partials: parts.map((p) => shipPartial(p, ship, transfer)) }, transfer };
    }
  }
}

/** A partial whose key table is shipped (when crossing threads) and its state buffers listed for transfer. */
export function shipPartial(p: GroupPartial, ship: boolean, transfer: ArrayBuffer[]): ShippablePartial {
  if (!ship) return p;
  const keys = shipTable(p.keys, 'move');
  transfer.push(...keys.transfer);
  for (const b of transferablesOf(p)) transfer.push(b);
  return { ...p, keys: keys.shipped };
}

export function unshipPartial(p: ShippablePartial): GroupPartial {
  return p.keys instanceof arrow.Table ? (p as GroupPartial) : { ...p, keys: unshipTable(p.keys) };
}

function transferablesOf(p: GroupPartial): ArrayBuffer[] {
  return transferables(p).filter((b) => !(b instanceof SharedArrayBuffer));
}
