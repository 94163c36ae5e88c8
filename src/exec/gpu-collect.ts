/**
 * One partition of a row-keeping stage on the GPU (plan: src/plan/gpu-collect-plan.ts): read by
 * a CPU worker, uploaded once, one expression kernel for the predicate and the computed columns,
 * the rows kept by the compaction kernel, the result read back in the stage's schema. A
 * partition the GPU answers 'unsupported' for returns null and runs the CPU task instead.
 */
import * as arrow from 'apache-arrow';
import { DeviceError } from '../errors.js';
import { downloadColumn } from '../gpu/download-table.js';
import { evalExprs } from '../gpu/kernels/eval-exprs.js';
import { filterTable } from '../gpu/kernels/filter.js';
import { uploadTable, type GpuTable, type GpuTableColumn } from '../gpu/upload-table.js';
import type { Schema } from '../plan/expr-type.js';
import type { GpuCollectPlan } from '../plan/gpu-collect-plan.js';
import { valueTypeOf } from '../plan/value-type.js';
import type { ExecContext } from './executor.js';
import { readInput } from './gpu-aggregate.js';
import type { ReadSpec } from './partition-task.js';

/** `data` with the type `type` (same layout: dictionary ids and nullability may differ). */
function retype(data: arrow.Data, type: arrow.DataType): arrow.Data {
  return data.type === type ? data : data.clone(type, data.offset, data.length, data.nullCount, undefined, data.children);
}

/**
 * The stage's output for one partition computed on the GPU, or `{ unsupported }` when the GPU
 * sent it back to the CPU.
 */
export async function gpuCollect(
  plan: GpuCollectPlan, output: arrow.Schema, read: ReadSpec, ctx: ExecContext, operator: string, partition: number,
): Promise<{ table: arrow.Table } | { unsupported: string }> {
  const gpu = ctx.gpu;
  if (gpu === null) throw new DeviceError('NO_GPU', `${operator}: no GPU device for partition ${partition}`);
  const host = await readInput(read, plan.columns, ctx, operator, partition);
  const releases: (() => void)[] = [];
  try {
    ctx.stats.tasks.gpu++;
    const resident = uploadTable(gpu, host, plan.columns, `${operator} p${partition}`);
    releases.push(() => resident.release());
    const schema: Schema = new Map(host.schema.fields.map((f) => [f.name, valueTypeOf(f.type)]));
    const exprs = [
      ...(plan.predicate === null ? [] : [plan.predicate.alias('__gpu_mask')]),
      ...plan.computed.map((c) => c.expr.alias(c.name)),
    ];
    const evaluated = await evalExprs(gpu, resident, exprs, schema);
    if ('unsupported' in evaluated) return evaluated;
    releases.push(() => evaluated.release());
    const mask = plan.predicate === null ? null : evaluated.columns[0]!;
    const computed = plan.predicate === null ? evaluated.columns : evaluated.columns.slice(1);
    const byName = new Map<string, GpuTableColumn>([...resident.columns, ...computed].map((c) => [c.name, c]));
    const columns = plan.outputs.map((o) => ({ ...byName.get(o.device)!, name: o.name }));
    let table: GpuTable = { ...resident, columns, column: (name) => columns.find((c) => c.name === name)! };
    if (mask !== null) {
      const kept = await filterTable(gpu, { ...table, columns: [...columns, mask] }, mask, `${operator} p${partition}`);
      releases.push(() => kept.release());
      table = { ...kept, columns: kept.columns.slice(0, columns.length) };
    }
    const children = await Promise.all(table.columns.map(async (c, i) => retype(await downloadColumn(gpu, c, table.rows), output.fields[i]!.type)));
    const struct = arrow.makeData({ type: new arrow.Struct(output.fields), length: table.rows, nullCount: 0, children });
    return { table: new arrow.Table(output, [new arrow.RecordBatch(output, struct)]) };
  } finally {
    for (const release of releases.reverse()) release();
  }
}
