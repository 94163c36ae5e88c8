/** Bottom-up rewriting of a plan: each node is rebuilt over its rewritten input, then rewritten. */
import { withInput, type PlanNode } from '../logical-plan.js';

export function mapPlan(plan: PlanNode, rewrite: (node: PlanNode) => PlanNode): PlanNode {
  if (plan.kind === 'scan') return rewrite(plan);
  const input = mapPlan(plan.input, rewrite);
  return rewrite(input === plan.input ? plan : withInput(plan, input));
}
