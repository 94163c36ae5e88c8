/**
 * Computes chunked arrays on the current client: lowers their nodes into one task graph (so a
 * subexpression they share runs once), runs it, and assembles each output's blocks into one
 * contiguous typed array over shared memory, which the tasks mostly write into themselves
 * (`RunMemory`), while intermediate blocks live in the client's `BlockPool`. Where tasks run
 * follows the client: `scheduler: 'sync'` on the main thread, `'gpu'` (or `'auto'` with a
 * hardware GPU) elementwise chains, reductions and matmul on the device, everything else on the
 * worker pool.
 */
import { allocData, type ArrayData, type ArrayDType, isContiguous, sizeOf, stridesOf } from '../cpu/kernels/array-block.js';
import { copyStrided } from '../cpu/kernels/array-gather.js';
import { Client } from '../client.js';
import { checkRetries } from '../exec/executor.js';
import type { ArrayNode } from './array-node.js';
import { blockPoolFor } from './block-pool.js';
import { blockIndices, chunkOffsets } from './chunks.js';
import { arrayGpuRunner } from './gpu-runner.js';
import { GraphLowering } from './lower-graph.js';
import { runGraph, type GraphRun } from './run-graph.js';
import { RunMemory, type Destination } from './run-memory.js';
import { asBlock, type BlockRef } from './task-graph.js';

/**
 * A computed array: row-major `data` of `shape` (`[]` for a scalar, one value), over a
 * SharedArrayBuffer of its own (the workers wrote it), so it can be shared but not transferred.
 */
export interface ArrayResult {
  data: ArrayData;
  shape: number[];
  dtype: ArrayDType;
}

export interface ArrayComputeOptions {
  /** Times a task whose failure may be transient runs again (default: the client's `retries`). */
  retries?: number;
}

function placement(client: Client): GraphRun['mode'] {
  if (client.scheduler === 'sync') return 'sync';
  return client.gpu !== null && client.gpuReductions().use ? 'gpu' : 'cpu';
}

/** One output block: its task's key and shape, and where it starts in the output array. */
interface OutputBlock {
  ref: BlockRef;
  base: number;
}

/** The output blocks of `node`, with their first element's index in the row-major array. */
function outputBlocks(lowering: GraphLowering, node: ArrayNode): OutputBlock[] {
  const refs = lowering.blocks(node);
  const strides = stridesOf(node.shape);
  const offsets = node.chunks.map(chunkOffsets);
  return blockIndices(node.chunks).map((idx) => ({ ref: refs(idx), base: idx.reduce((acc, i, d) => acc + offsets[d]![i]! * strides[d]!, 0) }));
}

/**
 * Where each output block goes, by task key: the blocks a task makes (not views of the user's
 * data) that one output block alone refers to (`compute(x, x)` and a stack of an array with
 * itself make one block twice, so it is copied instead).
 */
function destinations(lowering: GraphLowering, nodes: readonly ArrayNode[], outputs: readonly OutputBlock[][], data: readonly ArrayData[]): Map<string, Destination> {
  const uses = new Map<string, number>();
  for (const block of outputs.flat()) uses.set(block.ref.key, (uses.get(block.ref.key) ?? 0) + 1);
  const places = new Map<string, Destination>();
  nodes.forEach((node, n) => {
    const strides = stridesOf(node.shape);
    for (const { ref, base } of outputs[n]!) {
      if (uses.get(ref.key) !== 1 || !lowering.graph.tasks.has(ref.key)) continue;
      places.set(ref.key, { data: data[n]!, base, strides, shape: ref.shape, contiguous: isContiguous(ref.shape, node.shape) });
    }
  });
  return places;
}

/**
 * The values of `nodes`, in order, from one shared graph. Each result is allocated first, in
 * shared memory, so that tasks write their output blocks straight into it.
 *
 * @example
 * const [a, b] = await computeArrays([x.node, y.node]);
 */
export async function computeArrays(nodes: readonly ArrayNode[], options: ArrayComputeOptions = {}): Promise<ArrayResult[]> {
  const client = await Client.currentOrDefault();
  const ctx = client.execContext();
  if (options.retries !== undefined) ctx.retries = checkRetries(options.retries, 'compute');
  const lowering = new GraphLowering(nodes);
  const outputs = nodes.map((node) => outputBlocks(lowering, node));
  const data = nodes.map((node) => allocData(node.dtype, sizeOf(node.shape)));
  const mode = placement(client);
  const memory = new RunMemory(blockPoolFor(ctx.pool), destinations(lowering, nodes, outputs, data));
  const run: GraphRun = mode === 'gpu' && client.gpu !== null ? { ctx, mode, gpu: arrayGpuRunner(client.gpu), memory } : { ctx, mode, memory };
  try {
    const results = await runGraph(lowering.graph, outputs.flat().map((o) => o.ref.key), run);
    return nodes.map((node, n) => {
      const strides = stridesOf(node.shape);
      for (const { ref, base } of outputs[n]!) {
        if (memory.placed(ref.key)) continue;
        const block = asBlock(results.get(ref.key)!, ref);
        copyStrided(block.data, 0, stridesOf(block.shape), data[n]!, base, strides, block.shape);
      }
      return { data: data[n]!, shape: [...node.shape], dtype: node.dtype };
    });
  } finally {
    memory.close();
  }
}
