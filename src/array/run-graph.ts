/**
 * Runs an array task graph: only the tasks the outputs need, each once its inputs are done, at
 * most workers × 2 at a time, on the client's worker pool (`cpu`), on the main thread (`sync`)
 * or, for the tasks the GPU has kernels for, on the device (`gpu`). A result is dropped as soon
 * as the last task reading it has finished (outputs are kept, unless their task wrote them into
 * the computed array). Blocks live in shared memory, so posting a task to a worker moves no
 * data. A task that fails transiently (a worker that died) runs again up to `ctx.retries` times;
 * the final failure is a TaskError naming the operator and the block, and no further task
 * starts. With a `RunMemory`, each task is given its block's memory before it is posted, and a
 * result's lent memory goes back when the result is dropped.
 */
import type { ArrayTask, ArrayTaskResult } from '../cpu/kernels/array-task.js';
import { runArrayTask, settleBlock } from '../cpu/kernels/array-task.js';
import { KernelError, TaskError } from '../errors.js';
import { isRetryable, notePeak, type ExecContext, type TaskDevice } from '../exec/executor.js';
import type { RunMemory } from './run-memory.js';
import type { GraphTask, TaskGraph } from './task-graph.js';

/** Runs a built task on the GPU, or returns null when the GPU has no kernel for it. */
export type GpuTaskRunner = (task: ArrayTask) => Promise<ArrayTaskResult | null>;

export interface GraphRun {
  ctx: ExecContext;
  /** Where tasks run: the worker pool, the main thread, or the GPU (what it has kernels for, else the pool). */
  mode: 'cpu' | 'sync' | 'gpu';
  gpu?: GpuTaskRunner;
  /** Lends the tasks their blocks' memory and places output blocks (without it, kernels allocate). */
  memory?: RunMemory;
}

/** The tasks `outputs` depend on, from the outputs down. */
function needed(graph: TaskGraph, outputs: readonly string[]): Map<string, GraphTask> {
  const out = new Map<string, GraphTask>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (out.has(key) || graph.ready.has(key)) continue;
    const task = graph.tasks.get(key);
    if (task === undefined) throw new KernelError('ARRAY_GRAPH', `array graph: no task makes ${key}`);
    out.set(key, task);
    stack.push(...task.deps);
  }
  return out;
}

/** Runs a built task where `run` places it; `where.device` says where it ran (or was running when it failed). */
async function attempt(built: ArrayTask, run: GraphRun, where: { device: TaskDevice }): Promise<ArrayTaskResult> {
  const { ctx } = run;
  if (run.mode === 'gpu' && run.gpu !== undefined) {
    where.device = 'gpu';
    const result = await run.gpu(built);
    if (result !== null) {
      ctx.stats.tasks.gpu++;
      return settleBlock(built, result);
    }
  }
  if (run.mode === 'sync') {
    where.device = 'sync';
    ctx.stats.tasks.sync++;
    return runArrayTask(built);
  }
  where.device = 'cpu';
  ctx.stats.tasks.cpu++;
  const options = ctx.cancel === undefined ? {} : { signal: ctx.cancel.signal };
  return ctx.pool.run('array', built, [], options);
}

/**
 * Runs what `outputs` need and returns their results by key (not those the memory placed in
 * the computed array: their tasks wrote them there).
 *
 * @example
 * const results = await runGraph(lowering.graph, keys, { ctx: client.execContext(), mode: 'cpu' });
 */
export async function runGraph(graph: TaskGraph, outputs: readonly string[], run: GraphRun): Promise<Map<string, ArrayTaskResult>> {
  const { ctx } = run;
  const tasks = needed(graph, outputs);
  const results = new Map<string, ArrayTaskResult>(graph.ready);
  const outputKeys = new Set(outputs);
  const memory = run.memory;
  const keep = (key: string): boolean => outputKeys.has(key) && memory?.placed(key) !== true;
  const drop = (key: string): void => {
    results.delete(key);
    memory?.drop(key);
  };
  const readers = new Map<string, number>();
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const task of tasks.values()) {
    const deps = [...new Set(task.deps)];
    waiting.set(task.key, deps.filter((d) => !results.has(d)).length);
    for (const d of deps) {
      readers.set(d, (readers.get(d) ?? 0) + 1);
      let list = dependents.get(d);
      if (list === undefined) dependents.set(d, (list = []));
      list.push(task.key);
    }
  }
  // In the graph's order (block order), so the first failure and the memory profile do not depend on the search above.
  const ready = [...graph.tasks.keys()].filter((key) => waiting.get(key) === 0);
  const limit = run.mode === 'sync' ? 1 : Math.max(1, ctx.workers * 2);
  let running = 0;
  let failure: TaskError | null = null;

  const runOne = async (task: GraphTask): Promise<void> => {
    const last = 1 + ctx.retries;
    for (let n = 1; ; n++) {
      const where: { device: TaskDevice } = { device: run.mode };
      try {
        if (ctx.cancel?.signal.aborted === true) throw ctx.cancel.signal.reason;
        const made = task.build((key) => results.get(key)!);
        const built = memory === undefined ? made : memory.prepare(task.key, made);
        results.set(task.key, await attempt(built, run, where));
        memory?.settled(task.key);
        notePeak(ctx.stats);
        break;
      } catch (error) {
        memory?.abandoned(task.key);
        if (error instanceof TaskError) throw error;
        if (n < last && isRetryable(error) && ctx.cancel?.signal.aborted !== true) continue;
        throw new TaskError({ operator: `${task.operator} (array block ${task.block})`, partition: task.block, device: where.device, cause: error, attempts: n });
      }
    }
    if ((readers.get(task.key) ?? 0) === 0 && !keep(task.key)) drop(task.key);
    for (const d of new Set(task.deps)) {
      const left = readers.get(d)! - 1;
      readers.set(d, left);
      if (left === 0 && !keep(d)) drop(d);
    }
    for (const t of dependents.get(task.key) ?? []) {
      const left = waiting.get(t)! - 1;
      waiting.set(t, left);
      if (left === 0) ready.push(t);
    }
  };

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (failure === null && running < limit && ready.length > 0) {
        const task = tasks.get(ready.shift()!)!;
        running++;
        runOne(task).then(
          () => { running--; pump(); },
          (error: unknown) => {
            running--;
            if (failure === null) {
              failure = error instanceof TaskError ? error : new TaskError({ operator: task.operator, partition: task.block, device: 'sync', cause: error });
              ctx.cancel?.abort(failure);
            }
            pump();
          },
        );
      }
      if (running === 0) resolve();
    };
    pump();
  });
  if (failure !== null) throw failure;
  return results;
}
