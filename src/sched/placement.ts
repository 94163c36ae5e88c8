/**
 * The scheduler's placement policy: a pure function from one ready task, the scheduler's current
 * state and the cost model to a device and a one-line reason. It holds no state of its own; the
 * executor owns the queues and the model and calls it once per task as the task becomes ready.
 *
 * How the executor is meant to use it:
 *   1. When a task becomes ready, call `place(task, state, model)` with the queue depths as they
 *      are now (tasks already placed and not finished, running or waiting), and enqueue it on the
 *      device returned, adding 1 to that device's queue. Place every ready task at once, or at
 *      least keep (CPU workers + 3) placed ahead of the lanes: each placement sees the queues the
 *      earlier ones made, which is what shares a ready queue between the devices in proportion
 *      to their speed. With fewer placed ahead, each task goes where it alone finishes soonest,
 *      which can leave a CPU worker idle while the GPU stays busy.
 *   2. When it finishes, subtract 1 from that queue and call `model.observe(family, device,
 *      bytes, ms)` with the kernel time (and `observe('upload', 'gpu', ...)` for the upload, if
 *      one was timed separately). 'sync' tasks are not observed: main-thread times say nothing
 *      about the worker pool.
 *   3. Keep `why` for explain() and client.stats().
 *
 * The decision compares when the task would finish on each device: the wait for a free lane
 * (none while one is idle, else the tasks ahead of it that hold lanes × the task's estimated
 * time / the device's parallelism: the CPU's workers, the GPU's one queue), plus the task's own
 * time, plus moving its input there (an upload to the GPU for host data or data not read yet, a
 * download to the CPU for GPU-resident data). A GPU's fixed cost keeps small host
 * inputs on the CPU; the transfer terms keep resident data where it is; the queue terms make
 * both devices take tasks when both are fast.
 */
import { DuskError } from '../errors.js';
import { DOWNLOAD, UPLOAD, type CostModel } from './cost-model.js';

/** Where a task runs: a GPU, the CPU worker pool, or the main thread. */
export type PlacedDevice = 'gpu' | 'cpu' | 'sync';

/** The client's `scheduler` option. */
export type SchedulingMode = 'auto' | 'gpu' | 'cpu' | 'sync';

/** One ready task, as the policy sees it. */
export interface PlacementTask {
  /** Operator family, named like its kernel family: 'filter', 'group-by', 'reduce', ... */
  family: string;
  /** Bytes of input the task reads. */
  bytes: number;
  /** Where the input is now: on the GPU, in host memory, or not read yet (a file). */
  residentOn: 'gpu' | 'host' | null;
  /**
   * A device this task must use whatever the mode, e.g. 'cpu' for a retry after the GPU failed.
   * It takes the place of `state.mode` for this task, so a forced 'gpu' still needs a kernel.
   */
  forced?: PlacedDevice;
}

/** The scheduler's state when the task is placed. */
export interface PlacementState {
  mode: SchedulingMode;
  /** A GPU device is open. */
  gpuAvailable: boolean;
  /** That GPU is a software rasterizer (llvmpipe). */
  gpuSoftware: boolean;
  /** Tasks placed on the CPU pool and not finished (waiting or running). */
  cpuQueue: number;
  /** Tasks placed on the GPU and not finished. */
  gpuQueue: number;
  /** CPU worker threads. */
  cpuWorkers: number;
  /** The GPU has a kernel for this task's family and types. */
  supported: boolean;
}

/** The decision and why, with the numbers it rested on. */
export interface Placement {
  device: PlacedDevice;
  why: string;
}

/** Tasks the GPU runs at once: one queue, whose submits run in order. */
const GPU_PARALLELISM = 1;

function ms(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 1) return x.toFixed(1);
  return x.toPrecision(2);
}

function checkInputs(task: PlacementTask, state: PlacementState): void {
  if (!(task.bytes >= 0) || !Number.isFinite(task.bytes)) {
    throw new DuskError('BAD_PLACEMENT', `cannot place a ${task.family} task over ${task.bytes} bytes`);
  }
  if (!(state.cpuWorkers >= 1) || !(state.cpuQueue >= 0) || !(state.gpuQueue >= 0)) {
    throw new DuskError(
      'BAD_PLACEMENT',
      `cannot place a ${task.family} task with ${state.cpuWorkers} CPU workers and queues cpu ${state.cpuQueue}, gpu ${state.gpuQueue}`,
    );
  }
}

