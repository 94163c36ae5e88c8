/**
 * Runs one partition that has a GPU kernel where the client's placer puts it, and reports its
 * time back to the placer (the cost model learns from it). Without a placer (kernel-level tests,
 * contexts built by hand) the partition goes to the GPU, as planned.
 */
import type { PlacedDevice } from '../sched/placement.js';
import type { ExecContext, TaskDevice } from './executor.js';
import { runGpuPartition } from './executor.js';

export interface PlacedRunTask {
  /** The cost model's family: 'filter', 'group-by', 'aggregate'. */
  family: string;
  /** Estimated bytes of input. */
  bytes: number;
  operator: string;
  partition: number;
}

/**
 * `onGpu` on the GPU (a lost device sends it to `onCpu`, see runGpuPartition) or `onCpu`, as
 * placed; `ranOn()` says where it ran in the end (a GPU kernel may send a partition back).
 *
 * @example
 * const table = await placedRun(ctx, { family: 'filter', bytes, operator, partition: i }, gpuTable, cpuTable, () => device);
 */
export async function placedRun<T>(
  ctx: ExecContext, task: PlacedRunTask, onGpu: () => Promise<T>, onCpu: () => Promise<T>, ranOn: () => TaskDevice,
): Promise<T> {
  const gpu = (): Promise<T> => runGpuPartition(ctx, task.operator, task.partition, onGpu, onCpu);
  const placer = ctx.placer;
  if (placer === undefined) return gpu();
  const placed = placer.place({
    family: task.family, bytes: task.bytes, residentOn: null, supported: ctx.gpu !== null, label: `${task.operator}, partition ${task.partition}`,
  });
  const started = performance.now();
  try {
    const out = await (placed.device === 'gpu' ? gpu() : onCpu());
    placer.finish(placed, performance.now() - started, ranOn() as PlacedDevice);
    return out;
  } catch (error) {
    placer.finish(placed, null);
    throw error;
  }
}
