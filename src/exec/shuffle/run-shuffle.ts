/**
 * The main-thread side of the shuffle layer: runs a shuffle's input stages, keeps their
 * partitions and the pieces its splits make in a ShuffleStore (the memory manager: spilled
 * above `memoryLimit`), runs the split and bucket tasks on the workers, and returns the new
 * partitions the next stage reads. One file per operator: join.ts (broadcast or hash),
 * distinct.ts (dropDuplicates), sort.ts (sortValues), repartition.ts.
 */
import type * as arrow from 'apache-arrow';
import { runAll, runGpuPartition, type ExecContext } from '../executor.js';
import type { GpuContext } from '../../gpu/gpu-context.js';
import { tableBytes } from '../../sched/table-bytes.js';
import { runStages, taskReporter } from '../run-stage.js';
import type { Shuffle, Stage } from '../../plan/stage.js';
import { runShuffle, type ShuffleResult } from './run-shuffle-task.js';
import type { ShuffleTask } from '../shuffle-task.js';
import { ShuffleStore } from './shuffle-store.js';
import { runJoin } from './join.js';
import { runDistinct } from './distinct.js';
import { runSort } from './sort.js';
import { runRepartition } from './repartition.js';

/** What a shuffle operator needs from its surroundings. */
export interface ShuffleRun {
  ctx: ExecContext;
  store: ShuffleStore;
  /** The operator's name in events and errors, such as 'merge' or 'sortValues'. */
  operator: string;
  stageIndex: number;
  /** Runs an input stage and holds its partitions in the store, each for `readers` reads. */
  materialize(stage: Stage, readers: number): Promise<{ keys: string[]; rows: number[]; bytes: number }>;
  /**
   * Runs `job` for items 0..count-1, at most workers × 2 at once; `job` gets a function that runs
   * one shuffle task (retried, on the computation's device). Each job is reported as a
   * 'shuffle' task of the step named `step`.
   */
  tasks<T>(step: string, count: number, job: (i: number, run: (task: ShuffleTask) => Promise<ShuffleResult>) => Promise<T>): Promise<T[]>;
  /**
   * Runs item `i` of `step` on the GPU (a lost device sends it to `onCpu`, as partitions do), or
   * on the CPU when the computation has no device.
   */
  onGpu<T>(step: string, i: number, gpu: (device: GpuContext) => Promise<T>, onCpu: () => Promise<T>): Promise<T>;
}

export function shuffleOperator(shuffle: Shuffle): string {
  switch (shuffle.kind) {
    case 'join':
      return 'merge';
    case 'distinct':
      return 'dropDuplicates';
    case 'sort':
      return 'sortValues';
    case 'repartition':
      return 'repartition';
  }
}

/**
 * Runs `shuffle` (its input stages first) and returns the partitions it makes, in order.
 *
 * @example
 * const partitions = await runShuffleInput(stage.input.shuffle, ctx, stageIndex);
 */
export async function runShuffleInput(shuffle: Shuffle, ctx: ExecContext, stageIndex: number): Promise<arrow.Table[]> {
  const store = new ShuffleStore(ctx.memory);
  const operator = shuffleOperator(shuffle);
  const run: ShuffleRun = {
    ctx,
    store,
    operator,
    stageIndex,
    async materialize(stage, readers) {
      const tables = await runStages(stage, ctx, stageIndex - 1);
      let bytes = 0;
      const keys = tables.map((t) => {
        bytes += tableBytes(t);
        return store.hold(t, readers);
      });
      return { keys, rows: tables.map((t) => t.numRows), bytes };
    },
    onGpu(step, i, gpu, onCpu) {
      return runGpuPartition(ctx, `${operator}→${step}`, i, () => {
        ctx.stats.tasks.gpu++;
        return gpu(ctx.gpu!);
      }, onCpu);
    },
    async tasks(step, count, job) {
      const name = `${operator}→${step}`;
      const report = taskReporter(ctx, stageIndex, count, 'shuffle');
      return runAll(count, ctx.workers * 2, async (i) => {
        const started = performance.now();
        const value = await job(i, (task) => runShuffle(task, ctx, name, i));
        report(i, name, ctx.device, started);
        return value;
      });
    },
  };
  let failed = true;
  try {
    let out: arrow.Table[];
    switch (shuffle.kind) {
      case 'join':
        out = await runJoin(shuffle, run);
        break;
      case 'distinct':
        out = await runDistinct(shuffle, run);
        break;
      case 'sort':
        out = await runSort(shuffle, run);
        break;
      case 'repartition':
        out = await runRepartition(shuffle, run);
        break;
    }
    failed = false;
    return out;
  } finally {
    await store.close(failed);
  }
}
