/**
 * The logical plan: what a DataFrame means, as a tree of small immutable nodes. The façade builds
 * these (checking names and types as it goes, so errors surface at the call that caused them);
 * the optimizer rewrites them (src/plan/optimize); lowering turns them into stages of
 * per-partition tasks. Every node carries its output schema.
 */
import * as arrow from 'apache-arrow';
import type { AggFn } from '../cpu/kernels/group-by.js';
import type { JoinHow } from '../cpu/kernels/key-words.js';
import type { ShippedFunction } from '../exec/ship-function.js';
import type { CsvDataset } from '../io/csv/csv-dataset.js';
import type { ParquetDataset } from '../io/parquet/parquet-dataset.js';
import type { MemoryManager } from '../sched/memory-manager.js';
import type { Expr } from './expr.js';

/** Where a scan's partitions come from. */
export type Source =
  // blocksize null: the default, which follows the memory limit of the client that runs the scan (sched/blocksize.ts).
  | { kind: 'parquet'; dataset: ParquetDataset; blocksize: number | null; label: string }
  | { kind: 'csv'; dataset: CsvDataset; blocksize: number | null; label: string }
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

/** `merge`: rows of two frames paired by equal keys (null keys never match). */
export interface JoinNode {
  kind: 'join';
  left: PlanNode;
  right: PlanNode;
  how: JoinHow;
  leftOn: string[];
  rightOn: string[];
  suffixes: [string, string];
  /** Broadcast the small side (true), never (false), or decide by its size (null). */
  broadcast: boolean | null;
  schema: arrow.Schema;
}

/** `dropDuplicates`: one row per distinct `subset` (or none of a repeated key with keep: false), in row order. */
export interface DistinctNode {
  kind: 'distinct';
  input: PlanNode;
  subset: string[];
  keep: 'first' | 'last' | false;
  schema: arrow.Schema;
}

export interface SortKey {
  column: string;
  descending: boolean;
}

/** `sortValues`: rows in the order of `by`, stable, across partitions. */
export interface SortNode {
  kind: 'sort';
  input: PlanNode;
  by: SortKey[];
  nullsLast: boolean;
  schema: arrow.Schema;
}

/** `repartition`: the same rows in order, cut into a given number or size of partitions. */
export interface RepartitionNode {
  kind: 'repartition';
  input: PlanNode;
  target: { npartitions: number } | { partitionSize: number };
  schema: arrow.Schema;
}

/** `mapPartitions`: a user function over each partition, shipped to the workers as source text. */
export interface MapPartitionsNode {
  kind: 'mapPartitions';
  input: PlanNode;
  fn: ShippedFunction;
  schema: arrow.Schema;
}

export type PlanNode = ScanNode | ProjectNode | FilterNode | AggregateNode | HeadNode
  | JoinNode | DistinctNode | SortNode | RepartitionNode | MapPartitionsNode;

/** The nodes with one input. */
export type UnaryNode = Exclude<PlanNode, ScanNode | JoinNode>;

/** The inputs of a node (none for a scan, two for a join). */
export function planInputs(node: PlanNode): PlanNode[] {
  switch (node.kind) {
    case 'scan':
      return [];
    case 'join':
      return [node.left, node.right];
    default:
      return [node.input];
  }
}

/** `node` with a new input, keeping everything else. */
export function withInput<N extends UnaryNode>(node: N, input: PlanNode): N {
  return { ...node, input };
}

/** `node` over new inputs (as many as `planInputs` gives), keeping everything else. */
export function withInputs(node: PlanNode, inputs: readonly PlanNode[]): PlanNode {
  switch (node.kind) {
    case 'scan':
      return node;
    case 'join':
      return { ...node, left: inputs[0]!, right: inputs[1]! };
    default:
      return withInput(node, inputs[0]!);
  }
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
    case 'join':
      line = `Join ${node.how} on [${node.leftOn.map((k, i) => (k === node.rightOn[i] ? k : `${k}=${node.rightOn[i]}`)).join(', ')}]`;
      break;
    case 'distinct':
      line = `DropDuplicates subset=[${node.subset.join(', ')}] keep=${node.keep}`;
      break;
    case 'sort':
      line = `Sort by=[${node.by.map((k) => `${k.column}${k.descending ? ' desc' : ''}`).join(', ')}]${node.nullsLast ? '' : ' nulls first'}`;
      break;
    case 'repartition':
      line = `Repartition ${'npartitions' in node.target ? `npartitions=${node.target.npartitions}` : `partitionSize=${node.target.partitionSize}`}`;
      break;
    case 'mapPartitions':
      line = `MapPartitions ${node.fn.name}`;
      break;
  }
  return [pad + line, ...planInputs(node).flatMap((i) => planLines(i, depth + 1))];
}
