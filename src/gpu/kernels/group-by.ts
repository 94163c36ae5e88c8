/**
 * The GPU twin of `partialGroupBy` (src/cpu/kernels/group-by.ts): a hash group-by partial over
 * a partition resident on the device as a `GpuTable`. Rows get dense group ids by hash rounds
 * (`group-by/hash-groups.ts`), in order of first appearance as on the CPU; the aggregates are
 * exact integer and fixed-point accumulations (`group-by/aggregate-states.ts`), so the result
 * is the same for every run and every row order. The answer is a `GroupPartial` in the CPU
 * twin's format — the same key column types and state kinds — so `mergeGroupPartials` and
 * `finalizeGroupBy` take GPU and CPU partials alike. Key values are read back from the hash
 * tables, so the host table is not needed.
 *
 * Unsupported here (answered with `{ unsupported }` so the caller runs the CPU twin): float
 * and plain-string keys, nunique, string min/max, float sums with values outside
 * [2^-60, 2^90] in magnitude, and more distinct keys than one storage binding's table holds.
 */
import * as arrow from 'apache-arrow';
import type { AggRequest, GroupPartial } from '../../cpu/kernels/group-by/agg-types.js';
import type { GpuContext } from '../gpu-context.js';
import type { GpuTable, GpuTableColumn } from '../upload-table.js';
import { aggregateStates } from './group-by/aggregate-states.js';
import { groupBySupport } from './group-by/group-by-support.js';
import { GroupPass } from './group-by/group-pass.js';
import { assignGroups } from './group-by/hash-groups.js';
import { keyData } from './group-by/plain-words.js';

export { groupBySupport, type ColumnInfo, type Support } from './group-by/group-by-support.js';

export interface GroupByOptions {
  /** A bool column in the table's windows: rows where it is false or null are left out (no compaction). */
  mask?: GpuTableColumn;
  /** Expected distinct keys; the first hash table is sized for it (default: the row count). */
  capacity?: number;
}

/**
 * The GPU twin's answer: a partial (with `hashRuns`, how many hash-table passes it took: one per
 * key column, more when a table filled and was retried larger), or why this partition must run
 * on the CPU.
 */
export type GpuGroupByResult = { partial: GroupPartial; hashRuns: number } | { unsupported: string };

/** A table of the given columns, all of `rows` rows (as the CPU twin builds its keys table). */
function tableOf(names: readonly string[], columns: readonly arrow.Data[], rows: number): arrow.Table {
  const fields = names.map((name, j) => new arrow.Field(name, columns[j]!.type, true));
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows, nullCount: 0, children: [...columns] });
  return new arrow.Table([new arrow.RecordBatch(new arrow.Schema(fields), struct)]);
}

/**
 * Groups the resident rows by `keys` and computes the partial state of every aggregate.
 * @example
 * const resident = uploadTable(gpu, batch, ['id1', 'v1'], 'q1');
 * const r = await groupByPartial(gpu, resident, ['id1'], [{ fn: 'sum', column: 'v1' }]);
 * const partial = 'partial' in r ? r.partial : partialGroupBy(batch, ['id1'], aggs);
 */
export async function groupByPartial(
  gpu: GpuContext, table: GpuTable, keys: readonly string[], aggs: readonly AggRequest[], options: GroupByOptions = {},
): Promise<GpuGroupByResult> {
  const support = groupBySupport(table.columns, keys, aggs);
  if (!support.ok) return { unsupported: support.why };
  const mask = options.mask ?? null;
  if (mask !== null && mask.layout.kind !== 'bool') {
    return { unsupported: `group-by mask '${mask.name}' is not a bool column` };
  }
  if (mask !== null && mask.windows.reduce((n, w) => n + w.rows, 0) !== table.rows) {
    return { unsupported: `group-by mask '${mask.name}' is not in the table's row windows` };
  }
  const run = new GroupPass(gpu, table);
  try {
    const keyColumns = keys.map((k) => table.column(k));
    const assigned = await assignGroups(run, keyColumns, mask, options.capacity ?? table.rows);
    if ('unsupported' in assigned) return assigned;
    const { groups } = assigned;
    const aggregated = await aggregateStates(run, table, groups, aggs);
    if ('unsupported' in aggregated) return aggregated;
    const keyTable = tableOf(keys, assigned.keys.map((k) => keyData(k.column, k.lo, k.hi, k.isNull)), groups);
    return { partial: { keys: keyTable, groups, states: aggregated.states }, hashRuns: assigned.rounds };
  } finally {
    run.release();
  }
}
