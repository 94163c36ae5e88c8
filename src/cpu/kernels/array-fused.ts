/**
 * Runs a fused elementwise chain on one output block: each input block is broadcast against the
 * output's shape (numpy rules: missing leading dimensions and dimensions of size 1 repeat), and
 * the compiled loop walks the output row by row. Inputs that match the output exactly make one
 * flat row, so the common case is a single tight loop. Every output element is written, so the
 * block may go into reused memory (`task.out`).
 */
import { type ArrayDType, type Block, type BlockTarget, outBlock, sizeOf, stridesOf } from './array-block.js';
import { compileFused, type FusedExpr } from './array-expr.js';

export interface FusedTask extends BlockTarget {
  kind: 'fused';
  expr: FusedExpr;
  inputs: Block[];
  shape: number[];
  dtype: ArrayDType;
}

/** Element strides of `input` seen through the output's shape (0 where it is broadcast). */
function broadcastStrides(input: readonly number[], out: readonly number[]): number[] {
  const own = stridesOf(input);
  const lead = out.length - input.length;
  return out.map((size, d) => {
    const i = d - lead;
    if (i < 0) return 0;
    return input[i] === 1 && size !== 1 ? 0 : own[i]!;
  });
}

/**
 * The output block of `task.expr` over its input blocks.
 *
 * @example
 * const out = runFused({ kind: 'fused', expr, inputs: [a, b], shape: [2, 3], dtype: 'float64' });
 */
export function runFused(task: FusedTask): Block {
  const out = outBlock(task.dtype, task.shape, task.out);
  const n = sizeOf(task.shape);
  if (n === 0) return out;
  const nd = task.shape.length;
  const strides = task.inputs.map((b) => broadcastStrides(b.shape, task.shape));
  const outStrides = stridesOf(task.shape);
  const flat = strides.every((s) => s.every((v, d) => v === outStrides[d] || task.shape[d] === 1));
  if (flat || nd === 0) {
    const { loop, consts } = compileFused(task.expr, task.inputs.map(() => 1));
    const zero = [0];
    loop(task.inputs.map((b) => b.data), out.data, 1, n, task.inputs.map(() => zero), consts);
    return out;
  }
  const last = task.shape[nd - 1]!;
  const rows = n / last;
  const inner = strides.map((s) => (s[nd - 1] === 0 ? 0 : 1));
  const bases = strides.map((s) => {
    const starts = new Float64Array(rows);
    const idx = new Array<number>(nd - 1).fill(0);
    let base = 0;
    for (let r = 0; r < rows; r++) {
      starts[r] = base;
      // An odometer over the leading dimensions, moving each input's row start with it.
      for (let d = nd - 2; d >= 0; d--) {
        if (++idx[d]! < task.shape[d]!) {
          base += s[d]!;
          break;
        }
        base -= s[d]! * (task.shape[d]! - 1);
        idx[d] = 0;
      }
    }
    return starts;
  });
  const { loop, consts } = compileFused(task.expr, inner);
  loop(task.inputs.map((b) => b.data), out.data, rows, last, bases, consts);
  return out;
}
