/**
 * Elementwise operations as nodes: numpy broadcasting (shapes aligned on the right, a dimension
 * of size 1 repeats), numpy type promotion, and the chunks of the result (the common refinement
 * of the operands' chunks, so each output block lies inside one block of each operand).
 *
 * Promotion: float64 with anything → float64; float32 with int32 → float64; float32 with
 * float32 → float32; int32 with int32 → int32 (wrapping on overflow, as numpy). A JS number is a
 * "weak" scalar (numpy 2): it takes the array's type, except that a non-integer (or one beyond
 * int32) with an int32 array gives float64. `div`, `pow` and the float functions (sqrt exp log
 * sin cos tanh) of int32 give float64. Comparisons give int32 0/1: there is no bool dtype.
 */
import type { ArrayDType } from '../cpu/kernels/array-block.js';
import { COMPARE_OPS, type BinaryOp, type FusedExpr, type UnaryOp } from '../cpu/kernels/array-expr.js';
import { PlanError } from '../errors.js';
import { makeNode, type ArrayNode } from './array-node.js';
import { refineChunks, regularChunks } from './chunks.js';

/** An operand: an array, or a number broadcast against it. */
export type Operand = ArrayNode | number;

type Kind = ArrayDType | 'weak-int' | 'weak-float';

const FLOAT_ONLY: ReadonlySet<string> = new Set(['div', 'pow', 'sqrt', 'exp', 'log', 'sin', 'cos', 'tanh']);

function kindOf(x: Operand): Kind {
  if (typeof x !== 'number') return x.dtype;
  return Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 ? 'weak-int' : 'weak-float';
}

/**
 * The numpy result type of operands of these kinds.
 *
 * @example
 * promote(['int32', 'float32']); // 'float64'
 */
export function promote(kinds: readonly Kind[]): ArrayDType {
  const strong = kinds.filter((k): k is ArrayDType => !k.startsWith('weak'));
  let out: ArrayDType = 'int32';
  if (strong.includes('float64') || (strong.includes('float32') && strong.includes('int32'))) out = 'float64';
  else if (strong.includes('float32')) out = 'float32';
  else if (strong.length === 0 && kinds.includes('weak-float')) out = 'float64';
  if (out === 'int32' && kinds.includes('weak-float')) out = 'float64';
  return out;
}

/**
 * The broadcast shape of several shapes, or a PlanError naming all of them and the operator.
 *
 * @example
 * broadcastShapes([[3, 1], [4]], 'add'); // [3, 4]
 */
export function broadcastShapes(shapes: readonly (readonly number[])[], what: string): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = nd - s.length + i;
      const v = s[i]!;
      if (v === out[d] || v === 1) continue;
      if (out[d] !== 1) {
        const list = shapes.map((x) => `[${x.join(', ')}]`).join(' and ');
        throw new PlanError('SHAPE_MISMATCH', `${what}: shapes ${list} do not broadcast (dimension ${d}: ${out[d]} vs ${v})`);
      }
      out[d] = v;
    }
  }
  return out;
}

/** The chunks of a broadcast result: per dimension, the refinement of the operands that span it. */
export function unifyChunks(inputs: readonly ArrayNode[], shape: readonly number[]): number[][] {
  return shape.map((size, d) => {
    const spans = inputs
      .map((x) => ({ x, i: d - (shape.length - x.shape.length) }))
      .filter(({ x, i }) => i >= 0 && x.shape[i] === size)
      .map(({ x, i }) => x.chunks[i]!);
    return spans.length === 0 ? regularChunks(size, Math.max(size, 1)) : refineChunks(spans);
  });
}

function castTo(e: FusedExpr, dtype: ArrayDType): FusedExpr {
  if (e.dtype === dtype) return e;
  if (e.kind === 'const') return { kind: 'const', value: dtype === 'float32' ? Math.fround(e.value) : e.value, dtype };
  return { kind: 'cast', arg: e, dtype };
}

