/** filter: keeps the rows where a boolean expression is true (null counts as false). */
import { PlanError } from '../../errors.js';
import { exprType } from '../../plan/expr-type.js';
import { toExpr, type ExprLike } from '../../plan/expr.js';
import type { FilterNode, PlanNode } from '../../plan/logical-plan.js';
import { valueSchema } from './schema-of.js';

export function filter(input: PlanNode, predicate: ExprLike): FilterNode {
  const expr = toExpr(predicate);
  const t = exprType(expr, valueSchema(input.schema));
  if (t !== 'bool' && t !== 'null') {
    throw new PlanError('TYPE_MISMATCH', `filter: the predicate must be a boolean, not ${t}: ${expr.key}`);
  }
  return { kind: 'filter', input, predicate: expr, schema: input.schema };
}
