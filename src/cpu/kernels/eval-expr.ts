/**
 * The CPU kernel for expressions: evaluates an `Expr` over the columns of an Arrow table, row by
 * row, with Dusk's semantics (nulls propagate; NaN equals itself and sorts above +Infinity;
 * integer division and modulo by zero give null; integer overflow raises; round and float-to-int
 * casts go half away from zero). It is the reference the GPU expression kernels are held to;
 * speed comes with the fused kernels.
 */
import * as arrow from 'apache-arrow';
import type { NumericDType } from '../../dtype.js';
import { DuskError } from '../../errors.js';
import type { BinaryOp, CastType, Expr, LiteralValue, UnaryOp } from '../../plan/expr.js';
import { exprType, type Schema } from '../../plan/expr-type.js';
import { arrowTypeOf, integerRange, isFloatType, isNumeric, valueTypeOf, type ValueType } from '../../plan/value-type.js';
import { compareValues, type Value } from './compare-values.js';

interface Evaluated {
  type: ValueType;
  values: Value[];
}

export function tableSchema(table: arrow.Table): Map<string, ValueType> {
  return new Map(table.schema.fields.map((f) => [f.name, valueTypeOf(f.type)]));
}

function overflow(what: string, type: ValueType, value: string): never {
  throw new DuskError('OVERFLOW', `${what} = ${value} overflows ${type}`);
}

/** `v` as a value of numeric type `t` (exact; bigint for 64-bit integers). */
function toNumeric(v: Value, t: NumericDType, op: string): Value {
  if (v === null) return null;
  if (t === 'int64' || t === 'uint64') {
    const b = typeof v === 'bigint' ? v : BigInt(v as number);
    return inRange(b, t, op);
  }
  const n = Number(v);
  return t === 'float32' ? Math.fround(n) : n;
}

function inRange<T extends number | bigint>(v: T, t: NumericDType, op: string): T {
  if (isFloatType(t)) return v;
  const [lo, hi] = integerRange(t);
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < lo || b > hi) overflow(op, t, String(v));
  return v;
}

function arithmetic(op: BinaryOp, a: Value, b: Value, t: NumericDType): Value {
  if (a === null || b === null) return null;
  if (t === 'int64' || t === 'uint64') {
    const x = a as bigint;
    const y = b as bigint;
    switch (op) {
      case 'add': return inRange(x + y, t, `${x} + ${y}`);
      case 'sub': return inRange(x - y, t, `${x} - ${y}`);
      case 'mul': return inRange(x * y, t, `${x} * ${y}`);
      case 'div': return y === 0n ? null : inRange(x / y, t, `${x} / ${y}`);
      default: return y === 0n ? null : x % y;
    }
  }
  const x = a as number;
  const y = b as number;
  if (isFloatType(t)) {
    const r = op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : op === 'div' ? x / y : x % y;
    return t === 'float32' ? Math.fround(r) : r;
  }
  switch (op) {
    case 'add': return inRange(x + y, t, `${x} + ${y}`);
    case 'sub': return inRange(x - y, t, `${x} - ${y}`);
    case 'mul': {
      const r = x * y;
      // Past 2^53 a product of 32-bit integers is out of every <=32-bit range anyway.
      return Number.isSafeInteger(r) ? inRange(r, t, `${x} * ${y}`) : overflow(`${x} * ${y}`, t, String(r));
    }
    case 'div': return y === 0 ? null : inRange(Math.trunc(x / y), t, `${x} / ${y}`) + 0;
    default: return y === 0 ? null : (x % y) + 0;
  }
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function unary(op: UnaryOp, v: Value, t: ValueType): Value {
  if (op === 'isNull') return v === null;
  if (op === 'isNotNull') return v !== null;
  if (v === null) return null;
  switch (op) {
    case 'not': return !v;
    case 'neg': return typeof v === 'bigint' ? inRange(-v, t as NumericDType, `-${v}`) : inRange(-(v as number), t as NumericDType, `-${v}`);
    case 'abs': return typeof v === 'bigint' ? inRange(v < 0n ? -v : v, t as NumericDType, `abs(${v})`) : inRange(Math.abs(v as number), t as NumericDType, `abs(${v})`);
    case 'sqrt': return Math.sqrt(Number(v));
    case 'exp': return Math.exp(Number(v));
    case 'log': return Math.log(Number(v));
    case 'log10': return Math.log10(Number(v));
    case 'log2': return Math.log2(Number(v));
    case 'round': return typeof v === 'number' ? roundHalfAway(v) : v;
    case 'floor': return typeof v === 'number' ? Math.floor(v) : v;
    case 'ceil': return typeof v === 'number' ? Math.ceil(v) : v;
    case 'lower': return (v as string).toLowerCase();
    case 'upper': return (v as string).toUpperCase();
  }
}

function comparison(op: BinaryOp, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  const c = compareValues(a, b);
  switch (op) {
    case 'eq': return c === 0;
    case 'ne': return c !== 0;
    case 'lt': return c < 0;
    case 'le': return c <= 0;
    case 'gt': return c > 0;
    default: return c >= 0;
  }
}

const FLOAT_TEXT = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|inf|infinity)\s*$/i;

