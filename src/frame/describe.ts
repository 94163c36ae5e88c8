/**
 * `describe()`: count, mean, std (sample), min, quartiles and max of every numeric column, as a
 * table with a `statistic` column. The moments come from one aggregation (on the GPU when the
 * client places reductions there); the quartiles from a mergeable range pass and a histogram
 * pass over the same partitions (within 1/4096 of each column's range of finite values).
 */
import * as arrow from 'apache-arrow';
import { Client } from '../client.js';
import { mergeRanges, quantileFromHistogram, EMPTY_RANGE, type HistogramSpec, type ValueRange } from '../cpu/kernels/histogram.js';
import { PlanError } from '../errors.js';
import { runPartition, runAll } from '../exec/executor.js';
import { emptyTable, runStages } from '../exec/run-stage.js';
import { memoryScan } from './sources/memory-scan.js';
import { select } from './verbs/project.js';
import type { AggSpec, PlanNode } from '../plan/logical-plan.js';
import { isNumeric, valueTypeOf } from '../plan/value-type.js';
import { physicalPlan } from './compute-plan.js';
import { aggregateNode } from './verbs/aggregate.js';

export const HISTOGRAM_BINS = 4096;
const STATISTICS = ['count', 'mean', 'std', 'min', '25%', '50%', '75%', 'max'];

export async function describe(plan: PlanNode): Promise<arrow.Table> {
  const numeric = plan.schema.fields.filter((f) => isNumeric(valueTypeOf(f.type))).map((f) => f.name);
  if (numeric.length === 0) throw new PlanError('NO_NUMERIC_COLUMNS', `describe: no numeric columns among ${plan.schema.fields.map((f) => f.name).join(', ')}`);
  const client = await Client.currentOrDefault();
  const ctx = client.execContext();

  // The numeric columns are read once and kept for the three passes.
  const parts = await runStages(physicalPlan(select(plan, numeric), client), ctx);
  const memory = memoryScan(parts.length > 0 ? parts : [emptyTable(new arrow.Schema(plan.schema.fields.filter((f) => numeric.includes(f.name))))], 'describe');

  // 1. Moments, in one aggregation.
  const fns = ['count', 'mean', 'std', 'min', 'max'] as const;
  const aggs: AggSpec[] = numeric.flatMap((c) => fns.map((fn) => ({ fn, column: c, name: `${c}\u0000${fn}` })));
  const [moments] = await runStages(physicalPlan(aggregateNode(memory, [], aggs, [], 'describe'), client), ctx);

  // 2. Ranges of finite values, then histograms.
  const reads = parts.map((table) => ({ kind: 'table' as const, table }));
  const base = { predicate: null, columns: numeric, ops: [] };
  const ranges = (await runAll(reads.length, ctx.workers * 2, async (i) => {
    const out = await runPartition({ ...base, read: reads[i]!, end: { kind: 'range', columns: numeric } }, ctx, 'describe→range', i);
    return out.kind === 'range' ? out.ranges : [];
  })).reduce<ValueRange[]>((acc, r) => acc.map((a, i) => mergeRanges(a, r[i]!)), numeric.map(() => ({ ...EMPTY_RANGE })));
  const specs: HistogramSpec[] = numeric.map((column, i) => ({ column, min: ranges[i]!.min, max: ranges[i]!.max, bins: HISTOGRAM_BINS }));
  const counts = (await runAll(reads.length, ctx.workers * 2, async (i) => {
    const out = await runPartition({ ...base, read: reads[i]!, end: { kind: 'histogram', specs } }, ctx, 'describe→histogram', i);
    return out.kind === 'histogram' ? out.counts : [];
  })).reduce<Float64Array[]>((acc, c) => {
    acc.forEach((a, i) => { const b = c[i]!; for (let j = 0; j < a.length; j++) a[j]! += b[j]!; });
    return acc;
  }, specs.map(() => new Float64Array(HISTOGRAM_BINS)));

  const columns: Record<string, arrow.Vector> = { statistic: arrow.vectorFromArray(STATISTICS, new arrow.Utf8()) };
  numeric.forEach((c, i) => {
    const m = (fn: string): number | null => {
      const v = moments!.getChild(`${c}\u0000${fn}`)!.get(0) as number | bigint | null;
      return v === null ? null : Number(v);
    };
    const q = (p: number): number | null => quantileFromHistogram(ranges[i]!, counts[i]!, specs[i]!, p);
    const values = [m('count'), m('mean'), m('std'), m('min'), q(0.25), q(0.5), q(0.75), m('max')];
    columns[c] = arrow.vectorFromArray(values, new arrow.Float64());
  });
  return new arrow.Table(columns);
}
