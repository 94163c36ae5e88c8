/**
 * `compute({ progress: true })`: a bar per stage on a terminal (redrawn in place), a plain line
 * per finished stage otherwise, and a summary at the end with this computation's own figures:
 * wall time, its tasks per device, the bytes spilled and the peak memory while it ran.
 */
import type { TaskDevice, TaskEvent } from '../exec/executor.js';
import { stageDepth, type Stage } from '../plan/stage.js';

/** Where progress goes: `process.stdout` by default, or any object with `write` (a test's fake). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** What the reporter cannot see in task events: the memory manager's figures for this computation. */
export interface ComputeFigures {
  /** Bytes spilled to disk while the computation ran. */
  bytesSpilled: number;
  /** The most bytes the memory manager held while it ran. */
  peakHeld: number;
  /** Whether the computation succeeded. */
  ok: boolean;
}

export interface ProgressReporter {
  onTask: (event: TaskEvent) => void;
  finish: (figures: ComputeFigures) => void;
}

function depth(stage: Stage): number {
  return stageDepth(stage) + 1;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Draws the progress of one computation of `stage` on `out`; `onTask` takes its task events,
 * `finish` writes the summary.
 *
 * @example
 * const progress = progressReporter(stage, process.stderr);
 * ctx.onTask = progress.onTask;
 * try { await runStages(stage, ctx); } finally { progress.finish({ bytesSpilled: 0, peakHeld: 0, ok: true }); }
 */
export function progressReporter(stage: Stage, out: ProgressStream = process.stdout): ProgressReporter {
  const stages = depth(stage);
  const started = Date.now();
  const tty = out.isTTY === true;
  const tasks: Record<TaskDevice, number> = { gpu: 0, cpu: 0, sync: 0 };
  // The client's peakMemory is over its whole life; this is the resident set seen during this run.
  let peakRss = process.memoryUsage.rss();
  let stageStart = started;
  let lastStage = -1;
  return {
    onTask(event) {
      tasks[event.device]++;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      // Merges and reductions are counted, but the bar follows the stage's partitions.
      if (event.kind !== 'partition') return;
      const { stage: s, done, total } = event;
      if (s !== lastStage) {
        lastStage = s;
        stageStart = Date.now();
      }
      const elapsed = (Date.now() - stageStart) / 1000;
      if (tty) {
        const width = 30;
        const filled = Math.round((done / Math.max(1, total)) * width);
        const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
        out.write(`\rstage ${s + 1}/${stages} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} partitions, eta ${eta.toFixed(1)} s `);
        if (done === total) out.write('\n');
      } else if (done === total) {
        out.write(`stage ${s + 1}/${stages}: ${total} partitions in ${elapsed.toFixed(2)} s\n`);
      }
    },
    finish({ bytesSpilled, peakHeld, ok }) {
      const wall = (Date.now() - started) / 1000;
      const count = tasks.gpu + tasks.cpu + tasks.sync;
      out.write(
        `${ok ? 'done in' : 'failed after'} ${wall.toFixed(2)} s: ${count} tasks (gpu ${tasks.gpu}, cpu ${tasks.cpu}, sync ${tasks.sync}); `
        + `spilled ${mb(bytesSpilled)}; peak memory ${mb(peakHeld)} held, ${mb(peakRss)} resident\n`,
      );
    },
  };
}
