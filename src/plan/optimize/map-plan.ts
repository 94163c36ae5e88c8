/** Bottom-up rewriting of a plan: each node is rebuilt over its rewritten inputs, then rewritten. */
import { planInputs, withInputs, type PlanNode } from '../logical-plan.js';

export function mapPlan(plan: PlanNode, rewrite: (node: PlanNode) => PlanNode): PlanNode {
  const inputs = planInputs(plan);
  const mapped = inputs.map((i) => mapPlan(i, rewrite));
  return rewrite(mapped.every((m, i) => m === inputs[i]) ? plan : withInputs(plan, mapped));
}
