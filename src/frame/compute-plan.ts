/**
 * From a logical plan to results: simplify → lower → fuse, then run the stages on the current
 * client (or a default one). `explainPlan` shows the same optimized plan as text, with the
 * pushed-down columns and predicates, the partitions, and the device of each stage.
 */
import type * as arrow from 'apache-arrow';
import { Client } from '../client.js';
import { checkRetries, type ExecContext } from '../exec/executor.js';
import { concatTables, runStages } from '../exec/run-stage.js';
import { fuse } from '../plan/fuse.js';
import type { PlanNode } from '../plan/logical-plan.js';
import { lower } from '../plan/lower.js';
import { simplify } from '../plan/optimize/optimize.js';
import type { Stage } from '../plan/stage.js';
import { progressReporter } from './progress.js';

export interface ComputeOptions {
  /** Draw a progress bar (a plain line per stage when stdout is not a terminal). */
  progress?: boolean;
  /** Times a task whose failure may be transient runs again, for this call (default: the client's `retries`). */
  retries?: number;
}

/** The optimized stages; placement follows `client` (without one, what a default client would do on a CPU). */
export function physicalPlan(plan: PlanNode, client: Client | null): Stage {
  const gpuReductions = client?.gpuReductions() ?? { use: false, why: 'no client yet (the client made at compute time decides)' };
  return fuse(lower(simplify(plan), { gpuReductions }));
}

/** Runs a plan and returns its output partitions (before concatenation). */
export async function computePartitions(plan: PlanNode, options: ComputeOptions = {}): Promise<{ partitions: arrow.Table[]; client: Client }> {
  const retries = options.retries === undefined ? undefined : checkRetries(options.retries, 'compute');
  const client = await Client.currentOrDefault();
  const ctx: ExecContext = client.execContext();
  if (retries !== undefined) ctx.retries = retries;
  const stage = physicalPlan(plan, client);
  const progress = options.progress === true ? progressReporter(stage) : null;
  if (progress !== null) ctx.onTask = progress.onTask;
  try {
    const partitions = await runStages(stage, ctx);
    return { partitions, client };
  } finally {
    progress?.finish(client.stats());
  }
}

export async function computePlan(plan: PlanNode, options: ComputeOptions = {}): Promise<arrow.Table> {
  const { partitions } = await computePartitions(plan, options);
  return concatTables(partitions, plan.schema);
}