function parseNumber(s: string): number {
  if (!FLOAT_TEXT.test(s)) throw new DuskError('CAST', `cannot cast '${s}' to a number`);
  const t = s.trim().toLowerCase().replace(/^\+/, '');
  if (t === 'nan') return Number.NaN;
  if (t === 'inf' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number(t);
}

function castValue(v: Value, to: CastType): Value {
  if (v === null) return null;
  switch (to) {
    case 'string':
      if (typeof v === 'number') {
        if (Number.isNaN(v)) return 'NaN';
        if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
      }
      return String(v);
    case 'bool':
      if (typeof v === 'string') {
        const t = v.trim().toLowerCase();
        if (['true', 't', '1', 'yes', 'y'].includes(t)) return true;
        if (['false', 'f', '0', 'no', 'n'].includes(t)) return false;
        throw new DuskError('CAST', `cannot cast '${v}' to bool`);
      }
      return typeof v === 'bigint' ? v !== 0n : Boolean(v);
    case 'float32':
    case 'float64': {
      const n = typeof v === 'string' ? parseNumber(v) : Number(v);
      return to === 'float32' ? Math.fround(n) : n;
    }
    default: {
      let b: bigint;
      if (typeof v === 'bigint') b = v;
      else if (typeof v === 'boolean') b = v ? 1n : 0n;
      else {
        const n = typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? null : typeof v === 'string' ? parseNumber(v) : v;
        if (n === null) b = BigInt((v as string).trim());
        else {
          if (!Number.isFinite(n)) throw new DuskError('CAST', `cannot cast ${n} to ${to}`);
          b = BigInt(roundHalfAway(n));
        }
      }
      const r = inRange(b, to, `cast(${String(v)})`);
      return to === 'int64' || to === 'uint64' ? r : Number(r);
    }
  }
}

function readColumn(table: arrow.Table, name: string): Value[] {
  const vector = table.getChild(name)!;
  const out: Value[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const v = vector.get(i) as Value | undefined;
    out[i] = v === undefined ? null : v;
  }
  return out;
}

function literal(value: LiteralValue, t: ValueType, rows: number): Value[] {
  const v = isNumeric(t) ? toNumeric(value, t, 'literal') : value;
  return new Array<Value>(rows).fill(v);
}

/** Evaluates `expr` over `table` (checked against its schema first). */
export function evalExpr(expr: Expr, table: arrow.Table, schema: Schema = tableSchema(table)): Evaluated {
  const type = exprType(expr, schema);
  const rows = table.numRows;
  const node = expr.node;
  const sub = (e: Expr, as: ValueType): Value[] => {
    if (e.node.kind === 'lit') return literal(e.node.value, as, rows);
    const r = evalExpr(e, table, schema);
    return isNumeric(as) && r.type !== as ? r.values.map((v) => toNumeric(v, as, 'conversion')) : r.values;
  };
  switch (node.kind) {
    case 'col':
      return { type, values: readColumn(table, node.name) };
    case 'lit':
      return { type, values: literal(node.value, type, rows) };
    case 'alias':
      return evalExpr(node.arg, table, schema);
    case 'binary': {
      const { op } = node;
      if (op === 'add' || op === 'sub' || op === 'mul' || op === 'div' || op === 'mod') {
        if (type === 'null') return { type, values: new Array<Value>(rows).fill(null) };
        const a = sub(node.left, type);
        const b = sub(node.right, type);
        return { type, values: a.map((x, i) => arithmetic(op, x, b[i]!, type as NumericDType)) };
      }
      if (op === 'and' || op === 'or') {
        const a = sub(node.left, 'bool');
        const b = sub(node.right, 'bool');
        return {
          type,
          values: a.map((x, i) => {
            const y = b[i]!;
            if (op === 'and') return x === false || y === false ? false : x === null || y === null ? null : true;
            return x === true || y === true ? true : x === null || y === null ? null : false;
          }),
        };
      }
      const lt = exprType(node.left, schema);
      const rt = exprType(node.right, schema);
      const a = sub(node.left, lt);
      const b = sub(node.right, rt);
      if (op === 'startsWith' || op === 'contains') {
        return { type, values: a.map((x, i) => (x === null || b[i] === null ? null : op === 'startsWith' ? (x as string).startsWith(b[i] as string) : (x as string).includes(b[i] as string))) };
      }
      return { type, values: a.map((x, i) => comparison(op, x, b[i]!)) };
    }
    case 'unary': {
      const argType = exprType(node.arg, schema);
      const a = sub(node.arg, argType);
      return { type, values: a.map((v) => unary(node.op, v, type)) };
    }
    case 'isIn': {
      const a = sub(node.arg, exprType(node.arg, schema));
      const list = node.values.filter((v) => v !== null) as Exclude<Value, null>[];
      const listHasNull = list.length < node.values.length;
      return {
        type,
        values: a.map((v) => (v === null ? null : list.some((w) => compareValues(v, w) === 0) ? true : listHasNull ? null : false)),
      };
    }
    case 'cast': {
      const a = sub(node.arg, exprType(node.arg, schema));
      return { type, values: a.map((v) => castValue(v, node.to)) };
    }
    case 'fillNull': {
      const a = sub(node.arg, type);
      const f = sub(node.fill, type);
      return { type, values: a.map((v, i) => (v === null ? f[i]! : v)) };
    }
    case 'when': {
      const conds = node.branches.map((b) => sub(b.cond, 'bool'));
      const values = node.branches.map((b) => sub(b.value, type));
      const otherwise = sub(node.otherwise, type);
      const out: Value[] = new Array(rows);
      for (let i = 0; i < rows; i++) {
        const k = conds.findIndex((c) => c[i] === true);
        out[i] = k < 0 ? otherwise[i]! : values[k]![i]!;
      }
      return { type, values: out };
    }
  }
}

/** Evaluates `expr` and returns an Arrow vector of its result type. */
export function evalExprVector(expr: Expr, table: arrow.Table, schema: Schema = tableSchema(table)): arrow.Vector {
  const { type, values } = evalExpr(expr, table, schema);
  if (type === 'other') throw new DuskError('UNSUPPORTED', `cannot produce a column of this type from ${expr.key}`);
  return arrow.vectorFromArray(values as never[], arrowTypeOf(type));
}
