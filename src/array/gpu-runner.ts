/**
 * The array tasks the GPU runs when the client places work there: fused elementwise chains,
 * reductions (a chain feeding one stays on the device between the two kernels) and float32
 * matmul (the k-loop of block products accumulates on the device). Everything else, and what
 * the device cannot do faithfully (float64, float → int32 casts, int32 sums), returns null and
 * runs on the CPU. A matmul makes its block in the memory the task was lent; the other blocks
 * are read back into new memory and the executor copies them into the task's target.
 */
import type { ArrayTask, ArrayTaskResult, MatmulTask, ReduceTask } from '../cpu/kernels/array-task.js';
import { finishPartial } from '../cpu/kernels/array-reduce.js';
import type { GpuContext } from '../gpu/gpu-context.js';
import type { PooledBuffer } from '../gpu/buffer-pool.js';
import { elementwiseGpu, elementwiseOnGpu, readBlock, uploadBlock, type DeviceBlock } from '../gpu/kernels/array-elementwise.js';
import { reduceGpu, reduceOnGpu } from '../gpu/kernels/array-reduce.js';
import { matmulGpuBuffers } from '../gpu/kernels/matmul.js';
import { type Block, outBlock } from '../cpu/kernels/array-block.js';
import type { FusedTask } from '../cpu/kernels/array-fused.js';

/** Runs `use` with the blocks on the device, giving every buffer back afterwards. */
async function withUploads<T>(gpu: GpuContext, blocks: readonly Block[], use: (dev: DeviceBlock[]) => Promise<T>): Promise<T> {
  const dev: DeviceBlock[] = [];
  try {
    for (const b of blocks) dev.push(uploadBlock(gpu, b));
    return await use(dev);
  } finally {
    for (const d of dev) gpu.pool.release(d.loan);
  }
}

async function fused(gpu: GpuContext, task: FusedTask): Promise<Block | null> {
  if (!elementwiseOnGpu(task)) return null;
  return withUploads(gpu, task.inputs, async (dev) => {
    const out = await elementwiseGpu(gpu, task, dev);
    if (out === null) return null;
    try {
      return await readBlock(gpu, out);
    } finally {
      gpu.pool.release(out.loan);
    }
  });
}

async function reduce(gpu: GpuContext, task: ReduceTask): Promise<ArrayTaskResult | null> {
  const chain = 'kind' in task.input ? task.input : null;
  const dtype = chain === null ? (task.input as Block).dtype : chain.dtype;
  if (!reduceOnGpu(task.op, dtype) || (chain !== null && !elementwiseOnGpu(chain))) return null;
  const inputs = chain === null ? [task.input as Block] : chain.inputs;
  const partial = await withUploads(gpu, inputs, async (dev) => {
    if (chain === null) return reduceGpu(gpu, task, dev[0]!);
    const block = await elementwiseGpu(gpu, chain, dev);
    if (block === null) return null;
    try {
      return await reduceGpu(gpu, task, block);
    } finally {
      gpu.pool.release(block.loan);
    }
  });
  if (partial === null) return null;
  return task.finish === null ? partial : finishPartial(task.op, partial, task.finish);
}

async function matmul(gpu: GpuContext, task: MatmulTask): Promise<Block | null> {
  if (task.dtype !== 'float32') return null;
  const [m, n] = task.shape;
  const out = outBlock('float32', task.shape, task.out);
  const c: PooledBuffer = gpu.pool.acquire(Math.max(m * n * 4, 4), GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, 'array matmul C');
  try {
    for (const [k, [a, b]] of task.pairs.entries()) {
      // One pair on the device at a time; C stays there across the inner dimension.
      await withUploads(gpu, [a, b], ([da, db]) => matmulGpuBuffers(gpu, da!.loan.buffer, db!.loan.buffer, c.buffer, m, a.shape[1]!, n, k > 0));
    }
    // Lent memory holds old values: with no inner blocks the product is zero.
    if (task.pairs.length === 0) {
      out.data.fill(0);
      return out;
    }
    const bytes = m * n * 4;
    if (bytes > 0) new Uint8Array(out.data.buffer, out.data.byteOffset, bytes).set(new Uint8Array(await gpu.read(c.buffer, 0, bytes)));
    return out;
  } finally {
    gpu.pool.release(c);
  }
}

/**
 * The GPU side of the array executor for `gpu`.
 *
 * @example
 * const run: GraphRun = { ctx, mode: 'gpu', gpu: arrayGpuRunner(client.gpu) };
 */
export function arrayGpuRunner(gpu: GpuContext): (task: ArrayTask) => Promise<ArrayTaskResult | null> {
  return async (task) => {
    switch (task.kind) {
      case 'fused':
        return fused(gpu, task);
      case 'reduce':
        return reduce(gpu, task);
      case 'matmul':
        return matmul(gpu, task);
      default:
        return null;
    }
  };
}
