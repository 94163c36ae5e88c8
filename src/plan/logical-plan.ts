/**
 * The logical plan: what a DataFrame means, as a tree of small immutable nodes. The façade builds
 * these (checking names and types as it goes, so errors surface at the call that caused them);
 * the optimizer rewrites them (src/plan/optimize); lowering turns them into stages of
 * per-partition tasks. Every node carries its output schema.
 */
import * as arrow from 'apache-arrow';
import type { AggFn } from '../cpu/kernels/group-by.js';
import type { CsvDataset } from '../io/csv/csv-dataset.js';
import type { ParquetDataset } from '../io/parquet/parquet-dataset.js';
import type { MemoryManager } from '../sched/memory-manager.js';
import type { Expr } from './expr.js';

/** Where a scan's partitions come from. */
export type Source =
  | { kind: 'parquet'; dataset: ParquetDataset; blocksize: number; label: string }
  | { kind: 'csv'; dataset: CsvDataset; label: string }
  | { kind: 'memory'; tables: MemoryPartition[]; schema: arrow.Schema; label: string };

/**
 * One partition of a memory source: a table of the user's (fromArrow, fromArrays), or a table
 * that persist() handed to a client's memory manager, which may spill it to disk between
 * queries. A scan reads a held partition by key (pin, get, unpin around its task), so the
 * plan never keeps the table itself alive.
 */
export type MemoryPartition = arrow.Table | HeldPartition;

/** A partition kept in a memory manager under `key` (see MemoryPartition). */
export interface HeldPartition {
  kind: 'held';
  key: string;
  /** Rows of the table, known without reading it back (count()). */
  rows: number;
  memory: MemoryManager;
}

/**
 * Whether a memory source's partition is held in a memory manager (else it is a table).
 *
 * @example
 * const rows = source.tables.reduce((n, p) => n + (isHeldPartition(p) ? p.rows : p.numRows), 0);
 */
export function isHeldPartition(p: MemoryPartition): p is HeldPartition {
  return !(p instanceof arrow.Table);
}

export interface ScanNode {
  kind: 'scan';
  source: Source;
  /** Output columns, in order (a subset of the source's, after projection pushdown). */
  columns: string[];
  /** Rows kept: pushed down from filters; Parquet also skips row groups with it. */
  predicate: Expr | null;
  schema: arrow.Schema;
}

export interface ProjectNode {
  kind: 'project';
  input: PlanNode;
  exprs: { name: string; expr: Expr }[];
  schema: arrow.Schema;
}

export interface FilterNode {
  kind: 'filter';
  input: PlanNode;
  predicate: Expr;
  schema: arrow.Schema;
}

export interface AggSpec {
  fn: AggFn;
  /** Input column; null for `size`. */
  column: string | null;
  /** Output column name. */
  name: string;
}

export interface AggregateNode {
  kind: 'aggregate';
  input: PlanNode;
  keys: string[];
  aggs: AggSpec[];
  /** Sort the output: by the keys (`sort: true`), or by given columns (valueCounts). */
  orderBy: { column: string; descending: boolean }[];
  schema: arrow.Schema;
}

export interface HeadNode {
  kind: 'head';
  input: PlanNode;
  n: number;
  schema: arrow.Schema;
}

export type PlanNode = ScanNode | ProjectNode | FilterNode | AggregateNode | HeadNode;

/** The inputs of a node (none for a scan). */
export function planInputs(node: PlanNode): PlanNode[] {
  return node.kind === 'scan' ? [] : [node.input];
}

/** `node` with a new input, keeping everything else. */
export function withInput<N extends Exclude<PlanNode, ScanNode>>(node: N, input: PlanNode): N {
  return { ...node, input };
}

/** The source's schema restricted to `columns`, in that order. */
export function scanSchema(source: Source, columns: readonly string[]): arrow.Schema {
  const all = sourceSchema(source);
  return new arrow.Schema(columns.map((c) => all.fields.find((f) => f.name === c)!), all.metadata);
}

export function sourceSchema(source: Source): arrow.Schema {
  switch (source.kind) {
    case 'parquet':
    case 'csv':
      return source.dataset.schema;
    case 'memory':
      return source.schema;
  }
}

function exprText(e: Expr): string {
  return e.key;
}

/**
 * One line per node, indented by depth: the tree `explain()` starts from (the executor's plan
 * adds devices and partition counts).
 */
export function planLines(node: PlanNode, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  let line: string;
  switch (node.kind) {
    case 'scan':
      line = `Scan ${node.source.kind} ${node.source.label} columns=[${node.columns.join(', ')}]${node.predicate === null ? '' : ` predicate=${exprText(node.predicate)}`}`;
      break;
    case 'project':
      line = `Project ${node.exprs.map((e) => (e.expr.node.kind === 'col' && e.expr.node.name === e.name ? e.name : `${e.name}=${exprText(e.expr)}`)).join(', ')}`;
      break;
    case 'filter':
      line = `Filter ${exprText(node.predicate)}`;
      break;
    case 'aggregate':
      line = `Aggregate keys=[${node.keys.join(', ')}] aggs=[${node.aggs.map((a) => `${a.name}=${a.fn}(${a.column ?? '*'})`).join(', ')}]${node.orderBy.length > 0 ? ` orderBy=[${node.orderBy.map((o) => `${o.column}${o.descending ? ' desc' : ''}`).join(', ')}]` : ''}`;
      break;
    case 'head':
      line = `Head ${node.n}`;
      break;
  }
  return [pad + line, ...planInputs(node).flatMap((i) => planLines(i, depth + 1))];
}
