/**
 * Checks an expression against a schema and gives its result type. Errors surface here, when a
 * plan is built, before any data is read: an unknown column is a `SchemaError` listing the
 * columns there are; an operation on the wrong types is a `PlanError` naming the operation, the
 * expression and the types.
 */
import { PlanError, SchemaError } from '../errors.js';
import { CAST_TYPES, type Expr, type ExprNode } from './expr.js';
import {
  adaptLiteral,
  isNumeric,
  literalType,
  promoteNumeric,
  type ValueType,
} from './value-type.js';

export type Schema = ReadonlyMap<string, ValueType>;

function mismatch(op: string, expr: Expr, detail: string): never {
  throw new PlanError('TYPE_MISMATCH', `${op}: ${detail} in ${expr.key}`);
}

/** Types of the two operands of a binary node, literals adapted to the other side. */
function operandTypes(node: Extract<ExprNode, { kind: 'binary' }>, schema: Schema): [ValueType, ValueType] {
  const { left, right } = node;
  if (left.node.kind === 'lit' && right.node.kind !== 'lit') {
    const r = exprType(right, schema);
    return [adaptLiteral(left.node.value, r), r];
  }
  if (right.node.kind === 'lit' && left.node.kind !== 'lit') {
    const l = exprType(left, schema);
    return [l, adaptLiteral(right.node.value, l)];
  }
  return [exprType(left, schema), exprType(right, schema)];
}

/** The common type of two values that meet (comparison, fillNull, when branches), or null. */
export function commonType(a: ValueType, b: ValueType): ValueType | null {
  if (a === 'null') return b;
  if (b === 'null') return a;
  if (isNumeric(a) && isNumeric(b)) return promoteNumeric(a, b);
  return a === b && a !== 'other' ? a : null;
}

/** The result type of `expr` over `schema`, or a typed error. */
export function exprType(expr: Expr, schema: Schema): ValueType {
  const node = expr.node;
  switch (node.kind) {
    case 'col': {
      const t = schema.get(node.name);
      if (t === undefined) {
        throw new SchemaError('UNKNOWN_COLUMN', `column '${node.name}' not found; the columns are: ${[...schema.keys()].join(', ')}`);
      }
      return t;
    }
    case 'lit':
      return literalType(node.value);
    case 'alias':
      return exprType(node.arg, schema);
    case 'binary': {
      const [l, r] = operandTypes(node, schema);
      const pair = `${l} and ${r}`;
      switch (node.op) {
        case 'add':
        case 'sub':
        case 'mul':
        case 'div':
        case 'mod':
          if (l === 'null' && r === 'null') return 'null';
          if ((l === 'null' || isNumeric(l)) && (r === 'null' || isNumeric(r))) {
            return l === 'null' ? r : r === 'null' ? l : promoteNumeric(l as never, r as never);
          }
          return mismatch(node.op, expr, `needs numbers, not ${pair}`);
        case 'eq':
        case 'ne':
        case 'lt':
        case 'le':
        case 'gt':
        case 'ge':
          if (commonType(l, r) === null) mismatch(node.op, expr, `cannot compare ${pair}`);
          return 'bool';
        case 'and':
        case 'or':
          if ((l === 'bool' || l === 'null') && (r === 'bool' || r === 'null')) return 'bool';
          return mismatch(node.op, expr, `needs booleans, not ${pair}`);
        case 'startsWith':
        case 'contains':
          if ((l === 'string' || l === 'null') && (r === 'string' || r === 'null')) return 'bool';
          return mismatch(node.op, expr, `needs strings, not ${pair}`);
      }
      break;
    }
    case 'unary': {
      const t = exprType(node.arg, schema);
      switch (node.op) {
        case 'isNull':
        case 'isNotNull':
          return 'bool';
        case 'not':
          if (t === 'bool' || t === 'null') return 'bool';
          return mismatch('not', expr, `needs a boolean, not ${t}`);
        case 'neg':
        case 'abs':
          if (t === 'null') return t;
          if (isNumeric(t) && !t.startsWith('u')) return t;
          if (isNumeric(t) && node.op === 'abs') return t;
          return mismatch(node.op, expr, `needs a signed number, not ${t}`);
        case 'round':
        case 'floor':
        case 'ceil':
          if (t === 'null' || isNumeric(t)) return t;
          return mismatch(node.op, expr, `needs a number, not ${t}`);
        case 'sqrt':
        case 'exp':
        case 'log':
        case 'log10':
        case 'log2':
          if (t === 'null' || isNumeric(t)) return 'float64';
          return mismatch(node.op, expr, `needs a number, not ${t}`);
        case 'lower':
        case 'upper':
          if (t === 'string' || t === 'null') return 'string';
          return mismatch(node.op, expr, `needs a string, not ${t}`);
      }
      break;
    }
    case 'isIn': {
      const t = exprType(node.arg, schema);
      for (const v of node.values) {
        if (commonType(t, adaptLiteral(v, t)) === null) mismatch('isIn', expr, `cannot compare ${t} with ${JSON.stringify(String(v))}`);
      }
      return 'bool';
    }
    case 'cast': {
      const t = exprType(node.arg, schema);
      if (!CAST_TYPES.includes(node.to)) mismatch('cast', expr, `unknown type '${node.to}'; types are ${CAST_TYPES.join(', ')}`);
      if (t === 'other') mismatch('cast', expr, `cannot cast this column's type`);
      return node.to;
    }
    case 'fillNull': {
      const t = exprType(node.arg, schema);
      const f = node.fill.node.kind === 'lit' ? adaptLiteral(node.fill.node.value, t) : exprType(node.fill, schema);
      return commonType(t, f) ?? mismatch('fillNull', expr, `cannot fill ${t} with ${f}`);
    }
    case 'when': {
      let result: ValueType = 'null';
      const values = [...node.branches.map((b) => b.value), node.otherwise];
      for (const b of node.branches) {
        const c = exprType(b.cond, schema);
        if (c !== 'bool' && c !== 'null') mismatch('when', expr, `a condition must be a boolean, not ${c}`);
      }
      for (const v of values) {
        const t: ValueType = v.node.kind === 'lit' && result !== 'null' ? adaptLiteral(v.node.value, result) : exprType(v, schema);
        result = commonType(result, t) ?? mismatch('when', expr, `branches of types ${result} and ${t} do not meet`);
      }
      return result;
    }
  }
  throw new PlanError('UNKNOWN_EXPRESSION', `unknown expression ${expr.key}`);
}

/** The output name of an expression: its alias, or the column it is, else null. */
export function exprName(expr: Expr): string | null {
  if (expr.node.kind === 'alias') return expr.node.name;
  if (expr.node.kind === 'col') return expr.node.name;
  return null;
}
