/**
 * dropDuplicates: one row per distinct value of `subset` (every column by default): the first
 * or the last in row order, or (keep: false) none of the rows whose key repeats. Null keys are
 * equal to each other here, as in SQL's DISTINCT. The rows kept stay in their order and in
 * their partitions.
 */
import { PlanError } from '../../errors.js';
import type { DistinctNode, PlanNode } from '../../plan/logical-plan.js';
import { checkColumn } from './schema-of.js';

export interface DropDuplicatesOptions {
  /** Columns that make a row a duplicate (default: all). */
  subset?: string | string[];
  /** Which row of a repeated key stays (default 'first'); false drops them all. */
  keep?: 'first' | 'last' | false;
}

export function dropDuplicates(input: PlanNode, options: DropDuplicatesOptions): DistinctNode {
  const keep = options.keep ?? 'first';
  if (keep !== 'first' && keep !== 'last' && keep !== false) throw new PlanError('BAD_OPTION', `dropDuplicates: keep must be 'first', 'last' or false, not ${String(keep)}`);
  const subset = options.subset === undefined ? input.schema.fields.map((f) => f.name) : typeof options.subset === 'string' ? [options.subset] : [...options.subset];
  if (subset.length === 0) throw new PlanError('BAD_OPTION', 'dropDuplicates: subset needs at least one column');
  for (const c of subset) checkColumn(input, c, 'dropDuplicates');
  return { kind: 'distinct', input, subset, keep, schema: input.schema };
}
