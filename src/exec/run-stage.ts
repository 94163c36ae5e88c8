/**
 * Runs a physical plan (a chain of stages) and returns its output partitions. For each stage:
 * list the input partitions (Parquet pieces after row-group skipping, CSV blocks, in-memory
 * tables, persisted partitions held by a memory manager and fetched only while their task runs,
 * or the previous stage's output), run one fused task per partition with a bounded
 * number in flight, then end the stage: collect, keep the first rows, or aggregate (grouped
 * partials split into buckets by key hash in the partition tasks, each bucket merged on its own
 * when the groups are many, all at once or in a tree when they are few; or GPU reductions for
 * whole-frame numeric aggregates).
 */
import * as arrow from 'apache-arrow';
import { aggOutputType, type AggRequest } from '../cpu/kernels/group-by.js';
import { sortTable } from '../cpu/kernels/sort-table.js';
import { TaskError } from '../errors.js';
import type { ScanNode } from '../plan/logical-plan.js';
import { stageDepth, type Stage, type StageEnd } from '../plan/stage.js';
import { reduceColumn } from '../reduce/reduce-column.js';
import type { ReduceOp } from '../reduce/reduce-partial.js';
import { runAll, runMerge, runPartition, unshipTableLike, type ExecContext, type TaskDevice, type TaskEvent } from './executor.js';
import { gpuPartial } from './gpu-aggregate.js';
import { gpuCollect } from './gpu-collect.js';
import type { ShippablePartial } from './merge-task.js';
import type { PartitionTask, ReadSpec, TaskEnd, TaskOutput } from './partition-task.js';
import { planScan, readBytes, readSchema, withRead, type StageRead } from './stage-reads.js';
import { placedRun } from './placed-run.js';
import { concatTables, emptyTable } from './concat-tables.js';
import { runShuffleInput, shuffleOperator } from './shuffle/run-shuffle.js';
import { encodeSchema } from './ship-table.js';
import { shuffleSchema } from '../plan/shuffle-schema.js';

export { planScan, readColumns, type ScanPlan, type StageRead } from './stage-reads.js';
export { concatTables, emptyTable } from './concat-tables.js';

/** Groups in one partition's partial above which the merge is split into buckets. */
export const SPLIT_GROUPS = 1 << 16;
/** Partials merged by one merge task. */
const FAN_IN = 8;

/** Reports finished tasks of one kind in one step of a stage, counting them. */
export function taskReporter(ctx: ExecContext, stage: number, total: number, kind: TaskEvent['kind']): (partition: number, operator: string, device: TaskDevice, started: number) => void {
  let done = 0;
  return (partition, operator, device, started) => ctx.onTask?.({ stage, partition, device, operator, ms: performance.now() - started, done: ++done, total, kind });
}

/** Output partitions of a stage's input. */
async function inputReads(stage: Stage, ctx: ExecContext, stageIndex: number): Promise<{ reads: StageRead[]; scan: ScanNode | null; inFlight: number }> {
  if (stage.input.kind === 'scan') {
    const { reads, inFlight } = await planScan(stage.input.scan, ctx);
    return { reads, scan: stage.input.scan, inFlight };
  }
  const tables = stage.input.kind === 'shuffle'
    ? await runShuffleInput(stage.input.shuffle, ctx, stageIndex)
    : await runStages(stage.input.stage, ctx, stageIndex - 1);
  return { reads: tables.map((table) => ({ kind: 'table', table })), scan: null, inFlight: ctx.workers * 2 };
}

function stageOperator(stage: Stage): string {
  const end = stage.end.kind === 'aggregate' ? (stage.end.keys.length > 0 ? 'groupBy' : 'agg') : stage.end.kind;
  const ops = stage.ops.map((o) => o.kind);
  const from = stage.input.kind === 'scan' ? `read${stage.input.scan.source.kind[0]!.toUpperCase()}${stage.input.scan.source.kind.slice(1)}`
    : stage.input.kind === 'shuffle' ? shuffleOperator(stage.input.shuffle) : 'stage';
  return [from, ...ops, end].join('→');
}

function task(read: ReadSpec, scan: ScanNode | null, stage: Stage, end: TaskEnd, inputColumns: string[], partition: number): PartitionTask {
  // A schema is posted as its IPC bytes (an arrow.Schema does not survive structured cloning).
  const ops = stage.ops.map((op) => (op.kind === 'mapPartitions' ? { ...op, schema: encodeSchema(op.schema) } : op));
  return { read, predicate: scan?.predicate ?? null, columns: scan?.columns ?? inputColumns, ops, end, partition };
}

