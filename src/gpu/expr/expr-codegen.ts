/**
 * The expression walker: turns one `Expr` into WGSL statements (one `let` per node, a value
 * and its validity) with exactly the CPU reference's semantics (cpu/kernels/eval-expr.ts):
 * operands converted to the promoted type the way `sub()` does there, nulls propagating,
 * SQL's three-valued and/or, integer division by zero giving null, every comparison exact
 * across types. What the GPU cannot do faithfully throws `NotOnGpu` with a reason naming the
 * operator and its operands, which explain() shows.
 */
import type { Expr, LiteralValue } from '../../plan/expr.js';
import { exprType, type Schema } from '../../plan/expr-type.js';
import { isNumeric, type ValueType } from '../../plan/value-type.js';
import { compareValues } from '../../cpu/kernels/compare-values.js';
import type { DeviceLayout } from '../upload-table.js';
import {
  arithmeticSnippet, castSnippet, compareSnippet, convertSnippet, divisorNonZero, f64Of, MATH, orderingTest, unarySnippet,
} from './op-snippets.js';
import { isWide, literalAs, matchingConstant, NotOnGpu, reprOf, wgslConstant, wgslType, zeroOf } from './wgsl-value.js';

/** How an input column sits on the device. */
export interface InputLayout {
  layout: DeviceLayout;
  /** Whether its windows carry a validity bitmap. */
  nullable: boolean;
}

/** A value inside the generated code: WGSL names (or constants) for the value and its validity. */
export interface Val {
  type: ValueType;
  v: string;
  ok: string;
  /** For dictionary codes: the column whose dictionary they index. */
  column?: string;
}

/** An input column the kernel binds, in binding order. */
export interface CodegenInput {
  name: string;
  nullable: boolean;
  wide: boolean;
}

/** A string literal whose dictionary code the host fills in at dispatch time. */
export interface CodeSlot {
  column: string;
  value: string;
}

function describe(e: Expr): string {
  let node = e.node;
  while (node.kind === 'alias') node = node.arg.node;
  if (node.kind === 'col') return `'${node.name}'`;
  if (node.kind === 'lit') return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
  return e.key;
}

function and(a: string, b: string): string {
  if (a === 'true') return b;
  if (b === 'true') return a;
  if (a === 'false' || b === 'false') return 'false';
  return `(${a} && ${b})`;
}

export class ExprCodegen {
  readonly lines: string[] = [];
  readonly inputs: CodegenInput[] = [];
  readonly codes: CodeSlot[] = [];
  private readonly columns = new Map<string, Val>();
  private next = 0;

  constructor(
    private readonly schema: Schema,
    private readonly layouts: ReadonlyMap<string, InputLayout>,
  ) {}

  private let(type: string, expr: string): string {
    const name = `t${this.next++}`;
    this.lines.push(`  let ${name}: ${type} = ${expr};`);
    return name;
  }

  private value(type: ValueType, v: string, ok: string): Val {
    return { type, v: this.let(wgslType(reprOf(type)), v), ok: ok === 'true' || ok === 'false' ? ok : this.let('bool', ok) };
  }

  private nullOf(type: ValueType): Val {
    return { type, v: zeroOf(reprOf(type)), ok: 'false' };
  }

  /**
   * A null result whose operands the CPU still evaluates (and may raise on): they are
   * generated for their traps, and their values dropped.
   */
  private nullAfter(type: ValueType, ...operands: Expr[]): Val {
    for (const e of operands) if (e.node.kind !== 'lit') this.gen(e);
    return this.nullOf(type);
  }

  /** The CPU's `sub(e, as)`: a literal taken at `as` directly, anything else at its own type and converted. */
  sub(e: Expr, as: ValueType): Val {
    if (e.node.kind === 'lit') {
      const value = e.node.value;
      if (value === null) return this.nullOf(as);
      return { type: as, v: wgslConstant(isNumeric(as) ? literalAs(value, as) : (value as number | boolean), as), ok: 'true' };
    }
    const r = this.gen(e);
    if (!isNumeric(as) || r.type === as) return r;
    if (r.type === 'null') return this.nullOf(as);
    return this.value(as, convertSnippet(r.v, r.type, as, r.ok), r.ok);
  }