/**
 * Time until a lane frees for a task behind `queue` others on `lanes` lanes, each queued task
 * taking about `task` ms: none while a lane is idle, else one task time per `lanes` tasks ahead.
 * (Counting every queued task, idle lanes included, would keep a second CPU worker idle while a
 * short GPU queue looks a little sooner.)
 */
function wait(queue: number, lanes: number, task: number): number {
  return (Math.max(0, queue - lanes + 1) * task) / lanes;
}

/** Estimated finish times on each device, in ms from now, and the transfer each includes. */
function finishTimes(task: PlacementTask, state: PlacementState, model: CostModel): { cpu: number; gpu: number; upload: number; download: number } {
  const upload = task.residentOn === 'gpu' ? 0 : model.estimate(UPLOAD, 'gpu', task.bytes);
  const download = task.residentOn === 'gpu' ? model.estimate(DOWNLOAD, 'gpu', task.bytes) : 0;
  const cpuTask = model.estimate(task.family, 'cpu', task.bytes) + download;
  const gpuTask = model.estimate(task.family, 'gpu', task.bytes) + upload;
  return {
    cpu: wait(state.cpuQueue, state.cpuWorkers, cpuTask) + cpuTask,
    gpu: wait(state.gpuQueue, GPU_PARALLELISM, gpuTask) + gpuTask,
    upload,
    download,
  };
}

function compared(device: 'gpu' | 'cpu', t: ReturnType<typeof finishTimes>, state: PlacementState): string {
  const [mine, other, otherName] = device === 'gpu' ? [t.gpu, t.cpu, 'cpu'] : [t.cpu, t.gpu, 'gpu'];
  const transfer = t.upload > 0 ? `, gpu incl. upload ${ms(t.upload)} ms` : t.download > 0 ? `, cpu incl. download ${ms(t.download)} ms` : '';
  return `est. ${ms(mine)} ms vs ${otherName} ${ms(other)} ms (queues gpu ${state.gpuQueue}, cpu ${state.cpuQueue}${transfer})`;
}

/**
 * Decides where one task runs. Forced modes ('gpu', 'cpu', 'sync', from `task.forced` first, else
 * `state.mode`) are obeyed, except that a GPU that is missing or has no kernel for the family
 * sends the task to the CPU. 'auto' never uses a software GPU: llvmpipe runs on the same cores
 * as the worker pool, so it takes them from the CPU kernels rather than adding a device, and its
 * measured speed would not show that; `scheduler: 'gpu'` still forces it. Otherwise 'auto' picks
 * the device with the earlier estimated finish (ties go to the CPU, which moves no data).
 *
 * @example
 * const model = new CostModel();
 * const { device, why } = place(
 *   { family: 'filter', bytes: 64 << 20, residentOn: 'host' },
 *   { mode: 'auto', gpuAvailable: true, gpuSoftware: false, cpuQueue: 4, gpuQueue: 0, cpuWorkers: 2, supported: true },
 *   model,
 * );
 * // device === 'gpu', why === 'gpu: est. 26.1 ms vs cpu 336 ms (queues gpu 0, cpu 4, gpu incl. upload 22.4 ms)'
 */
export function place(task: PlacementTask, state: PlacementState, model: CostModel): Placement {
  checkInputs(task, state);
  const mode = task.forced ?? state.mode;
  const by = task.forced !== undefined ? `forced for this task` : `scheduler '${mode}'`;
  switch (mode) {
    case 'sync':
      return { device: 'sync', why: `sync: ${by}` };
    case 'cpu':
      return { device: 'cpu', why: `cpu: ${by}` };
    case 'gpu':
      if (!state.gpuAvailable) return { device: 'cpu', why: `cpu: no GPU adapter (${by})` };
      if (!state.supported) return { device: 'cpu', why: `cpu: no GPU kernel for ${task.family} (${by})` };
      return { device: 'gpu', why: `gpu: ${by}; ${compared('gpu', finishTimes(task, state, model), state)}` };
    case 'auto': {
      if (!state.gpuAvailable) return { device: 'cpu', why: 'cpu: no GPU adapter' };
      if (!state.supported) return { device: 'cpu', why: `cpu: no GPU kernel for ${task.family}` };
      if (state.gpuSoftware) return { device: 'cpu', why: "cpu: the GPU is a software rasterizer (scheduler 'gpu' forces it)" };
      const t = finishTimes(task, state, model);
      const device = t.gpu < t.cpu ? 'gpu' : 'cpu';
      return { device, why: `${device}: ${compared(device, t, state)}` };
    }
  }
}