/** The columns of a stage's input partitions (not for scans, whose tasks name their columns). */
function inputSchema(stage: Stage): arrow.Schema {
  switch (stage.input.kind) {
    case 'scan':
      return readSchema(stage.input.scan);
    case 'stage':
      return stage.input.stage.schema;
    case 'shuffle':
      return shuffleSchema(stage.input.shuffle);
  }
}

/** Takes the collected partition `partition` of the last stage as its task finishes (see runStages). */
export type PartitionSink = (partition: number, table: arrow.Table) => void | Promise<void>;

/**
 * Runs `stage` (after the stages it reads) and returns its output partitions. With `sink`, a
 * collecting stage hands each partition to it as its task finishes and returns none, so they
 * never all wait in memory together (a sink that throws fails the computation).
 */
export async function runStages(stage: Stage, ctx: ExecContext, stageIndex = stageDepth(stage), sink?: PartitionSink): Promise<arrow.Table[]> {
  // Reads in flight follow the memory limit (fewer than the workers take when blocks are large).
  const { reads, scan, inFlight } = await inputReads(stage, ctx, stageIndex);
  const operator = stageOperator(stage);
  const inputColumns = stage.input.kind === 'scan' ? [] : inputSchema(stage).fields.map((f) => f.name);
  const end = stage.end;
  const reported = taskReporter(ctx, stageIndex, reads.length, 'partition');
  const report = (i: number, device: TaskDevice, started: number): void => reported(i, operator, device, started);
  switch (end.kind) {
    case 'collect': {
      const gpuPlan = end.gpuPlan;
      // Nothing to do to partitions already computed (a shuffle's, another stage's): no round trip to the workers.
      if (gpuPlan === undefined && stage.ops.length === 0 && stage.input.kind !== 'scan') {
        const tables = reads.map((r) => {
          if (r.kind !== 'table') throw new Error(`a computed stage input is a table, not a ${r.kind} read`);
          return unshipTableLike(r.table);
        });
        if (sink === undefined) return tables;
        for (let i = 0; i < tables.length; i++) await sink(i, tables[i]!);
        return [];
      }
      const outs = await runAll(reads.length, inFlight, async (i) => {
        const started = performance.now();
        let device: TaskDevice = ctx.device;
        const table = await withRead(reads[i]!, ctx, operator, i, async (read) => {
          const cpu = async (): Promise<arrow.Table> => {
            device = ctx.device;
            return tableOf(await runPartition(task(read, scan, stage, { kind: 'table' }, inputColumns, i), ctx, operator, i));
          };
          if (gpuPlan === undefined) return cpu();
          // Placed by measured cost ('auto') or on the GPU ('gpu'). A lost device sends the
          // partition to the CPU; the device out of memory is retried.
          return placedRun(ctx, { family: 'filter', bytes: readBytes(read), operator, partition: i }, async () => {
            const r = await gpuCollect(gpuPlan, stage.schema, read, ctx, operator, i);
            if ('table' in r) {
              device = 'gpu';
              return r.table;
            }
            noteFallback(ctx, operator, i, r.unsupported);
            return cpu();
          }, cpu, () => device);
        });
        report(i, device, started);
        if (sink === undefined) return table;
        // Awaited: a sink that needs room (persist waiting on spills) holds back the next tasks.
        await sink(i, table);
        return null;
      });
      return sink === undefined ? (outs as arrow.Table[]) : [];
    }
    case 'head': {
      const outs: arrow.Table[] = [];
      let rows = 0;
      // A window of partitions at a time, in order, until enough rows are in.
      for (let start = 0; start < reads.length && rows < end.n; start += ctx.workers) {
        const window = reads.slice(start, start + ctx.workers);
        const got = await runAll(window.length, ctx.workers, async (j) => {
          const started = performance.now();
          const out = await withRead(window[j]!, ctx, operator, start + j, (read) =>
            runPartition(task(read, scan, stage, { kind: 'table' }, inputColumns, start + j), ctx, operator, start + j));
          report(start + j, ctx.device, started);
          return tableOf(out);
        });
        for (const t of got) {
          if (rows >= end.n) break;
          outs.push(t.numRows > end.n - rows ? t.slice(0, end.n - rows) : t);
          rows += Math.min(t.numRows, end.n - rows);
        }
      }
      return outs;
    }
    case 'aggregate':
      return [end.device === 'gpu' && end.gpuPlan === undefined
        ? await aggregateOnGpu(stage, end, reads, inFlight, scan, ctx, operator, inputColumns, report, stageIndex)
        : await aggregateOnCpu(stage, end, reads, inFlight, scan, ctx, operator, inputColumns, report, stageIndex)];
  }
}

