/**
 * Simplify rule: projection pushdown. Walks down from the root with the set of columns each node
 * must deliver; projections drop outputs nobody reads, and scans read only the columns asked for
 * (plus, separately, those their predicate needs). The root keeps its schema. A join asks each
 * side for the keys and the columns whose output is read; a column whose name is on both sides
 * is kept on both while either is read, so that the suffixes stay what they were. A
 * mapPartitions function sees whole partitions, so everything below it is kept.
 */
import { exprColumns } from '../expr-columns.js';
import { scanSchema, sourceSchema, type JoinNode, type PlanNode } from '../logical-plan.js';
import * as arrow from 'apache-arrow';
import { joinSchema } from '../../cpu/kernels/join-tables.js';

/** What each side of a join must deliver for `required` outputs. */
function joinNeeds(node: JoinNode, required: ReadonlySet<string>): [Set<string>, Set<string>] {
  const [sx, sy] = node.suffixes;
  const left = new Set(node.leftOn);
  const right = new Set(node.rightOn);
  for (const f of node.left.schema.fields) if (required.has(f.name) || required.has(f.name + sx)) left.add(f.name);
  for (const f of node.right.schema.fields) if (required.has(f.name) || required.has(f.name + sy)) right.add(f.name);
  const leftNames = new Set(node.left.schema.fields.map((f) => f.name));
  const rightNames = new Set(node.right.schema.fields.map((f) => f.name));
  for (const c of [...left]) if (rightNames.has(c)) right.add(c);
  for (const c of [...right]) if (leftNames.has(c)) left.add(c);
  return [left, right];
}

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
    case 'head':
    case 'repartition': {
      const input = prune(node.input, required);
      return { ...node, input, schema: input.schema };
    }
    case 'sort':
    case 'distinct': {
      const keys = node.kind === 'sort' ? node.by.map((k) => k.column) : node.subset;
      const input = prune(node.input, required === null ? null : new Set([...required, ...keys]));
      return { ...node, input, schema: input.schema };
    }
    case 'mapPartitions':
      return { ...node, input: prune(node.input, null) };
    case 'join': {
      if (required === null) return { ...node, left: prune(node.left, null), right: prune(node.right, null) };
      const [leftNeeds, rightNeeds] = joinNeeds(node, required);
      const left = prune(node.left, leftNeeds);
      const right = prune(node.right, rightNeeds);
      return { ...node, left, right, schema: joinSchema(left.schema, right.schema, node) };
    }
  }
}

export function pruneColumns(plan: PlanNode): PlanNode {
  return prune(plan, null);
}
