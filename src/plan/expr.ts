/**
 * Expressions: `col`, `lit`, `when` and the methods of `Expr`. An expression is an immutable
 * tree of plain nodes; building one checks nothing (there is no schema yet). `exprType` checks
 * it against a schema, and the kernels evaluate it. Every node has a deterministic `key`, so
 * equal expressions are recognised as one in plans and caches.
 */

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'mod'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'and' | 'or'
  | 'startsWith' | 'contains';

export type UnaryOp =
  | 'neg' | 'not' | 'isNull' | 'isNotNull' | 'abs' | 'sqrt' | 'exp' | 'log' | 'log10' | 'log2'
  | 'round' | 'floor' | 'ceil' | 'lower' | 'upper';

/** Types a `cast` may name. */
export type CastType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float32' | 'float64' | 'bool' | 'string';

export const CAST_TYPES: readonly CastType[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'bool', 'string',
];

export type LiteralValue = number | bigint | string | boolean | null;

export type ExprNode =
  | { kind: 'col'; name: string }
  | { kind: 'lit'; value: LiteralValue }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'unary'; op: UnaryOp; arg: Expr }
  | { kind: 'isIn'; arg: Expr; values: LiteralValue[] }
  | { kind: 'cast'; arg: Expr; to: CastType }
  | { kind: 'fillNull'; arg: Expr; fill: Expr }
  | { kind: 'when'; branches: { cond: Expr; value: Expr }[]; otherwise: Expr }
  | { kind: 'alias'; arg: Expr; name: string };

/** Anything that can stand where an expression is expected: a literal becomes `lit(value)`. */
export type ExprLike = Expr | LiteralValue;

function literalKey(value: LiteralValue): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return JSON.stringify(value);
}

function keyOf(node: ExprNode): string {
  switch (node.kind) {
    case 'col':
      return `col(${JSON.stringify(node.name)})`;
    case 'lit':
      return `lit(${literalKey(node.value)})`;
    case 'binary':
      return `${node.op}(${node.left.key},${node.right.key})`;
    case 'unary':
      return `${node.op}(${node.arg.key})`;
    case 'isIn':
      return `isIn(${node.arg.key},[${node.values.map(literalKey).join(',')}])`;
    case 'cast':
      return `cast(${node.arg.key},${node.to})`;
    case 'fillNull':
      return `fillNull(${node.arg.key},${node.fill.key})`;
    case 'when':
      return `when(${node.branches.map((b) => `${b.cond.key}:${b.value.key}`).join(',')};${node.otherwise.key})`;
    case 'alias':
      return `alias(${node.arg.key},${JSON.stringify(node.name)})`;
  }
}

/** Wraps a literal; leaves an expression as it is. */
export function toExpr(value: ExprLike): Expr {
  return value instanceof Expr ? value : lit(value);
}

/**
 * A column expression. Methods build new expressions; nothing is evaluated until a query runs.
 *
 * @example
 * col('quantity').mul(col('price')).gt(100).and(col('status').eq('active'))
 */
export class Expr {
  /** A deterministic text of the whole tree: equal expressions have equal keys. */
  readonly key: string;

  constructor(readonly node: ExprNode) {
    this.key = keyOf(node);
  }

  private bin(op: BinaryOp, other: ExprLike): Expr {
    return new Expr({ kind: 'binary', op, left: this, right: toExpr(other) });
  }

  private un(op: UnaryOp): Expr {
    return new Expr({ kind: 'unary', op, arg: this });
  }

  add(other: ExprLike): Expr { return this.bin('add', other); }
  sub(other: ExprLike): Expr { return this.bin('sub', other); }
  mul(other: ExprLike): Expr { return this.bin('mul', other); }
  /** Float division follows IEEE; integer division truncates, and by zero gives null. */
  div(other: ExprLike): Expr { return this.bin('div', other); }
  /** Remainder with the sign of the dividend; an integer modulo by zero gives null. */
  mod(other: ExprLike): Expr { return this.bin('mod', other); }
  eq(other: ExprLike): Expr { return this.bin('eq', other); }
  ne(other: ExprLike): Expr { return this.bin('ne', other); }
  lt(other: ExprLike): Expr { return this.bin('lt', other); }
  le(other: ExprLike): Expr { return this.bin('le', other); }
  gt(other: ExprLike): Expr { return this.bin('gt', other); }
  ge(other: ExprLike): Expr { return this.bin('ge', other); }
  /** SQL's three-valued AND: null and false is false. */
  and(other: ExprLike): Expr { return this.bin('and', other); }
  /** SQL's three-valued OR: null or true is true. */
  or(other: ExprLike): Expr { return this.bin('or', other); }
  startsWith(prefix: ExprLike): Expr { return this.bin('startsWith', prefix); }
  contains(part: ExprLike): Expr { return this.bin('contains', part); }
  neg(): Expr { return this.un('neg'); }
  not(): Expr { return this.un('not'); }
  isNull(): Expr { return this.un('isNull'); }
  isNotNull(): Expr { return this.un('isNotNull'); }
  abs(): Expr { return this.un('abs'); }
  sqrt(): Expr { return this.un('sqrt'); }
  exp(): Expr { return this.un('exp'); }
  /** The natural logarithm. */
  log(): Expr { return this.un('log'); }
  log10(): Expr { return this.un('log10'); }
  log2(): Expr { return this.un('log2'); }
  /** Rounds half away from zero. */
  round(): Expr { return this.un('round'); }
  floor(): Expr { return this.un('floor'); }
  ceil(): Expr { return this.un('ceil'); }
  lower(): Expr { return this.un('lower'); }
  upper(): Expr { return this.un('upper'); }

