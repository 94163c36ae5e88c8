/**
 * The lazy graph of chunked arrays: small immutable nodes, each an operation on input nodes,
 * with its shape, chunks and dtype worked out when it is built. A node's key is a hash of its
 * operation, parameters and input keys, so the same expression built twice has the same key,
 * and `compute(a, b)` runs a subexpression that both share once.
 */
import { createHash } from 'node:crypto';
import type { ArrayDType, Block } from '../cpu/kernels/array-block.js';
import { exactJson, type FusedExpr } from '../cpu/kernels/array-expr.js';
import type { Generator } from '../cpu/kernels/array-generate.js';
import type { ArrayReduceOp } from '../cpu/kernels/array-reduce.js';
import type { ShippedFunction } from '../exec/ship-function.js';

/** One dimension of a slice, normalized: `count` elements from `start`, every `step`. */
export interface SliceDim {
  start: number;
  step: number;
  count: number;
}

export type NodeOp =
  /** Data given by the user, held in shared memory. */
  | { kind: 'source'; block: Block; id: number }
  | { kind: 'generate'; gen: Generator }
  /** One elementwise operation; `expr` reads the node's inputs by position. */
  | { kind: 'elementwise'; name: string; expr: FusedExpr }
  | { kind: 'reduce'; op: ArrayReduceOp; axes: number[]; keepdims: boolean; ddof: number }
  | { kind: 'transpose'; axes: number[] }
  | { kind: 'matmul' }
  /** The input cut into this node's chunks. */
  | { kind: 'rechunk' }
  | { kind: 'slice'; dims: SliceDim[] }
  | { kind: 'concat'; axis: number }
  | { kind: 'stack'; axis: number }
  | { kind: 'map'; fn: ShippedFunction };

export interface ArrayNode {
  readonly key: string;
  readonly op: NodeOp;
  readonly inputs: readonly ArrayNode[];
  readonly shape: readonly number[];
  readonly chunks: readonly (readonly number[])[];
  readonly dtype: ArrayDType;
}

/** What identifies an operation in its key (sources by their id, not their values). */
function describe(op: NodeOp): unknown {
  switch (op.kind) {
    case 'source':
      return { kind: 'source', id: op.id };
    case 'map':
      return { kind: 'map', source: op.fn.source };
    default:
      return op;
  }
}

/**
 * A node with its deterministic key.
 *
 * @example
 * const n = makeNode({ kind: 'transpose', axes: [1, 0] }, [x], [4, 3], [[4], [3]], x.dtype);
 */
export function makeNode(op: NodeOp, inputs: readonly ArrayNode[], shape: readonly number[], chunks: readonly (readonly number[])[], dtype: ArrayDType): ArrayNode {
  const text = exactJson([describe(op), inputs.map((i) => i.key), shape, chunks, dtype]);
  const key = `${op.kind}-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
  return { key, op, inputs, shape: [...shape], chunks: chunks.map((c) => [...c]), dtype };
}
