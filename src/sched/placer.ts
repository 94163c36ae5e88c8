/**
 * The scheduler's placement loop for one computation: it keeps the queue depths that `place`
 * reads (tasks placed on each device and not finished), asks `place` for each ready task, and
 * feeds the finished tasks' times back into the client's cost model, so the model is
 * calibrated by the first tasks of each kind and follows the machine after that.
 *
 * Calibration at first use: in 'auto', while the model has no measurement of a family on one of
 * the two devices, the next task of that family goes there (a probe; one at a time per device),
 * so the choice soon rests on this machine's times rather than on the default guesses. The
 * decisions and why are kept (the latest 100) for `client.stats().placements`.
 *
 * State flows: `place` (queue + 1, probe marked) → the task runs → `finish` (queue − 1, the
 * kernel time observed on the device it ran on; 'sync' times are not observed).
 */
import type { CostDevice, CostModel } from './cost-model.js';
import { place, type Placement, type PlacedDevice, type PlacementState, type PlacementTask, type SchedulingMode } from './placement.js';

export interface PlacerOptions {
  mode: SchedulingMode;
  gpuAvailable: boolean;
  gpuSoftware: boolean;
  cpuWorkers: number;
  /** The client's model, kept for its life and shared by its computations. */
  model: CostModel;
  /** Where the latest decisions go (a client's list, shared by its computations); kept to 100. */
  log?: string[];
}

/** A task to place: what `place` needs, and whether the GPU has a kernel for it. */
export interface PlacerTask extends PlacementTask {
  supported: boolean;
  /** Names the task in the decision log, e.g. 'groupBy, partition 3'. */
  label: string;
}

/** What `place` decided, to hand back to `finish`. */
export interface PlacedTask {
  device: PlacedDevice;
  why: string;
  family: string;
  bytes: number;
  probe: boolean;
}

const LOG_SIZE = 100;

export class Placer {
  private cpuQueue = 0;
  private gpuQueue = 0;
  /** Probes running per `family/device`. */
  private readonly probing = new Set<string>();
  readonly log: string[];

  constructor(private readonly options: PlacerOptions) {
    this.log = options.log ?? [];
  }

  /**
   * Places one ready task and counts it in its device's queue.
   *
   * @example
   * const placed = placer.place({ family: 'group-by', bytes: 16 << 20, residentOn: null, supported: true, label: 'groupBy, partition 0' });
   * const started = performance.now();
   * ...run it on placed.device...
   * placer.finish(placed, performance.now() - started);
   */
  place(task: PlacerTask): PlacedTask {
    const o = this.options;
    const state: PlacementState = {
      mode: o.mode, gpuAvailable: o.gpuAvailable, gpuSoftware: o.gpuSoftware, supported: task.supported,
      cpuQueue: this.cpuQueue, gpuQueue: this.gpuQueue, cpuWorkers: o.cpuWorkers,
    };
    let decision: Placement = place(task, state, o.model);
    let probe = false;
    if (o.mode === 'auto' && task.forced === undefined && o.gpuAvailable && task.supported && !o.gpuSoftware) {
      const unmeasured = (['gpu', 'cpu'] as const).find((d) => o.model.observed(task.family, d) === 0 && !this.probing.has(`${task.family}/${d}`));
      if (unmeasured !== undefined) {
        probe = true;
        this.probing.add(`${task.family}/${unmeasured}`);
        decision = { device: unmeasured, why: `${unmeasured}: a first ${task.family} task measures this device (then: ${decision.why})` };
      }
    }
    if (decision.device === 'gpu') this.gpuQueue++;
    else this.cpuQueue++;
    this.log.push(`${task.label}: ${decision.why}`);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
    return { device: decision.device, why: decision.why, family: task.family, bytes: task.bytes, probe };
  }

  /**
   * A placed task ended after `ms` on `ranOn` (where it really ran: a GPU task the GPU sent back
   * to the CPU ran on the CPU). Its time updates the model unless it ran on the main thread or
   * failed (`ms` null).
   */
  finish(placed: PlacedTask, ms: number | null, ranOn: PlacedDevice = placed.device): void {
    if (placed.device === 'gpu') this.gpuQueue = Math.max(0, this.gpuQueue - 1);
    else this.cpuQueue = Math.max(0, this.cpuQueue - 1);
    if (placed.probe) this.probing.delete(`${placed.family}/${placed.device}`);
    if (ms === null || ranOn === 'sync') return;
    this.options.model.observe(placed.family, ranOn as CostDevice, placed.bytes, ms);
  }

  /** Tasks placed and not finished, per device. */
  queues(): { cpu: number; gpu: number } {
    return { cpu: this.cpuQueue, gpu: this.gpuQueue };
  }
}
