/**
 * The optimizer's last stage, fuse: makes each stage's operator chain as short as it can be
 * for one pass over a partition. Consecutive projections become one (later expressions are
 * rewritten over the earlier ones), consecutive filters one conjunction, and a head directly
 * after another keeps the smaller count. Each stage then runs as one task per partition.
 */
import { substitute, unalias } from './expr-columns.js';
import type { Shuffle, Stage, StageOp } from './stage.js';

function fuseOps(ops: readonly StageOp[]): StageOp[] {
  const out: StageOp[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (last?.kind === 'project' && op.kind === 'project') {
      const bindings = new Map(last.exprs.map((e) => [e.name, unalias(e.expr)]));
      out[out.length - 1] = { kind: 'project', exprs: op.exprs.map((e) => ({ name: e.name, expr: substitute(unalias(e.expr), bindings) })) };
    } else if (last?.kind === 'filter' && op.kind === 'filter') {
      out[out.length - 1] = { kind: 'filter', predicate: last.predicate.and(op.predicate) };
    } else if (last?.kind === 'head' && op.kind === 'head') {
      out[out.length - 1] = { kind: 'head', n: Math.min(last.n, op.n) };
    } else {
      out.push(op);
    }
  }
  return out;
}

function fuseShuffle(shuffle: Shuffle): Shuffle {
  return shuffle.kind === 'join' ? { ...shuffle, left: fuse(shuffle.left), right: fuse(shuffle.right) } : { ...shuffle, input: fuse(shuffle.input) };
}

export function fuse(stage: Stage): Stage {
  const input: Stage['input'] = stage.input.kind === 'stage' ? { kind: 'stage', stage: fuse(stage.input.stage) }
    : stage.input.kind === 'shuffle' ? { kind: 'shuffle', shuffle: fuseShuffle(stage.input.shuffle) } : stage.input;
  return { ...stage, input, ops: fuseOps(stage.ops) };
}
