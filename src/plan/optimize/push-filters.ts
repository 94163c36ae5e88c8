/**
 * Simplify rule: predicate pushdown. Consecutive filters become one conjunction; a filter moves
 * below a projection when the columns it reads are passed through (or renamed) by it; a filter
 * on a scan becomes the scan's predicate, which the reader applies as it reads (and with which
 * the Parquet reader skips row groups by their statistics). A filter moves below a sort or a
 * repartition (fewer rows to move, same answer). Filters stay above aggregations, heads,
 * joins, dropDuplicates and user functions, where moving them could change the answer.
 */
import { exprColumns, substitute, unalias } from '../expr-columns.js';
import type { Expr } from '../expr.js';
import type { PlanNode } from '../logical-plan.js';
import { mapPlan } from './map-plan.js';

function pushInto(input: PlanNode, predicate: Expr, schema: PlanNode['schema']): PlanNode {
  switch (input.kind) {
    case 'scan':
      return { ...input, predicate: input.predicate === null ? predicate : input.predicate.and(predicate) };
    case 'filter':
      return pushInto(input.input, input.predicate.and(predicate), schema);
    case 'project': {
      const bindings = new Map(input.exprs.map((e) => [e.name, unalias(e.expr)]));
      const passThrough = [...exprColumns(predicate)].every((c) => bindings.get(c)?.node.kind === 'col');
      if (passThrough) {
        return { ...input, input: pushInto(input.input, substitute(predicate, bindings), input.input.schema) };
      }
      return { kind: 'filter', input, predicate, schema };
    }
    case 'sort':
    case 'repartition':
      return { ...input, input: pushInto(input.input, predicate, input.input.schema) };
    default:
      return { kind: 'filter', input, predicate, schema };
  }
}

export function pushFilters(plan: PlanNode): PlanNode {
  return mapPlan(plan, (node) => (node.kind === 'filter' ? pushInto(node.input, node.predicate, node.schema) : node));
}
