/**
 * persist(): computes a plan's partitions and hands each, in shared memory, to the client's
 * memory manager as soon as its task finishes, so a frame larger than `memoryLimit` spills to
 * disk while it is being computed instead of first gathering in memory whole. The frame it
 * returns keeps only the keys. Partitions are numbered in the order of the plan's partitions;
 * a frame of fewer partitions than the workers take is split into more (zero-copy slices).
 */
import * as arrow from 'apache-arrow';
import type { Client } from '../client.js';
import { PlanError } from '../errors.js';
import { emptyTable } from '../exec/run-stage.js';
import { shareTable } from '../exec/ship-table.js';
import type { HeldPartition, PlanNode, ScanNode } from '../plan/logical-plan.js';
import { computePartitions, type ComputeOptions } from './compute-plan.js';
import { heldScan, sameSchema } from './sources/memory-scan.js';
import { unifyDictionaries } from './unify-dictionaries.js';

/** The label of a persisted frame's scan (unpersist() looks for it). */
export const PERSISTED = 'persisted';
/** Numbers persisted frames, so each partition's key in the memory manager is its own. */
let persists = 0;

/**
 * At least `target` partitions of similar size (zero-copy slices), so that every worker has
 * work: a Parquet file of a few large row groups would otherwise persist as a few partitions.
 */
function balance(tables: arrow.Table[], target: number): arrow.Table[] {
  const rows = tables.reduce((n, t) => n + t.numRows, 0);
  if (tables.length >= target || rows < target * 1024) return tables;
  const per = Math.ceil(rows / target);
  return tables.flatMap((t) => {
    const n = Math.max(1, Math.round(t.numRows / per));
    return Array.from({ length: n }, (_, i) => t.slice(Math.floor((t.numRows * i) / n), Math.floor((t.numRows * (i + 1)) / n)));
  });
}

/**
 * Computes `plan` on `client` into its memory manager; returns the scan that reads the held
 * partitions. On failure, whatever was held already is discarded.
 *
 * @example
 * const scan = await persistPlan(df.plan, client, {});
 * const hot = new DataFrame(scan);
 */
export async function persistPlan(plan: PlanNode, client: Client, options: ComputeOptions): Promise<ScanNode> {
  const memory = client.memory;
  const frame = ++persists;
  let generation = 0;
  const held: HeldPartition[] = [];
  let schema: arrow.Schema | null = null;
  // One dictionary per string column and partition: each later groupby interns it once (and
  // the kernel keeps that across queries) instead of once per row group per query.
  const keep = (table: arrow.Table): HeldPartition => {
    const shared = shareTable(unifyDictionaries(table));
    if (schema === null) schema = shared.schema;
    else if (!sameSchema(shared.schema, schema)) throw new PlanError('SCHEMA_MISMATCH', `${PERSISTED}: partitions have different columns or types`);
    const key = `persist-${frame}-${generation++}`;
    memory.hold(key, shared, { consumers: Infinity });
    const p: HeldPartition = { kind: 'held', key, rows: shared.numRows, memory };
    held.push(p);
    return p;
  };
  const sunk: HeldPartition[] = [];
  try {
    const { partitions } = await computePartitions(plan, options, async (i, table) => {
      sunk[i] = keep(table);
      // Over the limit: let the spills catch up before this task slot takes another partition.
      await memory.room();
    });
    let parts = [...sunk.filter((p) => p !== undefined), ...partitions.map(keep)];
    if (parts.length === 0) parts = [keep(emptyTable(plan.schema))];
    const target = client.info().workers * 2;
    const rows = parts.reduce((n, p) => n + p.rows, 0);
    if (parts.length < target && rows >= target * 1024) {
      // Few partitions: split them. They were just computed, so they are (most likely) in memory.
      const tables: arrow.Table[] = [];
      for (const p of parts) {
        tables.push(await memory.get(p.key));
        memory.discard(p.key);
      }
      parts = balance(tables, target).map(keep);
    }
    return heldScan(parts, schema ?? plan.schema, PERSISTED);
  } catch (error) {
    for (const p of held) memory.discard(p.key);
    throw error;
  }
}
