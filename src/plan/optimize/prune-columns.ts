/**
 * Simplify rule: projection pushdown. Walks down from the root with the set of columns each node
 * must deliver; projections drop outputs nobody reads, and scans read only the columns asked for
 * (plus, separately, those their predicate needs). The root keeps its schema.
 */
import { exprColumns } from '../expr-columns.js';
import { scanSchema, sourceSchema, type PlanNode } from '../logical-plan.js';
import * as arrow from 'apache-arrow';

function prune(node: PlanNode, required: ReadonlySet<string> | null): PlanNode {
  switch (node.kind) {
    case 'scan': {
      if (required === null) return node;
      let columns = sourceSchema(node.source).fields.map((f) => f.name).filter((c) => required.has(c) && node.columns.includes(c));
      // Counting rows still needs one column to read (a table without columns has no rows).
      if (columns.length === 0 && node.columns.length > 0) columns = [node.columns[0]!];
      return { ...node, columns, schema: scanSchema(node.source, columns) };
    }
    case 'project': {
      const exprs = required === null ? node.exprs : node.exprs.filter((e) => required.has(e.name));
      const needs = new Set<string>();
      for (const e of exprs) exprColumns(e.expr, needs);
      const schema = required === null ? node.schema : new arrow.Schema(node.schema.fields.filter((f) => required.has(f.name)));
      return { ...node, exprs, schema, input: prune(node.input, needs) };
    }
    case 'filter': {
      const needs = required === null ? null : exprColumns(node.predicate, new Set(required));
      const input = prune(node.input, needs);
      return { ...node, input, schema: input.schema };
    }
    case 'aggregate': {
      const needs = new Set(node.keys);
      for (const a of node.aggs) if (a.column !== null) needs.add(a.column);
      return { ...node, input: prune(node.input, needs) };
    }
    case 'head': {
      const input = prune(node.input, required);
      return { ...node, input, schema: input.schema };
    }
  }
}

export function pruneColumns(plan: PlanNode): PlanNode {
  return prune(plan, null);
}