/** Records a partition the GPU sent back to the CPU (the latest 100 are kept). */
function noteFallback(ctx: ExecContext, operator: string, partition: number, why: string): void {
  ctx.stats.gpuFallbacks.push(`${operator}, partition ${partition}: ${why}`);
  if (ctx.stats.gpuFallbacks.length > 100) ctx.stats.gpuFallbacks.shift();
}

function tableOf(out: TaskOutput): arrow.Table {
  if (out.kind !== 'table') throw new Error(`expected a table from the task, got ${out.kind}`);
  return out.table as arrow.Table;
}

type AggregateEnd = Extract<StageEnd, { kind: 'aggregate' }>;

function requests(end: AggregateEnd): AggRequest[] {
  return end.aggs.map((a) => ({ fn: a.fn, column: a.column }));
}

type Report = (partition: number, device: TaskDevice, started: number) => void;

async function aggregateOnCpu(
  stage: Stage, end: AggregateEnd, reads: StageRead[], inFlight: number, scan: ScanNode | null, ctx: ExecContext, operator: string,
  inputColumns: string[], report: Report, stageIndex: number,
): Promise<arrow.Table> {
  const aggs = requests(end);
  if (reads.length === 0) {
    // No partitions at all: an empty partition still gives df.agg its one row.
    reads = [{ kind: 'table', table: emptyTable(inputSchema(stage)) }];
  }
  // Grouped partials of several partitions are split into buckets by key hash in the partition
  // task itself, so each bucket merges on its own with no round trip to split them first.
  const buckets = end.keys.length > 0 && reads.length > 1 ? ctx.workers * 2 : 1;
  const partialEnd: TaskEnd = { kind: 'partial', keys: end.keys, aggs, split: buckets };
  const gpuPlan = end.device === 'gpu' ? end.gpuPlan : undefined;
  const outs = await runAll(reads.length, inFlight, async (i) => {
    const started = performance.now();
    let device: TaskDevice = ctx.device;
    const parts = await withRead(reads[i]!, ctx, operator, i, async (read) => {
      const cpuPartial = async (): Promise<ShippablePartial[]> => {
        device = ctx.device;
        const out = await runPartition(task(read, scan, stage, partialEnd, inputColumns, i), ctx, operator, i);
        if (out.kind !== 'partial') throw new Error('expected a partial aggregate');
        return out.partials;
      };
      if (gpuPlan === undefined) return cpuPartial();
      const family = end.keys.length > 0 ? 'group-by' : 'aggregate';
      return placedRun(ctx, { family, bytes: readBytes(read), operator, partition: i }, async () => {
        const r = await gpuPartial(gpuPlan, read, ctx, operator, i);
        if ('partial' in r) {
          device = 'gpu';
          return [r.partial];
        }
        // The GPU said this partition needs the CPU (explain() cannot know it ahead: it depends on the values).
        noteFallback(ctx, operator, i, r.unsupported);
        return cpuPartial();
      }, cpuPartial, () => device);
    });
    report(i, device, started);
    return parts;
  });
  return combinePartials(stage, end, outs, buckets, ctx, operator, stageIndex);
}

/**
 * Every partition's partial as `buckets` partials split by key hash: those that came back whole
 * (from the GPU) are split in a merge task.
 */
async function splitAll(outs: ShippablePartial[][], buckets: number, end: AggregateEnd, ctx: ExecContext, operator: string, stageIndex: number): Promise<ShippablePartial[][]> {
  const whole = outs.flatMap((parts, i) => (parts.length === buckets ? [] : [i]));
  if (whole.length === 0) return outs;
  const aggs = requests(end);
  const splitDone = taskReporter(ctx, stageIndex, whole.length, 'merge');
  const split = await runAll(whole.length, ctx.workers * 2, async (j) => {
    const started = performance.now();
    const i = whole[j]!;
    const out = await runMerge({ parts: outs[i]!, keys: end.keys, aggs, finalize: null, split: buckets }, ctx, `${operator}→split`, i);
    splitDone(i, `${operator}→split`, ctx.device, started);
    return out.kind === 'partials' ? out.partials : [];
  });
  const all = outs.slice();
  whole.forEach((i, j) => (all[i] = split[j]!));
  return all;
}

/**
 * Merges the partitions' partials and finalizes. Many groups (a partition with SPLIT_GROUPS or
 * more): bucket by bucket, each bucket's partials (one per partition, in partition order) in
 * one task. Fewer: every partial at once, in a tree of merges when there are many, each
 * partition's buckets side by side (a group is in the same bucket of every partition, so its
 * partials stay in partition order, which first/last depend on).
 */
