/**
 * The DataFrame façade: lazy and partitioned. Each method checks its arguments against the
 * schema (so mistakes surface at the call, before any data is read) and returns a new frame
 * over a bigger logical plan; `compute()` and friends run it. The verbs live in ./verbs, the
 * sources in ./sources; this class only delegates.
 */
import type * as arrow from 'apache-arrow';
import { csvPartitionCount } from '../io/csv/csv-dataset.js';
import { scanBlocksize } from '../sched/blocksize.js';
import { planParquetPieces } from '../io/parquet/parquet-dataset.js';
import { shareTable } from '../exec/ship-table.js';
import { emptyTable } from '../exec/run-stage.js';
import type { Expr, ExprLike } from '../plan/expr.js';
import { isHeldPartition, type HeldPartition, type PlanNode } from '../plan/logical-plan.js';
import { Client } from '../client.js';
import { computePartitions, computePlan, physicalPlan, type ComputeOptions } from './compute-plan.js';
import { describe } from './describe.js';
import { explainStages } from './explain.js';
import { GroupBy, type GroupByOptions } from './group-by.js';
import { heldScan, memoryScan } from './sources/memory-scan.js';
import { toCsv, toParquet, type ToParquetOptions } from './to-parquet.js';
import { persistPlan, PERSISTED } from './persist.js';
import { aggregateNode, aggSpecs, type AggSpecInput } from './verbs/aggregate.js';
import { dropDuplicates, type DropDuplicatesOptions } from './verbs/drop-duplicates.js';
import { mapPartitions, type MapMeta, type PartitionFunction } from './verbs/map-partitions.js';
import { merge, type MergeOptions } from './verbs/merge.js';
import { repartition, type RepartitionOptions } from './verbs/repartition.js';
import { sortValues, type SortValuesOptions } from './verbs/sort-values.js';
import { filter } from './verbs/filter.js';
import { assign, drop, rename, select } from './verbs/project.js';
import { checkColumn } from './verbs/schema-of.js';
import { DuskError } from '../errors.js';


function partitions(plan: PlanNode): number {
  switch (plan.kind) {
    case 'scan': {
      const s = plan.source;
      if (s.kind === 'memory') return s.tables.length;
      // As the client open now would read it (a scan's default block size follows its memory limit).
      const blocksize = scanBlocksize(s.blocksize, Client.current()?.blockBudget() ?? null);
      if (s.kind === 'csv') return csvPartitionCount({ ...s.dataset, blocksize });
      return planParquetPieces(s.dataset, { columns: plan.columns, predicate: plan.predicate, blocksize }).pieces.length;
    }
    case 'aggregate':
      return 1;
    case 'join':
      // Known only once the sides are computed: a broadcast keeps the large side's partitions,
      // a hash shuffle makes at least as many buckets (more for large sides). This is the estimate.
      return Math.max(partitions(plan.left), partitions(plan.right));
    case 'repartition':
      return 'npartitions' in plan.target ? plan.target.npartitions : partitions(plan.input);
    default:
      return partitions(plan.input);
  }
}

/**
 * A lazy, partitioned table. Build one with `readParquet`, `readCsv`, `fromArrow` or
 * `fromArrays`; nothing runs until `compute()`, `head()`, `count()`, `describe()`,
 * `persist()` or a writer.
 *
 * @example
 * const out = await readParquet('data/*.parquet')
 *   .filter(col('v1').gt(2))
 *   .groupBy('id1').agg({ v1: 'sum', v3: ['mean', 'std'] })
 *   .compute();
 */
export class DataFrame {
  /** @internal Use the sources (readParquet, readCsv, fromArrow, fromArrays). */
  constructor(readonly plan: PlanNode) {}

  private make(plan: PlanNode): DataFrame {
    return new DataFrame(plan);
  }