/**
 * Builds one elementwise node: `build` receives each operand as an expression (arrays as
 * inputs, numbers as constants) and the compute dtype, and returns the node's expression.
 */
function elementwise(name: string, operands: readonly Operand[], compute: ArrayDType, build: (args: FusedExpr[]) => FusedExpr): ArrayNode {
  const inputs: ArrayNode[] = [];
  const args = operands.map((x): FusedExpr => {
    if (typeof x === 'number') {
      if (typeof x !== 'number') throw new PlanError('BAD_OPERAND', `${name}: operands must be arrays or numbers`);
      return castTo({ kind: 'const', value: x, dtype: compute }, compute);
    }
    let index = inputs.findIndex((i) => i.key === x.key);
    if (index < 0) index = inputs.push(x) - 1;
    return castTo({ kind: 'input', index, dtype: x.dtype }, compute);
  });
  const shape = broadcastShapes(inputs.map((x) => x.shape), name);
  const expr = build(args);
  return makeNode({ kind: 'elementwise', name, expr }, inputs, shape, unifyChunks(inputs, shape), expr.dtype);
}

function checkOperand(x: unknown, name: string): asserts x is Operand {
  if (typeof x === 'number') return;
  if (typeof x !== 'object' || x === null || !('key' in x)) throw new PlanError('BAD_OPERAND', `${name}: an operand must be an array or a number, not ${typeof x}`);
}

/**
 * `a op b` with broadcasting and promotion.
 *
 * @example
 * const node = binaryNode('add', x.node, 1);
 */
export function binaryNode(op: BinaryOp, a: Operand, b: Operand): ArrayNode {
  checkOperand(a, op);
  checkOperand(b, op);
  let compute = promote([kindOf(a), kindOf(b)]);
  if (compute === 'int32' && FLOAT_ONLY.has(op)) compute = 'float64';
  const compare = (COMPARE_OPS as readonly string[]).includes(op);
  return elementwise(op, [a, b], compute, ([x, y]) => ({ kind: 'binary', op, a: x!, b: y!, dtype: compare ? 'int32' : compute }));
}

/**
 * `op(a)`; the float functions of int32 give float64.
 *
 * @example
 * const node = unaryNode('sqrt', x.node);
 */
export function unaryNode(op: UnaryOp, a: ArrayNode): ArrayNode {
  const compute = a.dtype === 'int32' && FLOAT_ONLY.has(op) ? 'float64' : a.dtype;
  return elementwise(op, [a], compute, ([x]) => ({ kind: 'unary', op, arg: x!, dtype: compute }));
}

/**
 * `cond ? a : b` elementwise; `cond` is true where it is not 0 (NaN is true, as in numpy).
 *
 * @example
 * const node = whereNode(x.gt(0).node, x.node, 0);
 */
export function whereNode(cond: Operand, a: Operand, b: Operand): ArrayNode {
  for (const x of [cond, a, b]) checkOperand(x, 'where');
  const compute = promote([kindOf(a), kindOf(b)]);
  return elementwise('where', [cond, a, b], compute, ([c, x, y]) => {
    // The condition keeps its own type: only the two branches are promoted.
    const raw = typeof cond === 'number' ? { kind: 'const' as const, value: cond, dtype: 'float64' as const } : c!.kind === 'cast' ? c!.arg : c!;
    return { kind: 'where', cond: raw, a: x!, b: y!, dtype: compute };
  });
}

/**
 * `a` converted to `dtype` (float to int32 truncates toward zero and wraps, as numpy's astype).
 *
 * @example
 * const node = castNode(x.node, 'float64');
 */
export function castNode(a: ArrayNode, dtype: ArrayDType): ArrayNode {
  if (a.dtype === dtype) return a;
  return elementwise('astype', [a], a.dtype, ([x]) => ({ kind: 'cast', arg: x!, dtype }));
}
