/**
 * The optimizer's first stage, simplify: a list of named rules run in order over the logical
 * plan. After each rule the framework checks that the plan still produces the same columns of
 * the same types, and names the rule that broke it, so rules stay small and trust each other.
 * (Lowering and fusion, the next stages, live in lower.ts and fuse.ts.)
 */
import type * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import type { PlanNode } from '../logical-plan.js';
import { foldConstants } from './fold-constants.js';
import { pruneColumns } from './prune-columns.js';
import { pushFilters } from './push-filters.js';

export interface Rule {
  name: string;
  apply(plan: PlanNode): PlanNode;
}

export const SIMPLIFY_RULES: readonly Rule[] = [
  { name: 'fold-constants', apply: foldConstants },
  { name: 'push-filters', apply: pushFilters },
  { name: 'prune-columns', apply: pruneColumns },
];

function schemaText(schema: arrow.Schema): string {
  return schema.fields.map((f) => `${f.name}:${String(f.type)}`).join(', ');
}

export function simplify(plan: PlanNode, rules: readonly Rule[] = SIMPLIFY_RULES): PlanNode {
  const before = schemaText(plan.schema);
  let out = plan;
  for (const rule of rules) {
    out = rule.apply(out);
    const after = schemaText(out.schema);
    if (after !== before) {
      throw new PlanError('RULE_CHANGED_SCHEMA', `optimizer rule '${rule.name}' changed the plan's columns from [${before}] to [${after}]`);
    }
  }
  return out;
}
