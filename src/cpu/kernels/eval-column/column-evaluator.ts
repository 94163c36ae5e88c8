/**
 * The node walk of `evalColumn`: evaluates an expression over a list of parts (the table's
 * batches, or one block of a batch), node by node — each node over every part before its
 * parent, operands and their conversions in the order the reference evaluator takes them — so
 * that over whole batches the first error raised is the reference's. Subtrees without a
 * columnar kernel (string functions, casts from or to strings) go to the reference evaluator,
 * which needs whole batches.
 */
import * as arrow from 'apache-arrow';
import type { Expr, ExprNode } from '../../../plan/expr.js';
import { exprType, type Schema } from '../../../plan/expr-type.js';
import { valueTypeOf, type ValueType } from '../../../plan/value-type.js';
import { evalExprVector } from '../eval-expr.js';
import { arithmeticLane } from './arithmetic-lane.js';
import { castLane } from './cast-lane.js';
import { coerceLane, literalLane } from './coerce-lane.js';
import { compareLanes, type CmpOp } from './compare-lanes.js';
import { isInLane } from './is-in-lane.js';
import { NULL_LANE, type Lane, type Scratch } from './lane.js';
import { logicLane } from './logic-lane.js';
import { mathLane, type MathOp } from './math-lane.js';
import { readLane } from './read-lane.js';
import { hasLoneSurrogate } from './string-lane.js';
import { whenLane } from './when-lane.js';

type Binary = Extract<ExprNode, { kind: 'binary' }>;
type Unary = Extract<ExprNode, { kind: 'unary' }>;

/** What an evaluator reads: the table, and the parts of it it computes over. */
export interface LaneSource {
  table: arrow.Table;
  schema: Schema;
  /** Row count of each part. */
  rows: readonly number[];
  /** Column `index` of part `part`. */
  column(index: number, part: number): arrow.Data;
  scratch: Scratch;
  /** Types of the nodes seen so far, shared by the evaluators of one call. */
  types: Map<Expr, ValueType>;
}

/** A literal string that UTF-8 bytes cannot stand for, so the reference must compare it. */
function hasOddString(values: readonly unknown[]): boolean {
  return values.some((v) => typeof v === 'string' && hasLoneSurrogate(v));
}

function literalValues(...exprs: Expr[]): unknown[] {
  return exprs.flatMap((e) => (e.node.kind === 'lit' ? [e.node.value] : []));
}

/**
 * Index of column `name` in `table`, or -1 when absent or typed otherwise than `schema` says.
 *
 * @example
 * columnIndex(table, tableSchema(table), 'price')
 */
export function columnIndex(table: arrow.Table, schema: Schema, name: string): number {
  const index = table.schema.fields.findIndex((f) => f.name === name);
  // A schema that says otherwise than the data is the reference's to interpret.
  return index >= 0 && valueTypeOf(table.schema.fields[index]!.type) === schema.get(name) ? index : -1;
}

/**
 * Evaluates expressions over the parts of one source.
 *
 * @example
 * const lanes = new ColumnEvaluator(source).evaluate(col('a').add(1)); // one lane per part
 */
export class ColumnEvaluator {
  private readonly columns = new Map<string, Lane[]>();

  constructor(private readonly source: LaneSource) {}

  typeOf(e: Expr): ValueType {
    let t = this.source.types.get(e);
    if (t === undefined) {
      t = exprType(e, this.source.schema);
      this.source.types.set(e, t);
    }
    return t;
  }

  private each(f: (k: number, n: number) => Lane): Lane[] {
    return this.source.rows.map((n, k) => f(k, n));
  }

  /** Whether evaluating `e` hands some subtree to the reference evaluator. */
  usesReference(e: Expr): boolean {
    const node = e.node;
    switch (node.kind) {
      case 'col': return columnIndex(this.source.table, this.source.schema, node.name) < 0;
      case 'lit': return false;
      case 'alias': return this.usesReference(node.arg);
      case 'binary':
        return node.op === 'startsWith' || node.op === 'contains' || hasOddString(literalValues(node.left, node.right))
          || this.usesReference(node.left) || this.usesReference(node.right);
      case 'unary': return node.op === 'lower' || node.op === 'upper' || this.usesReference(node.arg);
      case 'isIn': return hasOddString(node.values) || this.usesReference(node.arg);
      case 'cast': return node.to === 'string' || this.typeOf(node.arg) === 'string' || this.usesReference(node.arg);
      case 'fillNull': return this.usesReference(node.arg) || this.usesReference(node.fill);
      case 'when':
        return node.branches.some((b) => this.usesReference(b.cond) || this.usesReference(b.value)) || this.usesReference(node.otherwise);
    }
  }