  private column(name: string, type: ValueType): Val {
    const known = this.columns.get(name);
    if (known !== undefined) return known;
    const input = this.layouts.get(name);
    if (input === undefined) throw new NotOnGpu(`column '${name}' is not on the device`);
    const { layout } = input;
    const fits = layout.kind === 'number' ? layout.dtype === type : layout.kind === 'bool' ? type === 'bool' : type === 'string';
    if (!fits) {
      const why = type === 'string' ? `'${name}' is a plain string column; string operations run on the CPU` : `column '${name}' of type ${type} cannot go to the GPU`;
      throw new NotOnGpu(why);
    }
    const k = this.inputs.length;
    const repr = reprOf(type);
    this.inputs.push({ name, nullable: input.nullable, wide: isWide(repr) });
    const at = `in_${k}`;
    const read = isWide(repr) ? `vec2<u32>(${at}[2u * i], ${at}[2u * i + 1u])`
      : repr === 'bool' ? `${at}[i] != 0u`
        : repr === 'i32' || repr === 'code' ? `bitcast<i32>(${at}[i])` : `${at}[i]`;
    const ok = input.nullable ? `valid_bit(${at}_ok[i >> 5u], i)` : 'true';
    const val: Val = { ...this.value(type, read, ok), column: name };
    this.columns.set(name, val);
    return val;
  }

  /** WGSL for `e` at its own type. */
  gen(e: Expr): Val {
    const type = exprType(e, this.schema);
    const node = e.node;
    switch (node.kind) {
      case 'col':
        return this.column(node.name, type);
      case 'alias':
        return this.gen(node.arg);
      case 'lit':
        return this.sub(e, type);
      case 'binary': {
        const { op } = node;
        const names = `${describe(node.left)} and ${describe(node.right)}`;
        if (op === 'add' || op === 'sub' || op === 'mul' || op === 'div' || op === 'mod') {
          if (type === 'null') return this.nullOf(type);
          if (!isNumeric(type)) throw new NotOnGpu(`${op} of ${names} runs on the CPU`);
          const a = this.sub(node.left, type);
          const b = this.sub(node.right, type);
          const live = and(a.ok, b.ok);
          const nonZero = divisorNonZero(op, type, b.v);
          return this.value(type, arithmeticSnippet(op, type, a.v, b.v, live, names), nonZero === null ? live : and(live, nonZero));
        }
        if (op === 'and' || op === 'or') {
          const a = this.sub(node.left, 'bool');
          const b = this.sub(node.right, 'bool');
          const decided = op === 'and'
            ? this.let('bool', `(${a.ok} && !${a.v}) || (${b.ok} && !${b.v})`)
            : this.let('bool', `(${a.ok} && ${a.v}) || (${b.ok} && ${b.v})`);
          return this.value('bool', op === 'and' ? `!${decided}` : decided, `${decided} || ${and(a.ok, b.ok)}`);
        }
        if (op === 'startsWith' || op === 'contains') throw new NotOnGpu(`${op} of ${names} runs on the CPU`);
        return this.comparison(e, op, names);
      }
      case 'unary': {
        const argType = exprType(node.arg, this.schema);
        const name = describe(node.arg);
        if (node.op === 'isNull' || node.op === 'isNotNull') {
          const a = this.sub(node.arg, argType);
          return this.value('bool', node.op === 'isNull' ? `!${a.ok}` : a.ok, 'true');
        }
        if (node.op === 'lower' || node.op === 'upper') throw new NotOnGpu(`${node.op} of ${name} runs on the CPU`);
        const math = MATH[node.op];
        if (math !== undefined) {
          // Always float64, computed from the argument as a double (Number(v) on the CPU).
          if (argType === 'null') return this.nullAfter(type, node.arg);
          const a = this.sub(node.arg, argType);
          return this.value(type, math(f64Of(a.v, argType)), a.ok);
        }
        if (type === 'null' || argType === 'null') return this.nullAfter(type, node.arg);
        const a = this.sub(node.arg, argType);
        if (node.op === 'not') return this.value('bool', `!${a.v}`, a.ok);
        return this.value(type, unarySnippet(node.op, type, a.v, a.ok, name), a.ok);
      }
      case 'isIn':
        return this.isIn(node.arg, node.values);
      case 'cast': {
        const argType = exprType(node.arg, this.schema);
        if (argType === 'null') return this.nullAfter(type, node.arg);
        const a = this.sub(node.arg, argType);
        return this.value(type, castSnippet(a.v, argType, node.to, a.ok, describe(node.arg)), a.ok);
      }
      case 'fillNull': {
        if (type === 'null') return this.nullAfter(type, node.arg, node.fill);
        if (type === 'string') throw new NotOnGpu(`fillNull of ${describe(node.arg)} (strings) runs on the CPU`);
        const a = this.sub(node.arg, type);
        const f = this.sub(node.fill, type);
        return this.value(type, `select(${f.v}, ${a.v}, ${a.ok})`, `${a.ok} || ${f.ok}`);
      }
      case 'when': {
        if (type === 'string') throw new NotOnGpu(`when with string branches runs on the CPU`);
        const conds = node.branches.map((b) => this.sub(b.cond, 'bool'));
        const values = node.branches.map((b) => this.sub(b.value, type));
        const otherwise = this.sub(node.otherwise, type);
        if (type === 'null') return this.nullOf(type);
        let v = otherwise.v;
        let ok = otherwise.ok;
        for (let k = node.branches.length - 1; k >= 0; k--) {
          const taken = this.let('bool', and(conds[k]!.ok, conds[k]!.v));
          v = this.let(wgslType(reprOf(type)), `select(${v}, ${values[k]!.v}, ${taken})`);
          ok = this.let('bool', `select(${ok}, ${values[k]!.ok}, ${taken})`);
        }
        return { type, v, ok };
      }
    }
  }

