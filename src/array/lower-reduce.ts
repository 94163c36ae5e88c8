/**
 * Lowers a reduction: one partial task per input block (running the fused chain that makes the
 * block, when the input is one), then, per output block, a tree of combine tasks over the
 * partials of the blocks that reduce into it (FAN_IN at a time), the root finishing the result.
 * An output block fed by one input block gets its result from that block's task directly.
 */
import type { ReduceTask } from '../cpu/kernels/array-task.js';
import type { ArrayNode, NodeOp } from './array-node.js';
import { blockIndices, blockNumber, blockShape, chunkOffsets } from './chunks.js';
import type { GraphLowering } from './lower-graph.js';
import { asBlock, asPartial, type BlockRef } from './task-graph.js';

/** Partials merged per combine task. */
const FAN_IN = 8;

/**
 * Adds the tasks of reduction `node` to `lowering`'s graph and returns its block refs.
 *
 * @example
 * const refs = lowerReduce(lowering, node, node.op as Extract<NodeOp, { kind: 'reduce' }>);
 */
export function lowerReduce(lowering: GraphLowering, node: ArrayNode, op: Extract<NodeOp, { kind: 'reduce' }>): (idx: readonly number[]) => BlockRef {
  const x = node.inputs[0]!;
  const chain = lowering.fusible(x) ? lowering.fused(x) : null;
  const blocks = chain === null ? lowering.blocks(x) : null;
  const offsets = x.chunks.map(chunkOffsets);
  const outIndex = (idx: readonly number[]): number[] =>
    op.keepdims ? idx.map((i, d) => (op.axes.includes(d) ? 0 : i)) : idx.filter((_, d) => !op.axes.includes(d));
  const ref = (idx: readonly number[]): BlockRef => ({ key: `${node.key}/${idx.join('.')}`, shape: blockShape(node.chunks, idx) });
  // The input blocks of each output block, in the input's row-major order.
  const groups = new Map<string, number[][]>();
  for (const idx of blockIndices(x.chunks)) {
    const out = ref(outIndex(idx)).key;
    let list = groups.get(out);
    if (list === undefined) groups.set(out, (list = []));
    list.push(idx);
  }
  const operator = op.op;
  for (const [outKey, members] of groups) {
    const outIdx = outIndex(members[0]!);
    const block = blockNumber(node.chunks, outIdx);
    const finish = { ddof: op.ddof, shape: ref(outIdx).shape, dtype: node.dtype };
    let level = members.map((idx, m) => {
      const key = members.length === 1 ? outKey : `${node.key}/p${m}/${outIdx.join('.')}`;
      const source = chain?.(idx);
      const dep = blocks?.(idx);
      const deps = source !== undefined ? source.deps.map((d) => d.key) : [dep!.key];
      const offset = idx.map((i, d) => offsets[d]![i]!);
      lowering.add({
        key, deps, operator, block,
        build: (get): ReduceTask => ({
          kind: 'reduce', op: op.op, axes: op.axes, input: source !== undefined ? source.build(get) : asBlock(get(dep!.key), dep!),
          offset, arrayShape: [...x.shape], finish: members.length === 1 ? finish : null,
        }),
      });
      return key;
    });
    for (let depth = 0; level.length > 1; depth++) {
      const next: string[] = [];
      for (let g = 0; g < level.length; g += FAN_IN) {
        const parts = level.slice(g, g + FAN_IN);
        const root = level.length <= FAN_IN;
        const key = root ? outKey : `${node.key}/c${depth}.${g / FAN_IN}/${outIdx.join('.')}`;
        lowering.add({
          key, deps: parts, operator, block,
          build: (get) => ({ kind: 'combine', op: op.op, parts: parts.map((p) => asPartial(get(p), p)), finish: root ? finish : null }),
        });
        next.push(key);
      }
      level = next;
    }
  }
  return ref;
}
