/**
 * select / drop / rename / assign: every column-shaping verb is a projection. Plain column
 * references keep their Arrow type (dictionaries, timestamps pass through untouched); computed
 * columns get the type the expression checker gives them.
 */
import * as arrow from 'apache-arrow';
import { PlanError, SchemaError } from '../../errors.js';
import { exprName, exprType } from '../../plan/expr-type.js';
import { col, toExpr, type Expr, type ExprLike } from '../../plan/expr.js';
import { unalias } from '../../plan/expr-columns.js';
import type { PlanNode, ProjectNode } from '../../plan/logical-plan.js';
import { arrowTypeOf } from '../../plan/value-type.js';
import { checkColumn, valueSchema } from './schema-of.js';

/** A projection node; checks every expression against the input's columns. */
export function projectNode(input: PlanNode, exprs: { name: string; expr: Expr }[], operator: string): ProjectNode {
  const seen = new Set<string>();
  const schema = valueSchema(input.schema);
  const fields = exprs.map(({ name, expr }) => {
    if (seen.has(name)) throw new PlanError('DUPLICATE_COLUMN', `${operator}: column '${name}' appears twice in the result`);
    seen.add(name);
    const inner = unalias(expr);
    if (inner.node.kind === 'col') {
      const field = checkColumn(input, inner.node.name, operator);
      return new arrow.Field(name, field.type, field.nullable, field.metadata);
    }
    return new arrow.Field(name, arrowTypeOf(exprType(inner, schema)), true);
  });
  return { kind: 'project', input, exprs, schema: new arrow.Schema(fields) };
}

export function select(input: PlanNode, columns: readonly (string | Expr)[]): ProjectNode {
  if (columns.length === 0) throw new PlanError('EMPTY_SELECT', 'select: name at least one column');
  return projectNode(input, columns.map((c) => {
    if (typeof c === 'string') return { name: c, expr: col(c) };
    const name = exprName(c);
    if (name === null) throw new PlanError('UNNAMED_EXPRESSION', `select: give the expression ${c.key} a name with .alias('name')`);
    return { name, expr: c };
  }), 'select');
}

export function drop(input: PlanNode, columns: readonly string[]): ProjectNode {
  for (const c of columns) checkColumn(input, c, 'drop');
  const dropped = new Set(columns);
  return projectNode(input, input.schema.fields.map((f) => f.name).filter((n) => !dropped.has(n)).map((n) => ({ name: n, expr: col(n) })), 'drop');
}

export function rename(input: PlanNode, mapping: Readonly<Record<string, string>>): ProjectNode {
  for (const from of Object.keys(mapping)) checkColumn(input, from, 'rename');
  return projectNode(input, input.schema.fields.map((f) => f.name).map((n) => ({ name: mapping[n] ?? n, expr: col(n) })), 'rename');
}

export function assign(input: PlanNode, columns: Readonly<Record<string, ExprLike>>): ProjectNode {
  const added = new Map(Object.entries(columns).map(([name, e]) => [name, toExpr(e)]));
  if (added.size === 0) throw new SchemaError('EMPTY_ASSIGN', 'assign: give at least one column');
  const exprs = input.schema.fields.map((f) => f.name).map((n) => ({ name: n, expr: added.get(n) ?? col(n) }));
  for (const [name, expr] of added) if (!input.schema.fields.map((f) => f.name).includes(name)) exprs.push({ name, expr });
  return projectNode(input, exprs, 'assign');
}