  /** True where the value equals one of `values`; null for a null input (SQL's IN). */
  isIn(values: readonly LiteralValue[]): Expr {
    return new Expr({ kind: 'isIn', arg: this, values: [...values] });
  }

  /** `lo <= x && x <= hi`, both ends included. */
  between(lo: ExprLike, hi: ExprLike): Expr {
    return this.ge(lo).and(this.le(hi));
  }

  /** Converts to `to`; a float cast to an integer rounds half away from zero and raises when out of range. */
  cast(to: CastType): Expr {
    return new Expr({ kind: 'cast', arg: this, to });
  }

  fillNull(value: ExprLike): Expr {
    return new Expr({ kind: 'fillNull', arg: this, fill: toExpr(value) });
  }

  /** Names the expression's output column. */
  alias(name: string): Expr {
    return new Expr({ kind: 'alias', arg: this, name });
  }

  toString(): string {
    return this.key;
  }
}

/** The column `name`. */
export function col(name: string): Expr {
  return new Expr({ kind: 'col', name });
}

/** A constant: number, bigint (int64), string, boolean or null. */
export function lit(value: LiteralValue): Expr {
  return new Expr({ kind: 'lit', value });
}

/** A `when(...).then(...)` chain waiting for more branches or its `otherwise`. */
export class WhenThen {
  constructor(private readonly branches: { cond: Expr; value: Expr }[]) {}

  when(cond: ExprLike): When {
    return new When(this.branches, toExpr(cond));
  }

  otherwise(value: ExprLike): Expr {
    return new Expr({ kind: 'when', branches: this.branches, otherwise: toExpr(value) });
  }
}

export class When {
  constructor(
    private readonly branches: { cond: Expr; value: Expr }[],
    private readonly cond: Expr,
  ) {}

  then(value: ExprLike): WhenThen {
    return new WhenThen([...this.branches, { cond: this.cond, value: toExpr(value) }]);
  }
}

/**
 * A conditional: the value of the first branch whose condition is true (a null condition is
 * not true), else `otherwise`.
 *
 * @example
 * when(col('x').gt(0)).then(1).when(col('x').lt(0)).then(-1).otherwise(0)
 */
export function when(cond: ExprLike): When {
  return new When([], toExpr(cond));
}

/** What an `Expr` becomes after a structured clone (posting it to a worker): its plain data. */
export interface ExprData {
  node: unknown;
}

/** Rebuilds an `Expr` (with its methods and key) from its structured clone. */
export function reviveExpr(data: ExprData): Expr {
  if (data instanceof Expr) return data;
  const node = data.node as { kind: ExprNode['kind'] } & Record<string, unknown>;
  const r = (e: unknown): Expr => reviveExpr(e as ExprData);
  switch (node.kind) {
    case 'col':
    case 'lit':
      return new Expr(node as ExprNode);
    case 'binary':
      return new Expr({ ...(node as Extract<ExprNode, { kind: 'binary' }>), left: r(node.left), right: r(node.right) });
    case 'unary':
    case 'isIn':
    case 'cast':
    case 'alias':
      return new Expr({ ...(node as Extract<ExprNode, { kind: 'unary' }>), arg: r(node.arg) } as ExprNode);
    case 'fillNull':
      return new Expr({ kind: 'fillNull', arg: r(node.arg), fill: r(node.fill) });
    case 'when': {
      const branches = (node.branches as { cond: unknown; value: unknown }[]).map((b) => ({ cond: r(b.cond), value: r(b.value) }));
      return new Expr({ kind: 'when', branches, otherwise: r(node.otherwise) });
    }
  }
}
