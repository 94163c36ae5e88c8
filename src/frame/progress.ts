/**
 * `compute({ progress: true })`: a bar per stage on a terminal (redrawn in place), a plain line
 * per finished stage otherwise, and a summary at the end.
 */
import type { ClientStats } from '../client.js';
import type { Stage } from '../plan/stage.js';

function depth(stage: Stage): number {
  return stage.input.kind === 'stage' ? depth(stage.input.stage) + 1 : 1;
}

export function progressReporter(stage: Stage, out: NodeJS.WriteStream = process.stdout): {
  onTask: (e: { stage: number; done: number; total: number }) => void;
  finish: (stats: ClientStats) => void;
} {
  const stages = depth(stage);
  const started = Date.now();
  const tty = out.isTTY === true;
  let stageStart = started;
  let lastStage = -1;
  return {
    onTask({ stage: s, done, total }) {
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
    finish(stats) {
      const wall = (Date.now() - started) / 1000;
      out.write(`done in ${wall.toFixed(2)} s; tasks so far: gpu ${stats.tasks.gpu}, cpu ${stats.tasks.cpu}, sync ${stats.tasks.sync}; peak memory ${(stats.peakMemory / 1e6).toFixed(0)} MB\n`);
    },
  };
}
