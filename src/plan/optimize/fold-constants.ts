/**
 * Simplify rule: boolean constant folding in predicates and projections. `x and true` is `x`,
 * `x and false` is false (SQL: false wins over null), `x or true` is true, `not(lit)` folds,
 * and a filter whose predicate folds to true disappears.
 */
import { Expr, lit } from '../expr.js';
import type { PlanNode } from '../logical-plan.js';
import { mapPlan } from './map-plan.js';

function isLit(e: Expr, value: boolean): boolean {
  return e.node.kind === 'lit' && e.node.value === value;
}

export function foldExpr(expr: Expr): Expr {
  const node = expr.node;
  if (node.kind === 'binary' && (node.op === 'and' || node.op === 'or')) {
    const l = foldExpr(node.left);
    const r = foldExpr(node.right);
    const absorbing = node.op === 'and' ? false : true;
    if (isLit(l, absorbing) || isLit(r, absorbing)) return lit(absorbing);
    if (isLit(l, !absorbing)) return r;
    if (isLit(r, !absorbing)) return l;
    return l === node.left && r === node.right ? expr : new Expr({ ...node, left: l, right: r });
  }
  if (node.kind === 'unary' && node.op === 'not') {
    const a = foldExpr(node.arg);
    if (a.node.kind === 'lit' && typeof a.node.value === 'boolean') return lit(!a.node.value);
    return a === node.arg ? expr : a.not();
  }
  return expr;
}

export function foldConstants(plan: PlanNode): PlanNode {
  return mapPlan(plan, (node) => {
    if (node.kind === 'filter') {
      const predicate = foldExpr(node.predicate);
      if (isLit(predicate, true)) return node.input;
      return predicate === node.predicate ? node : { ...node, predicate };
    }
    if (node.kind === 'scan' && node.predicate !== null) {
      const predicate = foldExpr(node.predicate);
      return { ...node, predicate: isLit(predicate, true) ? null : predicate };
    }
    return node;
  });
}