  get columns(): string[] { return this.plan.schema.fields.map((f) => f.name); }
  get schema(): arrow.Schema { return this.plan.schema; }
  /** Partitions the frame computes in (before any filter). */
  get npartitions(): number { return partitions(this.plan); }

  /** Columns by name, or expressions named with `alias`. */
  select(...columns: (string | Expr)[]): DataFrame { return this.make(select(this.plan, columns.flat())); }
  drop(...columns: string[]): DataFrame { return this.make(drop(this.plan, columns.flat())); }
  rename(mapping: Readonly<Record<string, string>>): DataFrame { return this.make(rename(this.plan, mapping)); }
  /** Rows where `predicate` is true (null counts as false). */
  filter(predicate: ExprLike): DataFrame { return this.make(filter(this.plan, predicate)); }
  /** Adds or replaces columns: `{ total: col('q').mul(col('p')) }`. */
  assign(columns: Readonly<Record<string, ExprLike>>): DataFrame { return this.make(assign(this.plan, columns)); }

  /** Groups by one or more key columns; null keys form their own group. */
  groupBy(keys: string | readonly string[], options: GroupByOptions = {}): GroupBy {
    return new GroupBy(this.plan, typeof keys === 'string' ? [keys] : [...keys], options, (p) => this.make(p));
  }

  /** A one-row frame of whole-frame aggregates: `{ v3: ['sum', 'mean'] }`. */
  agg(spec: AggSpecInput): DataFrame {
    return this.make(aggregateNode(this.plan, [], aggSpecs(this.plan, spec, 'agg'), [], 'agg'));
  }

  /** Rows per distinct value of `column` (nulls too), as columns `column` and `count`, most frequent first. */
  valueCounts(column: string): DataFrame {
    checkColumn(this.plan, column, 'valueCounts');
    if (column === 'count') throw new DuskError('BAD_COLUMN', "valueCounts: a column named 'count' would clash with the counts; rename it first");
    return this.make(aggregateNode(this.plan, [column], [{ fn: 'size', column: null, name: 'count' }],
      [{ column: 'count', descending: true }, { column, descending: false }], 'valueCounts'));
  }

  /**
   * Joins with `other` on key columns: `how` is inner (default), left, right, outer, semi or
   * anti; null keys never match. A small side is broadcast to every partition of the other,
   * otherwise both sides are split by key hash (spilling through the memory manager).
   *
   * @example
   * const enriched = orders.merge(customers, { on: 'customer_id', how: 'left' });
   * const fresh = incoming.merge(existing, { leftOn: 'email', rightOn: 'mail', how: 'anti' });
   */
  merge(other: DataFrame, options: MergeOptions): DataFrame { return this.make(merge(this.plan, other.plan, options)); }

  /**
   * One row per distinct `subset` (default: every column), keeping the first, the last, or
   * (false) none of the rows of a repeated key; rows stay in their order.
   *
   * @example
   * const people = contacts.dropDuplicates({ subset: ['email'], keep: 'last' });
   */
  dropDuplicates(options: DropDuplicatesOptions = {}): DataFrame { return this.make(dropDuplicates(this.plan, options)); }

  /**
   * Sorts the rows by one or several columns across partitions, stable; nulls last unless
   * `nullsLast: false`, NaN above +Infinity.
   *
   * @example
   * const top = await df.sortValues(['region', 'amount'], { ascending: [true, false] }).head(10);
   */
  sortValues(by: string | string[], options: SortValuesOptions = {}): DataFrame { return this.make(sortValues(this.plan, by, options)); }

  /**
   * The same rows in order, in `npartitions` partitions or partitions of about `partitionSize` bytes.
   *
   * @example
   * const even = df.repartition({ npartitions: 8 });
   */
  repartition(options: RepartitionOptions): DataFrame { return this.make(repartition(this.plan, options)); }

