/**
 * Computes chunked arrays on the current client: lowers their nodes into one task graph (so a
 * subexpression they share runs once), runs it, and assembles each output's blocks into one
 * contiguous typed array. Where tasks run follows the client: `scheduler: 'sync'` on the main
 * thread, `'gpu'` (or `'auto'` with a hardware GPU) elementwise chains, reductions and matmul on
 * the device, everything else on the worker pool.
 */
import { allocData, type ArrayData, type ArrayDType, stridesOf } from '../cpu/kernels/array-block.js';
import { copyStrided } from '../cpu/kernels/array-gather.js';
import { Client } from '../client.js';
import { checkRetries } from '../exec/executor.js';
import type { ArrayNode } from './array-node.js';
import { blockIndices, chunkOffsets } from './chunks.js';
import { arrayGpuRunner } from './gpu-runner.js';
import { GraphLowering } from './lower-graph.js';
import { runGraph, type GraphRun } from './run-graph.js';
import { asBlock } from './task-graph.js';

/** A computed array: row-major `data` of `shape` (`[]` for a scalar, one value). */
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

/**
 * The values of `nodes`, in order, from one shared graph.
 *
 * @example
 * const [a, b] = await computeArrays([x.node, y.node]);
 */
export async function computeArrays(nodes: readonly ArrayNode[], options: ArrayComputeOptions = {}): Promise<ArrayResult[]> {
  const client = await Client.currentOrDefault();
  const ctx = client.execContext();
  if (options.retries !== undefined) ctx.retries = checkRetries(options.retries, 'compute');
  const lowering = new GraphLowering(nodes);
  const outputs = nodes.map((node) => {
    const refs = lowering.blocks(node);
    return blockIndices(node.chunks).map((idx) => ({ idx, ref: refs(idx) }));
  });
  const mode = placement(client);
  const run: GraphRun = mode === 'gpu' && client.gpu !== null ? { ctx, mode, gpu: arrayGpuRunner(client.gpu) } : { ctx, mode };
  const results = await runGraph(lowering.graph, outputs.flat().map((o) => o.ref.key), run);
  return nodes.map((node, n) => {
    const data = allocData(node.dtype, node.shape.reduce((a, b) => a * b, 1), false);
    const strides = stridesOf(node.shape);
    const offsets = node.chunks.map(chunkOffsets);
    for (const { idx, ref } of outputs[n]!) {
      const block = asBlock(results.get(ref.key)!, ref);
      const base = idx.reduce((acc, i, d) => acc + offsets[d]![i]! * strides[d]!, 0);
      copyStrided(block.data, 0, stridesOf(block.shape), data, base, strides, block.shape);
    }
    return { data, shape: [...node.shape], dtype: node.dtype };
  });
}
