/**
 * The combine step of an aggregation: merges partial aggregates (in row order), and optionally
 * splits the result into buckets by key hash or finalizes it into the output table. Like
 * partition tasks it runs in a worker or on the main thread.
 */
import type * as arrow from 'apache-arrow';
import { finalizeGroupBy, mergeGroupPartials, splitGroupPartial, type AggRequest, type GroupPartial } from '../cpu/kernels/group-by.js';
import { shipPartial, unshipPartial } from './partition-task.js';
import { shipTable, type ShippedTable } from './ship-table.js';

/** A partial whose key table may be in shipped form (between threads). */
export type ShippablePartial = Omit<GroupPartial, 'keys'> & { keys: arrow.Table | ShippedTable };

export interface MergeTask {
  parts: ShippablePartial[];
  keys: string[];
  aggs: AggRequest[];
  /** Finalize into a table with these output names. */
  finalize: string[] | null;
  /** Split the merged partial into this many buckets (when > 1 and not finalizing). */
  split: number;
}

export type MergeOutput = { kind: 'table'; table: arrow.Table | ShippedTable } | { kind: 'partials'; partials: ShippablePartial[] };

export function runMergeTask(task: MergeTask, ship: boolean): { output: MergeOutput; transfer: ArrayBuffer[] } {
  const parts = task.parts.map(unshipPartial);
  const merged = parts.length === 1 ? parts[0]! : mergeGroupPartials(parts, task.keys, task.aggs);
  const transfer: ArrayBuffer[] = [];
  if (task.finalize !== null) {
    const table = finalizeGroupBy(merged, task.keys, task.aggs, task.finalize);
    if (!ship) return { output: { kind: 'table', table }, transfer };
    const shipped = shipTable(table, 'move');
    return { output: { kind: 'table', table: shipped.shipped }, transfer: shipped.transfer };
  }
  const out = task.split > 1 ? splitGroupPartial(merged, task.keys, task.split) : [merged];
  return { output: { kind: 'partials', partials: out.map((p) => shipPartial(p, ship, transfer)) }, transfer };
}
