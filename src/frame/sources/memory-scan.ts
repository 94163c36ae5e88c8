/**
 * Scans over partitions already in memory: the user's tables (fromArrow, fromArrays), kept as
 * they are, and persist()'s partitions, kept by key in a client's memory manager (which may
 * spill them to disk between queries; a scan pins and fetches each one for its task only).
 */
import * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import type { HeldPartition, ScanNode } from '../../plan/logical-plan.js';

/** The same column names and types, in order. */
export function sameSchema(a: arrow.Schema, b: arrow.Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && arrow.util.compareTypes(f.type, b.fields[i]!.type));
}

/**
 * A scan over the user's tables, one partition each; they must share columns and types.
 *
 * @example
 * const scan = memoryScan([table.slice(0, 500), table.slice(500)], 'fromArrow');
 */
export function memoryScan(tables: arrow.Table[], label: string): ScanNode {
  if (tables.length === 0) throw new PlanError('NO_PARTITIONS', `${label}: a frame needs at least one partition`);
  const schema = tables[0]!.schema;
  for (const t of tables) {
    if (!sameSchema(t.schema, schema)) throw new PlanError('SCHEMA_MISMATCH', `${label}: partitions have different columns or types`);
  }
  return { kind: 'scan', source: { kind: 'memory', tables, schema, label }, columns: schema.fields.map((f) => f.name), predicate: null, schema };
}

/**
 * A scan over partitions held in a memory manager (`schema` is theirs: the caller checked it
 * when it held them). The plan keeps only keys, so a spilled partition's memory is really free.
 *
 * @example
 * memory.hold('persist-1-0', shared, { consumers: Infinity });
 * const scan = heldScan([{ kind: 'held', key: 'persist-1-0', rows: shared.numRows, memory }], shared.schema, 'persisted');
 */
export function heldScan(partitions: HeldPartition[], schema: arrow.Schema, label: string): ScanNode {
  if (partitions.length === 0) throw new PlanError('NO_PARTITIONS', `${label}: a frame needs at least one partition`);
  return { kind: 'scan', source: { kind: 'memory', tables: partitions, schema, label }, columns: schema.fields.map((f) => f.name), predicate: null, schema };
}