async function combinePartials(
  stage: Stage, end: AggregateEnd, outs: ShippablePartial[][], buckets: number, ctx: ExecContext, operator: string, stageIndex: number,
): Promise<arrow.Table> {
  const aggs = requests(end);
  const names = end.aggs.map((a) => a.name);
  const split = await splitAll(outs, buckets, end, ctx, operator, stageIndex);
  const largest = Math.max(...split.map((parts) => parts.reduce((n, p) => n + p.groups, 0)));
  const finalize = async (parts: ShippablePartial[], b: number, done: ReturnType<typeof taskReporter>): Promise<arrow.Table> => {
    const started = performance.now();
    const out = await runMerge({ parts, keys: end.keys, aggs, finalize: names, split: 1 }, ctx, `${operator}→finalize`, b);
    done(b, `${operator}→finalize`, ctx.device, started);
    return out.kind === 'table' ? (out.table as arrow.Table) : emptyTable(stage.schema);
  };
  let tables: arrow.Table[];
  if (split.length > 1 && largest >= SPLIT_GROUPS) {
    const done = taskReporter(ctx, stageIndex, buckets, 'merge');
    tables = await runAll(buckets, ctx.workers * 2, (b) => finalize(split.map((parts) => parts[b]!), b, done));
  } else {
    // Few groups: one finalize (after a tree of merges when the partials are many).
    const fanIn = FAN_IN * buckets;
    let level = split.flat();
    while (level.length > fanIn) {
      const current = level;
      const groups = Math.ceil(current.length / fanIn);
      const levelDone = taskReporter(ctx, stageIndex, groups, 'merge');
      level = (await runAll(groups, ctx.workers * 2, async (g) => {
        const started = performance.now();
        const out = await runMerge({ parts: current.slice(g * fanIn, (g + 1) * fanIn), keys: end.keys, aggs, finalize: null, split: 1 }, ctx, `${operator}→merge`, g);
        levelDone(g, `${operator}→merge`, ctx.device, started);
        return out.kind === 'partials' ? out.partials : [];
      })).flat();
    }
    tables = [await finalize(level, 0, taskReporter(ctx, stageIndex, 1, 'merge'))];
  }
  const result = concatTables(tables, stage.schema);
  return end.orderBy.length > 0 ? sortTable(result, end.orderBy) : result;
}

const REDUCE_OF: Record<string, ReduceOp> = { count: 'count', sum: 'sum', mean: 'mean', min: 'min', max: 'max', var: 'var', std: 'std' };

async function aggregateOnGpu(
  stage: Stage, end: AggregateEnd, reads: StageRead[], inFlight: number, scan: ScanNode | null, ctx: ExecContext, operator: string,
  inputColumns: string[], report: Report, stageIndex: number,
): Promise<arrow.Table> {
  const tables = await runAll(reads.length, inFlight, async (i) => {
    const started = performance.now();
    const out = await withRead(reads[i]!, ctx, operator, i, (read) => runPartition(task(read, scan, stage, { kind: 'table' }, inputColumns, i), ctx, operator, i));
    report(i, ctx.device, started);
    return tableOf(out);
  });
  const input = concatTables(tables, tables[0]?.schema ?? (stage.input.kind === 'scan' ? stage.input.scan.schema : inputSchema(stage)));
  const byColumn = new Map<string, ReduceOp[]>();
  for (const a of end.aggs) byColumn.set(a.column!, [...(byColumn.get(a.column!) ?? []), REDUCE_OF[a.fn]!]);
  const values = new Map<string, Map<ReduceOp, number | bigint | null>>();
  let c = 0;
  const reduced = taskReporter(ctx, stageIndex, byColumn.size, 'reduce');
  for (const [column, ops] of byColumn) {
    const vector = input.getChild(column)!;
    const started = performance.now();
    try {
      ctx.stats.tasks.gpu++;
      const r = await reduceColumn(vector, ops, { column, device: 'gpu', gpu: ctx.gpu, pool: ctx.pool });
      values.set(column, new Map(Object.entries(r.values) as [ReduceOp, number | bigint | null][]));
    } catch (cause) {
      throw new TaskError({ operator: `${operator}(${column})`, partition: c, device: 'gpu', cause });
    }
    reduced(c, `${operator}(${column})`, 'gpu', started);
    c++;
  }
  const fields = new Map(input.schema.fields.map((f) => [f.name, f.type]));
  const columns: Record<string, arrow.Vector> = {};
  for (const a of end.aggs) {
    const v = values.get(a.column!)!.get(REDUCE_OF[a.fn]!) ?? null;
    const type = aggOutputType(a.fn, fields.get(a.column!)!);
    const value = v === null ? null : type.typeId === arrow.Type.Int && (type as arrow.Int).bitWidth === 64 ? BigInt(v) : v;
    columns[a.name] = arrow.vectorFromArray([value], type);
  }
  return concatTables([new arrow.Table(columns)], stage.schema);
}
