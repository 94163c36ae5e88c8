/**
 * groupBy(...).agg(spec), the shortcuts, df.agg and valueCounts: all are one Aggregate node.
 * Here the spec is checked and named (the contract: one function → the column's name, several
 * → `column_fn`, `size` → `size`) and the output schema fixed before any data is read.
 */
import * as arrow from 'apache-arrow';
import { aggOutputType, type AggFn } from '../../cpu/kernels/group-by.js';
import { PlanError } from '../../errors.js';
import type { AggregateNode, AggSpec, PlanNode } from '../../plan/logical-plan.js';
import { isNumeric, valueTypeOf, type ValueType } from '../../plan/value-type.js';
import { checkColumn } from './schema-of.js';

export const AGG_FNS: readonly AggFn[] = ['sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'size', 'nunique', 'first', 'last'];

/** `{ v1: 'sum', v3: ['mean', 'std'] }` */
export type AggSpecInput = Readonly<Record<string, AggFn | readonly AggFn[]>>;

const NUMERIC_ONLY: ReadonlySet<AggFn> = new Set<AggFn>(['sum', 'mean', 'std', 'var']);
const ORDERED: ReadonlySet<AggFn> = new Set<AggFn>(['min', 'max']);

function checkAgg(fn: AggFn, column: string, type: ValueType, operator: string): void {
  if (!AGG_FNS.includes(fn)) throw new PlanError('UNKNOWN_AGGREGATE', `${operator}: unknown aggregate '${String(fn)}' for column '${column}'; use one of ${AGG_FNS.join(', ')}`);
  if (NUMERIC_ONLY.has(fn) && !isNumeric(type)) throw new PlanError('TYPE_MISMATCH', `${operator}: ${fn} needs a numeric column, but '${column}' is ${type}`);
  if (ORDERED.has(fn) && (type === 'other' || type === 'null')) throw new PlanError('TYPE_MISMATCH', `${operator}: ${fn} cannot order column '${column}' of type ${type}`);
  if (fn === 'size') throw new PlanError('BAD_AGGREGATE', `${operator}: size counts rows, not a column: use .size()`);
}

/** Named aggregate specs from the user's `{ column: fn | fn[] }`. */
export function aggSpecs(input: PlanNode, spec: AggSpecInput, operator: string): AggSpec[] {
  const out: AggSpec[] = [];
  const entries = Object.entries(spec);
  if (entries.length === 0) throw new PlanError('EMPTY_AGG', `${operator}: name at least one column to aggregate`);
  for (const [column, fns] of entries) {
    const field = checkColumn(input, column, operator);
    const list = typeof fns === 'string' ? [fns] : [...fns];
    if (list.length === 0) throw new PlanError('EMPTY_AGG', `${operator}: no aggregate given for column '${column}'`);
    for (const fn of list) {
      checkAgg(fn, column, valueTypeOf(field.type), operator);
      out.push({ fn, column, name: typeof fns === 'string' ? column : `${column}_${fn}` });
    }
  }
  return out;
}

export function aggregateNode(input: PlanNode, keys: readonly string[], aggs: AggSpec[], orderBy: AggregateNode['orderBy'], operator: string): AggregateNode {
  const seen = new Set<string>();
  const fields: arrow.Field[] = [];
  for (const k of keys) {
    const f = checkColumn(input, k, operator);
    if (seen.has(k)) throw new PlanError('DUPLICATE_COLUMN', `${operator}: key '${k}' is named twice`);
    seen.add(k);
    fields.push(new arrow.Field(k, f.type, true));
  }
  for (const a of aggs) {
    if (seen.has(a.name)) throw new PlanError('DUPLICATE_COLUMN', `${operator}: output column '${a.name}' appears twice (a key and an aggregate, or two aggregates)`);
    seen.add(a.name);
    const inType = a.column === null ? null : checkColumn(input, a.column, operator).type;
    fields.push(new arrow.Field(a.name, aggOutputType(a.fn, inType), true));
  }
  return { kind: 'aggregate', input, keys: [...keys], aggs, orderBy, schema: new arrow.Schema(fields) };
}