  /** `e` as lanes of type `as`, converted as the reference converts an operand. */
  private operand(e: Expr, as: ValueType): Lane[] {
    const scratch = this.source.scratch;
    if (e.node.kind === 'lit') {
      const lane = literalLane(e.node.value, as);
      return this.each((_, n) => coerceLane(lane, as, as, n, scratch));
    }
    const from = this.typeOf(e);
    return this.evaluate(e).map((lane, k) => coerceLane(lane, from, as, this.source.rows[k]!, scratch));
  }

  /** The reference evaluator for a subtree (the parts must be the table's batches). */
  private fallback(e: Expr): Lane[] {
    const vector = evalExprVector(e, this.source.table, this.source.schema);
    let start = 0;
    return this.each((_, n) => {
      let part = vector.slice(start, start + n);
      start += n;
      if (part.data.length !== 1) part = arrow.vectorFromArray([...part] as never[], part.type);
      return readLane(part.data[0]!);
    });
  }

  evaluate(e: Expr): Lane[] {
    const node = e.node;
    const scratch = this.source.scratch;
    switch (node.kind) {
      case 'col': {
        const cached = this.columns.get(node.name);
        if (cached !== undefined) return cached;
        const index = columnIndex(this.source.table, this.source.schema, node.name);
        const lanes = index < 0 ? this.fallback(e) : this.each((k) => readLane(this.source.column(index, k), scratch));
        this.columns.set(node.name, lanes);
        return lanes;
      }
      case 'lit':
        return this.operand(e, this.typeOf(e));
      case 'alias':
        return this.evaluate(node.arg);
      case 'binary':
        return this.binary(e, node);
      case 'unary':
        return this.unary(e, node);
      case 'isIn': {
        if (hasOddString(node.values)) return this.fallback(e);
        const a = this.operand(node.arg, this.typeOf(node.arg));
        return this.each((k, n) => isInLane(a[k]!, node.values, n, scratch));
      }
      case 'cast': {
        const to = node.to;
        const from = this.typeOf(node.arg);
        if (to === 'string' || from === 'string') return this.fallback(e);
        const a = this.operand(node.arg, from);
        return this.each((k, n) => castLane(a[k]!, to, n, scratch));
      }
      case 'fillNull': {
        const type = this.typeOf(e);
        const a = this.operand(node.arg, type);
        const f = this.operand(node.fill, type);
        return this.each((k, n) => whenLane([logicLane('isNotNull', a[k]!, null, n, scratch)], [a[k]!], f[k]!, type, n, scratch));
      }
      case 'when': {
        const type = this.typeOf(e);
        const conds = node.branches.map((b) => this.operand(b.cond, 'bool'));
        const values = node.branches.map((b) => this.operand(b.value, type));
        const otherwise = this.operand(node.otherwise, type);
        return this.each((k, n) => whenLane(conds.map((c) => c[k]!), values.map((v) => v[k]!), otherwise[k]!, type, n, scratch));
      }
    }
  }

  private binary(e: Expr, node: Binary): Lane[] {
    const { op, left, right } = node;
    const scratch = this.source.scratch;
    switch (op) {
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
      case 'mod': {
        const type = this.typeOf(e);
        if (type === 'null') return this.each(() => NULL_LANE);
        const a = this.operand(left, type);
        const b = this.operand(right, type);
        return this.each((k, n) => arithmeticLane(op, a[k]!, b[k]!, n, scratch));
      }
      case 'and':
      case 'or': {
        const a = this.operand(left, 'bool');
        const b = this.operand(right, 'bool');
        return this.each((k, n) => logicLane(op, a[k]!, b[k]!, n, scratch));
      }
      case 'startsWith':
      case 'contains':
        return this.fallback(e);
      default: {
        if (hasOddString(literalValues(left, right))) return this.fallback(e);
        const a = this.operand(left, this.typeOf(left));
        const b = this.operand(right, this.typeOf(right));
        return this.each((k, n) => compareLanes(op as CmpOp, a[k]!, b[k]!, n, scratch));
      }
    }
  }

  private unary(e: Expr, node: Unary): Lane[] {
    const { op } = node;
    const scratch = this.source.scratch;
    if (op === 'lower' || op === 'upper') return this.fallback(e);
    const a = this.operand(node.arg, this.typeOf(node.arg));
    if (op === 'isNull' || op === 'isNotNull' || op === 'not') return this.each((k, n) => logicLane(op, a[k]!, null, n, scratch));
    const type = this.typeOf(e);
    return this.each((k, n) => mathLane(op as MathOp, a[k]!, type, n, scratch));
  }
}
