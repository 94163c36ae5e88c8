/** Checks shared by the verbs: the value types of a plan's columns, and column-name lookups. */
import type * as arrow from 'apache-arrow';
import { SchemaError } from '../../errors.js';
import type { Schema } from '../../plan/expr-type.js';
import type { PlanNode } from '../../plan/logical-plan.js';
import { valueTypeOf } from '../../plan/value-type.js';

export function valueSchema(schema: arrow.Schema): Schema {
  return new Map(schema.fields.map((f) => [f.name, valueTypeOf(f.type)]));
}

/** Raises a SchemaError listing the columns there are when `name` is not one of them. */
export function checkColumn(plan: PlanNode, name: string, operator: string): arrow.Field {
  const field = plan.schema.fields.find((f) => f.name === name);
  if (field === undefined) {
    throw new SchemaError('UNKNOWN_COLUMN', `${operator}: column '${name}' not found; the columns are: ${plan.schema.fields.map((f) => f.name).join(', ')}`);
  }
  return field;
}
