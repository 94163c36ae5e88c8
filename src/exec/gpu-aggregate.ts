/**
 * One partition of a grouped aggregation on the GPU (plan: src/plan/gpu-aggregate-plan.ts):
 * the partition is read on a CPU worker (Parquet and CSV decoding stay there), uploaded once,
 * one expression kernel computes the stage's combined predicate and computed columns, and the
 * hash group-by reads the predicate as a mask. What comes back is a partial in the CPU twin's
 * format, merged by the same combine step. When the GPU answers that a partition needs the CPU
 * (a value outside what its arithmetic carries exactly, say), that partition runs the CPU task.
 */
import * as arrow from 'apache-arrow';
import type { GroupPartial } from '../cpu/kernels/group-by.js';
import { DeviceError } from '../errors.js';
import { evalExprs } from '../gpu/kernels/eval-exprs.js';
import { groupByPartial } from '../gpu/kernels/group-by.js';
import { uploadTable, type GpuTable, type GpuTableColumn } from '../gpu/upload-table.js';
import type { Schema } from '../plan/expr-type.js';
import type { GpuAggregatePlan } from '../plan/gpu-aggregate-plan.js';
import { valueTypeOf } from '../plan/value-type.js';
import { runPartition, type ExecContext } from './executor.js';
import type { ShippablePartial } from './merge-task.js';
import { selectColumns, type PartitionTask, type ReadSpec } from './partition-task.js';

/** A GpuTable with extra (computed) columns in the same windows. */
function withColumns(table: GpuTable, extra: readonly GpuTableColumn[]): GpuTable {
  const columns = [...table.columns, ...extra];
  return {
    ...table,
    columns,
    column(name: string): GpuTableColumn {
      return columns.find((c) => c.name === name) ?? table.column(name);
    },
  };
}

/** The partial with its key columns renamed from device names to output names. */
function renameKeys(partial: GroupPartial, names: readonly string[]): GroupPartial {
  const keys = partial.keys;
  const fields = keys.schema.fields.map((f, i) => new arrow.Field(names[i]!, f.type, f.nullable));
  const schema = new arrow.Schema(fields);
  const struct = new arrow.Struct(fields);
  const batches = keys.batches.map((b) => new arrow.RecordBatch(schema, arrow.makeData({ type: struct, length: b.numRows, nullCount: 0, children: b.data.children })));
  return { ...partial, keys: new arrow.Table(schema, batches) };
}

/** The partition's input columns on this thread: memory tables as they are, files decoded by a worker. */
export async function readInput(read: ReadSpec, columns: string[], ctx: ExecContext, operator: string, partition: number): Promise<arrow.Table> {
  if (read.kind === 'table' && read.table instanceof arrow.Table) return selectColumns(read.table, columns);
  const task: PartitionTask = { read, predicate: null, columns, ops: [], end: { kind: 'table' } };
  const out = await runPartition(task, ctx, `${operator}→read`, partition);
  if (out.kind !== 'table') throw new Error(`expected a table from the read task, got ${out.kind}`);
  return out.table as arrow.Table;
}

/**
 * The partial of one partition computed on the GPU, or null when the GPU answered that this
 * partition must run on the CPU (the caller then runs the CPU task).
 */
export async function gpuPartial(
  plan: GpuAggregatePlan, read: ReadSpec, ctx: ExecContext, operator: string, partition: number,
): Promise<{ partial: ShippablePartial } | { unsupported: string }> {
  const gpu = ctx.gpu;
  if (gpu === null) throw new DeviceError('NO_GPU', `${operator}: no GPU device for partition ${partition}`);
  const host = await readInput(read, plan.columns, ctx, operator, partition);
  ctx.stats.tasks.gpu++;
  const resident = uploadTable(gpu, host, plan.columns, `${operator} p${partition}`);
  const schema: Schema = new Map(host.schema.fields.map((f) => [f.name, valueTypeOf(f.type)]));
  const exprs = [
    ...(plan.predicate === null ? [] : [plan.predicate.alias('__gpu_mask')]),
    ...plan.computed.map((c) => c.expr.alias(c.name)),
  ];
  let release = (): void => resident.release();
  try {
    let table = resident;
    let mask: GpuTableColumn | undefined;
    if (exprs.length > 0) {
      const evaluated = await evalExprs(gpu, resident, exprs, schema);
      if ('unsupported' in evaluated) return evaluated;
      release = (): void => {
        evaluated.release();
        resident.release();
      };
      const [first, ...rest] = evaluated.columns;
      mask = plan.predicate === null ? undefined : first;
      table = withColumns(resident, plan.predicate === null ? evaluated.columns : rest);
    }
    const result = await groupByPartial(gpu, table, plan.deviceKeys, plan.aggs, mask === undefined ? {} : { mask });
    if ('unsupported' in result) return result;
    return { partial: renameKeys(result.partial, plan.keyNames) };
  } finally {
    release();
  }
}