  private codeSlot(column: string, value: string): string {
    let k = this.codes.findIndex((c) => c.column === column && c.value === value);
    if (k < 0) {
      k = this.codes.length;
      this.codes.push({ column, value });
    }
    return `params.codes[${k >> 2}][${k & 3}]`;
  }

  private comparison(e: Expr, op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', names: string): Val {
    if (e.node.kind !== 'binary') throw new TypeError('not a comparison');
    const { left, right } = e.node;
    const lt = exprType(left, this.schema);
    const rt = exprType(right, this.schema);
    if (lt === 'null' || rt === 'null') return this.nullAfter('bool', left, right);
    if (lt === 'string' || rt === 'string') {
      const ll = left.node.kind === 'lit' ? left.node.value : undefined;
      const rl = right.node.kind === 'lit' ? right.node.value : undefined;
      if (typeof ll === 'string' && typeof rl === 'string') {
        return this.value('bool', orderingTest(op, String(Math.sign(compareValues(ll, rl)))), 'true');
      }
      if (op !== 'eq' && op !== 'ne') throw new NotOnGpu(`ordering strings (${op} of ${names}) runs on the CPU`);
      const [side, literal] = typeof rl === 'string' ? [left, rl] : typeof ll === 'string' ? [right, ll] : [null, null];
      if (side === null) throw new NotOnGpu(`comparing two string columns (${names}) runs on the CPU`);
      const a = this.gen(side);
      if (a.column === undefined) throw new NotOnGpu(`${op} of ${names} runs on the CPU`);
      return this.value('bool', `${a.v} ${op === 'eq' ? '==' : '!='} ${this.codeSlot(a.column, literal)}`, a.ok);
    }
    const a = this.sub(left, lt);
    const b = this.sub(right, rt);
    return this.value('bool', orderingTest(op, compareSnippet(a.v, lt, b.v, rt)), and(a.ok, b.ok));
  }

  private isIn(arg: Expr, values: readonly LiteralValue[]): Val {
    const t = exprType(arg, this.schema);
    if (t === 'null') return this.nullAfter('bool', arg);
    const a = this.sub(arg, t);
    const hasNull = values.includes(null);
    const tests: string[] = [];
    const r = reprOf(t);
    if (r === 'code') {
      if (a.column === undefined) throw new NotOnGpu(`isIn of ${describe(arg)} runs on the CPU`);
      for (const w of new Set(values)) if (typeof w === 'string') tests.push(`${a.v} == ${this.codeSlot(a.column, w)}`);
    } else {
      const x = r === 'f32' || r === 'f64' ? this.let('vec2<u32>', f64Of(a.v, t)) : a.v;
      const seen = new Set<string>();
      for (const w of values) {
        if (w === null || typeof w === 'string') continue;
        const c = matchingConstant(w, t);
        if (c === null) continue;
        const lit = r === 'f32' || r === 'f64' ? wgslConstant(c, 'float64') : wgslConstant(c, t);
        if (seen.has(lit)) continue;
        seen.add(lit);
        tests.push(r === 'f32' || r === 'f64' ? `cmp_f64(${x}, ${lit}) == 0` : isWide(r) ? `all(${x} == ${lit})` : `${x} == ${lit}`);
      }
    }
    const match = tests.length === 0 ? 'false' : this.let('bool', tests.join(' || '));
    return this.value('bool', match, hasNull ? and(a.ok, match) : a.ok);
  }
}
