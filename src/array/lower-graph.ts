/**
 * From array nodes to the task graph. Elementwise chains are fused: an elementwise node with a
 * single consumer (and not itself asked for) is inlined into that consumer's expression, so a
 * chain becomes one task per output block, and a chain that feeds a reduction runs inside the
 * reduction's per-block tasks. Operands cut differently from the chain's output are rechunked
 * first. Concat and stack make no tasks: their blocks are their inputs' blocks.
 */
import { type Block, isContiguous, sizeOf, stridesOf } from '../cpu/kernels/array-block.js';
import type { FusedExpr } from '../cpu/kernels/array-expr.js';
import type { FusedTask } from '../cpu/kernels/array-fused.js';
import type { GatherPiece } from '../cpu/kernels/array-gather.js';
import type { ArrayTaskResult } from '../cpu/kernels/array-task.js';
import { KernelError } from '../errors.js';
import { makeNode, type ArrayNode } from './array-node.js';
import { blockIndices, blockNumber, blockShape, chunkOffsets, sameChunks } from './chunks.js';
import { lowerReduce } from './lower-reduce.js';
import { asBlock, type BlockRef, type GraphTask, type TaskGraph } from './task-graph.js';

/** Block `i` of a dimension cut in `sizes` that holds element `at`, and where that block starts. */
function locate(offsets: readonly number[], at: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Block `shape` at `start` of `src` as a view when its elements are contiguous in `src` (a run
 * of whole trailing dimensions), else null.
 */
function contiguousView(src: Block, start: readonly number[], shape: readonly number[]): Block | null {
  if (!isContiguous(shape, src.shape)) return null;
  const strides = stridesOf(src.shape);
  const first = start.reduce((acc, v, d) => acc + v * strides[d]!, 0);
  return { data: src.data.subarray(first, first + sizeOf(shape)), shape: [...shape], dtype: src.dtype };
}

/** A fused chain's work for one output block: the blocks it reads and how to build its task. */
export interface FusedRef {
  deps: BlockRef[];
  build(get: (key: string) => ArrayTaskResult): FusedTask;
}

export class GraphLowering {
  readonly graph: TaskGraph = { tasks: new Map(), ready: new Map() };
  private readonly consumers = new Map<string, number>();
  private readonly outputs: Set<string>;
  private readonly lowered = new Map<string, (idx: readonly number[]) => BlockRef>();

  constructor(outputs: readonly ArrayNode[]) {
    this.outputs = new Set(outputs.map((o) => o.key));
    const seen = new Set<string>();
    const visit = (n: ArrayNode): void => {
      if (seen.has(n.key)) return;
      seen.add(n.key);
      for (const i of new Set(n.inputs)) {
        this.consumers.set(i.key, (this.consumers.get(i.key) ?? 0) + 1);
        visit(i);
      }
    };
    outputs.forEach(visit);
  }

  /** The block refs of `node`, lowering it (once) on first use. */
  blocks(node: ArrayNode): (idx: readonly number[]) => BlockRef {
    let fn = this.lowered.get(node.key);
    if (fn === undefined) {
      fn = this.lower(node);
      this.lowered.set(node.key, fn);
    }
    return fn;
  }

  /** Whether `node` is inlined into its only consumer instead of making blocks of its own. */
  fusible(node: ArrayNode): boolean {
    return node.op.kind === 'elementwise' && !this.outputs.has(node.key) && this.consumers.get(node.key) === 1;
  }

  add(task: GraphTask): void {
    this.graph.tasks.set(task.key, task);
  }

  /** The fused chain rooted at `root` (an elementwise node), for each of its blocks. */
  fused(root: ArrayNode): (idx: readonly number[]) => FusedRef {
    const leaves: ArrayNode[] = [];
    const exprOf = (node: ArrayNode, top: boolean): FusedExpr => {
      if (!top && !this.fusible(node)) {
        let index = leaves.findIndex((l) => l.key === node.key);
        if (index < 0) index = leaves.push(node) - 1;
        return { kind: 'input', index, dtype: node.dtype };
      }
      const op = node.op;
      if (op.kind !== 'elementwise') throw new KernelError('ARRAY_GRAPH', `array graph: ${op.kind} is not elementwise`);
      const sub = (e: FusedExpr): FusedExpr => {
        switch (e.kind) {
          case 'input':
            return exprOf(node.inputs[e.index]!, false);
          case 'const':
            return e;
          case 'cast':
          case 'unary':
            return { ...e, arg: sub(e.arg) };
          case 'binary':
            return { ...e, a: sub(e.a), b: sub(e.b) };
          case 'where':
            return { ...e, cond: sub(e.cond), a: sub(e.a), b: sub(e.b) };
        }
      };
      return sub(op.expr);
    };
    const expr = exprOf(root, true);
    const nd = root.shape.length;
    // Each operand cut like the output on the dimensions it spans (size-1 dimensions broadcast).
    const operands = leaves.map((leaf) => {
      const lead = nd - leaf.shape.length;
      const want = leaf.shape.map((s, i) => (s === root.shape[i + lead] ? root.chunks[i + lead]! : leaf.chunks[i]!));
      const cut = sameChunks(want, leaf.chunks) ? leaf : makeNode({ kind: 'rechunk' }, [leaf], leaf.shape, want, leaf.dtype);
      return { node: cut, lead, refs: this.blocks(cut) };
    });
    return (idx) => {
      const deps = operands.map(({ node, lead, refs }) => refs(node.shape.map((s, i) => (s === 1 && root.shape[i + lead] !== 1 ? 0 : idx[i + lead]!))));
      const shape = blockShape(root.chunks, idx);
      return {
        deps,
        build: (get) => ({ kind: 'fused', expr, inputs: deps.map((r) => asBlock(get(r.key), r)), shape, dtype: root.dtype }),
      };
    };
  }

  private lower(node: ArrayNode): (idx: readonly number[]) => BlockRef {
    const op = node.op;
    const ref = (idx: readonly number[]): BlockRef => ({ key: `${node.key}/${idx.join('.')}`, shape: blockShape(node.chunks, idx) });
    // `make` returns null for a block that needs no task (its value is in graph.ready).
    const each = (make: (idx: number[], out: BlockRef) => Omit<GraphTask, 'key' | 'block'> | null): ((idx: readonly number[]) => BlockRef) => {
      for (const idx of blockIndices(node.chunks)) {
        const out = ref(idx);
        const task = make(idx, out);
        if (task !== null) this.add({ key: out.key, block: blockNumber(node.chunks, idx), ...task });
      }
      return ref;
    };
    const offsets = node.chunks.map(chunkOffsets);
    const start = (idx: readonly number[]): number[] => idx.map((i, d) => offsets[d]![i]!);
    switch (op.kind) {
      case 'source': {
        const src = op.block;
        return each((idx, out) => {
          const view = contiguousView(src, start(idx), out.shape);
          if (view !== null) {
            this.graph.ready.set(out.key, view);
            return null;
          }
          const piece: GatherPiece = { src, start: start(idx), step: idx.map(() => 1), dstStart: idx.map(() => 0), count: out.shape };
          return { deps: [], operator: 'fromTypedArray', build: () => ({ kind: 'gather', shape: out.shape, dtype: node.dtype, pieces: [piece] }) };
        });
      }
      case 'generate':
        return each((idx, out) => ({
          deps: [], operator: op.gen.type,
          build: () => ({ kind: 'generate', gen: op.gen, shape: out.shape, offset: start(idx), arrayShape: [...node.shape], dtype: node.dtype }),
        }));
      case 'elementwise': {
        const chain = this.fused(node);
        return each((idx) => {
          const f = chain(idx);
          return { deps: f.deps.map((d) => d.key), operator: op.name, build: f.build };
        });
      }
      case 'reduce':
        return lowerReduce(this, node, op);
      case 'transpose': {
        const input = this.blocks(node.inputs[0]!);
        return each((idx) => {
          const from = new Array<number>(idx.length);
          op.axes.forEach((a, d) => { from[a] = idx[d]!; });
          const dep = input(from);
          return { deps: [dep.key], operator: 'transpose', build: (get) => ({ kind: 'transpose', input: asBlock(get(dep.key), dep), axes: op.axes }) };
        });
      }
      case 'matmul': {
        const [a, b] = node.inputs as [ArrayNode, ArrayNode];
        const left = this.blocks(a);
        const right = this.blocks(b);
        return each(([i, j], out) => {
          const pairs = a.chunks[1]!.map((_, k) => [left([i!, k]), right([k, j!])] as const);
          return {
            deps: pairs.flat().map((r) => r.key), operator: 'matmul',
            build: (get) => ({ kind: 'matmul', pairs: pairs.map(([x, y]) => [asBlock(get(x.key), x), asBlock(get(y.key), y)]), shape: [out.shape[0]!, out.shape[1]!], dtype: node.dtype }),
          };
        });
      }
      case 'rechunk':
        return this.lowerRechunk(node, ref);
      case 'slice': {
        const x = node.inputs[0]!;
        const input = this.blocks(x);
        const inOffsets = x.chunks.map(chunkOffsets);
        return each((idx, out) => {
          const first = op.dims.map((dim, d) => dim.start + offsets[d]![idx[d]!]! * dim.step);
          const at = first.map((v, d) => (out.shape[d] === 0 ? 0 : locate(inOffsets[d]!, v)));
          const dep = input(at);
          const piece = (src: ReturnType<typeof asBlock>): GatherPiece => ({
            src, start: first.map((v, d) => (out.shape[d] === 0 ? 0 : v - inOffsets[d]![at[d]!]!)), step: op.dims.map((dim) => dim.step), dstStart: idx.map(() => 0), count: out.shape,
          });
          return { deps: [dep.key], operator: 'slice', build: (get) => ({ kind: 'gather', shape: out.shape, dtype: node.dtype, pieces: [piece(asBlock(get(dep.key), dep))] }) };
        });
      }
      case 'concat': {
        const parts = node.inputs.map((x) => ({ x, refs: this.blocks(x) })).filter(({ x }) => x.shape[op.axis] !== 0);
        if (parts.length === 0) return (idx) => ({ ...this.blocks(node.inputs[0]!)(idx), shape: blockShape(node.chunks, idx) });
        return (idx) => {
          let j = idx[op.axis]!;
          const part = parts.find(({ x }) => (j < x.chunks[op.axis]!.length ? true : ((j -= x.chunks[op.axis]!.length), false)))!;
          const at = [...idx];
          at[op.axis] = j;
          return part.refs(at);
        };
      }
      case 'stack': {
        const parts = node.inputs.map((x) => this.blocks(x));
        return (idx) => {
          const at = idx.filter((_, d) => d !== op.axis);
          return { key: parts[idx[op.axis]!]!(at).key, shape: blockShape(node.chunks, idx) };
        };
      }
      case 'map': {
        const input = this.blocks(node.inputs[0]!);
        return each((idx) => {
          const dep = input(idx);
          return { deps: [dep.key], operator: 'mapBlocks', build: (get) => ({ kind: 'map', fn: op.fn, input: asBlock(get(dep.key), dep), index: idx, dtype: node.dtype }) };
        });
      }
    }
  }

  /** Each output block gathers the pieces of the input blocks it overlaps (or is one of them). */
  private lowerRechunk(node: ArrayNode, ref: (idx: readonly number[]) => BlockRef): (idx: readonly number[]) => BlockRef {
    const x = node.inputs[0]!;
    const input = this.blocks(x);
    const inOffsets = x.chunks.map(chunkOffsets);
    const outOffsets = node.chunks.map(chunkOffsets);
    for (const idx of blockIndices(node.chunks)) {
      const out = ref(idx);
      // Per dimension: the input blocks overlapping this output block, with the overlap.
      const spans = idx.map((i, d) => {
        const lo = outOffsets[d]![i]!;
        const hi = lo + out.shape[d]!;
        if (hi === lo) return [{ block: 0, from: 0, to: 0, dst: 0 }];
        const list: { block: number; from: number; to: number; dst: number }[] = [];
        for (let b = locate(inOffsets[d]!, lo); b < x.chunks[d]!.length && inOffsets[d]![b]! < hi; b++) {
          const from = Math.max(lo, inOffsets[d]![b]!);
          const to = Math.min(hi, inOffsets[d]![b]! + x.chunks[d]![b]!);
          list.push({ block: b, from: from - inOffsets[d]![b]!, to: to - inOffsets[d]![b]!, dst: from - lo });
        }
        return list;
      });
      let combos: (typeof spans)[number][number][][] = [[]];
      for (const list of spans) combos = combos.flatMap((c) => list.map((s) => [...c, s]));
      const pieces = combos.map((c) => ({ dep: input(c.map((s) => s.block)), c }));
      this.add({
        key: out.key, block: blockNumber(node.chunks, idx), deps: [...new Set(pieces.map((p) => p.dep.key))], operator: 'rechunk',
        build: (get) => ({
          kind: 'gather', shape: out.shape, dtype: node.dtype,
          pieces: pieces.map(({ dep, c }) => ({ src: asBlock(get(dep.key), dep), start: c.map((s) => s.from), step: c.map(() => 1), dstStart: c.map((s) => s.dst), count: c.map((s) => s.to - s.from) })),
        }),
      });
    }
    return ref;
  }
}
