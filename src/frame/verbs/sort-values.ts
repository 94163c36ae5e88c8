/**
 * sortValues: the rows in the order of one or several columns, a direction per column, across
 * partitions (partition i holds rows before partition i + 1's), stable for equal keys. NaN
 * orders above +Infinity; nulls come last unless `nullsLast: false`, whatever the direction.
 */
import { PlanError } from '../../errors.js';
import type { PlanNode, SortNode } from '../../plan/logical-plan.js';
import { valueTypeOf } from '../../plan/value-type.js';
import { checkColumn } from './schema-of.js';

export interface SortValuesOptions {
  /** One for all columns, or one per column (default true). */
  ascending?: boolean | boolean[];
  /** Default true. */
  nullsLast?: boolean;
}

export function sortValues(input: PlanNode, by: string | string[], options: SortValuesOptions): SortNode {
  const columns = typeof by === 'string' ? [by] : [...by];
  if (columns.length === 0) throw new PlanError('BAD_OPTION', 'sortValues: name at least one column to sort by');
  const ascending = options.ascending ?? true;
  if (Array.isArray(ascending) && ascending.length !== columns.length) {
    throw new PlanError('BAD_OPTION', `sortValues: ascending has ${ascending.length} entries for ${columns.length} columns`);
  }
  const nullsLast = options.nullsLast ?? true;
  if (typeof nullsLast !== 'boolean') throw new PlanError('BAD_OPTION', 'sortValues: nullsLast must be true or false');
  const keys = columns.map((column, i) => {
    const field = checkColumn(input, column, 'sortValues');
    if (valueTypeOf(field.type) === 'other' || valueTypeOf(field.type) === 'null') {
      throw new PlanError('TYPE_MISMATCH', `sortValues: column '${column}' has type ${String(field.type)}, which has no order here; cast it to a number or string first`);
    }
    const asc = Array.isArray(ascending) ? ascending[i] : ascending;
    if (typeof asc !== 'boolean') throw new PlanError('BAD_OPTION', `sortValues: ascending must be true or false, not ${String(asc)}`);
    return { column, descending: !asc };
  });
  return { kind: 'sort', input, by: keys, nullsLast, schema: input.schema };
}
