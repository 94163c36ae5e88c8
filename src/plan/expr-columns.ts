/** Column references inside expressions: which columns an expression reads, and renaming them. */
import { Expr, type ExprNode } from './expr.js';

/** Names of the columns `expr` reads. */
export function exprColumns(expr: Expr, into: Set<string> = new Set()): Set<string> {
  const node = expr.node;
  switch (node.kind) {
    case 'col':
      into.add(node.name);
      break;
    case 'lit':
      break;
    case 'binary':
      exprColumns(node.left, into);
      exprColumns(node.right, into);
      break;
    case 'unary':
    case 'isIn':
    case 'cast':
    case 'alias':
      exprColumns(node.arg, into);
      break;
    case 'fillNull':
      exprColumns(node.arg, into);
      exprColumns(node.fill, into);
      break;
    case 'when':
      for (const b of node.branches) {
        exprColumns(b.cond, into);
        exprColumns(b.value, into);
      }
      exprColumns(node.otherwise, into);
      break;
  }
  return into;
}

/** The expression without a top-level alias. */
export function unalias(expr: Expr): Expr {
  return expr.node.kind === 'alias' ? unalias(expr.node.arg) : expr;
}

/** `expr` with every column reference `c` replaced by `bindings.get(c)` (when present). */
export function substitute(expr: Expr, bindings: ReadonlyMap<string, Expr>): Expr {
  const node = expr.node;
  const s = (e: Expr): Expr => substitute(e, bindings);
  let out: ExprNode;
  switch (node.kind) {
    case 'col': {
      const b = bindings.get(node.name);
      return b === undefined ? expr : unalias(b);
    }
    case 'lit':
      return expr;
    case 'binary':
      out = { ...node, left: s(node.left), right: s(node.right) };
      break;
    case 'unary':
    case 'isIn':
    case 'cast':
    case 'alias':
      out = { ...node, arg: s(node.arg) } as ExprNode;
      break;
    case 'fillNull':
      out = { ...node, arg: s(node.arg), fill: s(node.fill) };
      break;
    case 'when':
      out = { kind: 'when', branches: node.branches.map((b) => ({ cond: s(b.cond), value: s(b.value) })), otherwise: s(node.otherwise) };
      break;
  }
  const rebuilt = new Expr(out);
  return rebuilt.key === expr.key ? expr : rebuilt;
}
