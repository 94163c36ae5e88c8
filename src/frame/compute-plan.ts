/**
 * From a logical plan to results: simplify → lower → fuse, then run the stages on the current
 * client (or a default one). `explainPlan` shows the same optimized plan as text, with the
 * pushed-down columns and predicates, the partitions, and the device of each stage.
 */
import type * as arrow from 'apache-arrow';
import { Client } from '../client.js';
import { checkRetries, type ExecContext } from '../exec/executor.js';
import { concatTables, runStages, type PartitionSink } from '../exec/run-stage.js';
import { fuse } from '../plan/fuse.js';
import type { PlanNode } from '../plan/logical-plan.js';
import { lower } from '../plan/lower.js';
import { simplify } from '../plan/optimize/optimize.js';
import type { Stage } from '../plan/stage.js';
import { progressReporter, type ProgressReporter, type ProgressStream } from './progress.js';

export interface ComputeOptions {
  /**
   * Draw a progress bar on stdout (a plain line per stage when it is not a terminal), or on the
   * stream given, then a summary of this computation: wall time, tasks per device, bytes
   * spilled, peak memory.
   */
  progress?: boolean | ProgressStream;
  /** Times a task whose failure may be transient runs again, for this call (default: the client's `retries`). */
  retries?: number;
}

/** The optimized stages; placement follows `client` (without one, what a default client would do on a CPU). */
export function physicalPlan(plan: PlanNode, client: Client | null): Stage {
  const gpuReductions = client?.gpuReductions() ?? { use: false, why: 'no client yet (the client made at compute time decides)' };
  return fuse(lower(simplify(plan), { gpuReductions }));
}

/**
 * Runs a plan and returns its output partitions (before concatenation). With `sink`, the
 * partitions that the last stage collects go to it as each task finishes, in no particular
 * order, and are not returned (what persist() holds at once); partitions of other ends (an
 * aggregate, a head) are returned as usual.
 */
export async function computePartitions(plan: PlanNode, options: ComputeOptions = {}, sink?: PartitionSink): Promise<{ partitions: arrow.Table[]; client: Client }> {
  const retries = options.retries === undefined ? undefined : checkRetries(options.retries, 'compute');
  const client = await Client.currentOrDefault();
  const ctx: ExecContext = client.execContext();
  if (retries !== undefined) ctx.retries = retries;
  const stage = physicalPlan(plan, client);
  const out = options.progress === true ? process.stdout : options.progress === false ? undefined : options.progress;
  const run = (): Promise<arrow.Table[]> => runStages(stage, ctx, undefined, sink);
  if (out === undefined) return { partitions: await run(), client };
  return { partitions: await withProgress(progressReporter(stage, out), client, ctx, run), client };
}

/**
 * Runs `run` with its task events going to `progress` as well, and finishes the report with
 * the memory figures of this run. The memory manager is the client's: a computation running at
 * the same time on the same client adds its spills and bytes to these figures.
 */
async function withProgress<T>(progress: ProgressReporter, client: Client, ctx: ExecContext, run: () => Promise<T>): Promise<T> {
  const before = client.memory.stats();
  let peakHeld = before.bytesHeld;
  const off = client.memory.on('memory', ({ bytesHeld }) => {
    peakHeld = Math.max(peakHeld, bytesHeld);
  });
  const relay = ctx.onTask;
  ctx.onTask = (event) => {
    relay?.(event);
    progress.onTask(event);
  };
  let ok = false;
  try {
    const result = await run();
    ok = true;
    return result;
  } finally {
    off();
    progress.finish({ bytesSpilled: client.memory.stats().bytesSpilled - before.bytesSpilled, peakHeld, ok });
  }
}

export async function computePlan(plan: PlanNode, options: ComputeOptions = {}): Promise<arrow.Table> {
  const { partitions } = await computePartitions(plan, options);
  return concatTables(partitions, plan.schema);
}
