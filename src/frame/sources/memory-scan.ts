/** A scan over partitions already in memory: fromArrow, fromArrays, persist(). */
import * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import type { ScanNode } from '../../plan/logical-plan.js';

export function memoryScan(tables: arrow.Table[], label: string): ScanNode {
  if (tables.length === 0) throw new PlanError('NO_PARTITIONS', `${label}: a frame needs at least one partition`);
  const schema = tables[0]!.schema;
  for (const t of tables) {
    const same = t.schema.fields.length === schema.fields.length && t.schema.fields.every((f, i) => f.name === schema.fields[i]!.name && arrow.util.compareTypes(f.type, schema.fields[i]!.type));
    if (!same) throw new PlanError('SCHEMA_MISMATCH', `${label}: partitions have different columns or types`);
  }
  return { kind: 'scan', source: { kind: 'memory', tables, schema, label }, columns: schema.fields.map((f) => f.name), predicate: null, schema };
}