  /**
   * Runs `fn(batch, index, { arrow })` on each partition in the worker threads (it may be async).
   * It is shipped as source text, so it must not use variables from its surroundings. The output
   * columns come from `meta`, or from running `fn` on an empty partition.
   *
   * @example
   * const tagged = df.mapPartitions((batch, i, { arrow }) => batch.select(['id']), { meta: { id: 'int64' } });
   */
  mapPartitions(fn: PartitionFunction, options: { meta?: MapMeta } = {}): DataFrame { return this.make(mapPartitions(this.plan, fn, options)); }

  /** The first `n` rows; reads partitions in order only until it has them. */
  async head(n = 5): Promise<arrow.Table> {
    if (!Number.isInteger(n) || n < 0) throw new DuskError('BAD_OPTION', `head: n must be a non-negative integer, not ${n}`);
    return computePlan({ kind: 'head', input: this.plan, n, schema: this.plan.schema });
  }

  /** Number of rows. */
  async count(): Promise<number> {
    const plan = this.plan;
    if (plan.kind === 'scan' && plan.predicate === null && plan.source.kind === 'memory') {
      return plan.source.tables.reduce((n, p) => n + (isHeldPartition(p) ? p.rows : p.numRows), 0);
    }
    if (plan.kind === 'scan' && plan.predicate === null && plan.source.kind === 'parquet') {
      return plan.source.dataset.fileRowGroups.flat().reduce((n, g) => n + g.rows, 0);
    }
    const table = await computePlan(aggregateNode(plan, [], [{ fn: 'size', column: null, name: 'count' }], [], 'count'));
    return Number(table.getChild('count')!.get(0));
  }

  /** count, mean, std, min, 25%, 50%, 75%, max of each numeric column. */
  describe(): Promise<arrow.Table> { return describe(this.plan); }

  /**
   * Computes the partitions and hands them, in shared memory, to the client's memory manager,
   * which keeps them under `memoryLimit` by spilling the least recently used to `spillDir`; the
   * returned frame reads them from there (back from disk when needed). They stay until
   * `unpersist()` or `client.close()`. Options as `compute`.
   *
   * @example
   * const hot = await readParquet('data/*.parquet').filter(col('v').gt(0)).persist();
   * await hot.groupBy('k').sum('v').compute(); await hot.count();
   * await hot.unpersist();
   */
  async persist(options: ComputeOptions = {}): Promise<DataFrame> {
    return new DataFrame(await persistPlan(this.plan, await Client.currentOrDefault(), options));
  }

  /**
   * Frees what `persist()` kept, in memory and on disk; this frame can no longer be computed
   * (a PlanError UNPERSISTED says so). On a frame that was not persisted it does nothing.
   *
   * @example
   * const p = await df.persist(); await p.count(); await p.unpersist();
   */
  async unpersist(): Promise<void> {
    const plan = this.plan;
    if (plan.kind !== 'scan' || plan.source.kind !== 'memory' || plan.source.label !== PERSISTED) return;
    for (const p of plan.source.tables) if (isHeldPartition(p)) p.memory.discard(p.key);
    plan.source.tables.length = 0;
  }

  /**
   * Runs the plan and returns the whole result as one Arrow table. `retries` overrides the
   * client's for this call; `progress` draws a progress bar.
   *
   * @example
   * const table = await df.groupBy('k').sum('v').compute({ retries: 3 });
   */
  compute(options: ComputeOptions = {}): Promise<arrow.Table> { return computePlan(this.plan, options); }

  toParquet(dir: string, options: ToParquetOptions = {}): Promise<void> { return toParquet(this.plan, dir, options); }
  /** One CSV file per partition; `*` in the path becomes the zero-padded partition number. */
  toCsv(pattern: string): Promise<void> { return toCsv(this.plan, pattern); }

  /** The optimized plan: stages, pushed-down columns and predicates, partitions, devices. */
  explain(): string {
    const client = Client.current();
    return explainStages(physicalPlan(this.plan, client), client?.blockBudget() ?? null);
  }
}
