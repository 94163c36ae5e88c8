/**
 * The scheduler's per-task overhead: N tiny tasks (a row count over an 8-row in-memory table)
 * through the executor's `runPartition`, on the CPU worker pool (as the stages run them, with
 * workers × 2 in flight, and one at a time for the round trip) and on 'sync'; plus the cost of
 * the placement decision itself (`place`) and of the cost model's update (`observe`), which the
 * scheduler adds to every task. Reports µs per task against the goal of ≤ 50 µs. Then the
 * frame benchmark's q1–q5 under scheduler 'auto', 'cpu' and 'gpu' (scheduler-modes.ts), and a
 * larger-than-memory run with its peak RSS and bytes spilled (larger-than-memory.ts).
 * Flags: --tasks=10000  --repeat=3  --workers=2  --frame-rows=1e6  --ltm-rows=3.2e7
 *        --ltm-limit=128 (MB)  --dir=/tmp/dusk-bench  --parts=overhead,modes,memory
 */
import * as arrow from 'apache-arrow';
import { runAll, runPartition, type ExecContext } from '../src/exec/executor.js';
import type { PartitionTask } from '../src/exec/partition-task.js';
import { Client } from '../src/index.js';
import { CostModel } from '../src/sched/cost-model.js';
import { place, type PlacementState, type PlacementTask } from '../src/sched/placement.js';
import { formatTable, time } from './table.js';
import { largerThanMemory } from './larger-than-memory.js';
import { schedulerModes } from './scheduler-modes.js';
import type { BenchReport } from './run.js';

const GOAL_US = 50;

function flag(flags: string[], name: string, fallback: string): string {
  return flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

function tinyTask(): PartitionTask {
  const table = new arrow.Table({ v: arrow.makeVector(Int32Array.from({ length: 8 }, (_, i) => i)) });
  return { read: { kind: 'table', table }, predicate: null, columns: ['v'], ops: [], end: { kind: 'count' } };
}

/** Runs `count` tiny tasks with `limit` in flight; throws unless every one counted 8 rows. */
async function runTiny(ctx: ExecContext, count: number, limit: number): Promise<void> {
  const task = tinyTask();
  const outs = await runAll(count, limit, (i) => runPartition(task, ctx, 'count', i));
  for (const out of outs) {
    if (out.kind !== 'count' || out.rows !== 8) throw new Error(`scheduler bench: a tiny task returned ${JSON.stringify(out)}`);
  }
}

/** Inputs for the placement calls: sizes over 1 KiB .. 1 GiB, all residencies, varied queues. */
function placements(count: number): { tasks: PlacementTask[]; states: PlacementState[] } {
  const families = ['filter', 'group-by', 'reduce', 'sort'];
  const residency = ['host', 'gpu', null] as const;
  const tasks: PlacementTask[] = [];
  const states: PlacementState[] = [];
  for (let i = 0; i < count; i++) {
    tasks.push({ family: families[i % 4]!, bytes: 2 ** (10 + (i % 21)), residentOn: residency[i % 3]! });
    states.push({ mode: 'auto', gpuAvailable: true, gpuSoftware: false, cpuQueue: i % 9, gpuQueue: i % 5, cpuWorkers: 2, supported: true });
  }
  return { tasks, states };
}

function row(path: string, tasks: number, ms: number, note: string): (string | number)[] {
  const us = (ms * 1000) / tasks;
  return [path, tasks, ms.toFixed(1), us.toFixed(2), us <= GOAL_US ? 'yes' : 'no', note];
}

/** The per-task overhead part: tiny tasks through the executor, place() and observe(). */
async function overheadPart(tasks: number, repeat: number, workers: number): Promise<BenchReport> {
  const rows: (string | number)[][] = [];

  const cpuClient = await Client.create({ gpu: 'off', workers, scheduler: 'cpu' });
  try {
    const ctx = cpuClient.execContext();
    rows.push(row(`cpu pool, ${ctx.workers * 2} in flight`, tasks, await time(() => runTiny(ctx, tasks, ctx.workers * 2), repeat), 'as run-stage runs reads'));
    rows.push(row('cpu pool, one at a time', tasks, await time(() => runTiny(ctx, tasks, 1), repeat), 'post + run + reply latency'));
  } finally {
    await cpuClient.close();
  }

  const syncClient = await Client.create({ gpu: 'off', workers: 1, scheduler: 'sync' });
  try {
    const ctx = syncClient.execContext();
    rows.push(row('sync (main thread)', tasks, await time(() => runTiny(ctx, tasks, 1), repeat), 'no shipping'));
  } finally {
    await syncClient.close();
  }

  // Enough calls that the timer's resolution does not matter.
  const calls = Math.max(tasks, 100_000);
  const model = new CostModel();
  const { tasks: placed, states } = placements(calls);
  let onGpu = 0;
  const placeMs = await time(() => {
    onGpu = 0;
    for (let i = 0; i < calls; i++) if (place(placed[i]!, states[i]!, model).device === 'gpu') onGpu++;
  }, repeat);
  if (onGpu === 0 || onGpu === calls) throw new Error(`scheduler bench: place() chose one device for all ${calls} calls`);
  rows.push(row('place()', calls, placeMs, `${((100 * onGpu) / calls).toFixed(0)}% to the GPU`));
  const observeMs = await time(() => {
    for (let i = 0; i < calls; i++) model.observe(placed[i]!.family, i % 2 === 0 ? 'cpu' : 'gpu', placed[i]!.bytes, 0.05 + placed[i]!.bytes / 1e6);
  }, repeat);
  rows.push(row('CostModel.observe()', calls, observeMs, 'refit per call'));

  return {
    suite: 'scheduler',
    table: formatTable(['path', 'tasks', 'total ms', 'µs / task', `≤ ${GOAL_US} µs`, 'note'], rows),
    rows: rows.map(([path, n, total, us, met, note]) => ({ path, tasks: n, totalMs: Number(total), usPerTask: Number(us), meetsGoal: met === 'yes', note })),
    notes: [
      `goal: ≤ ${GOAL_US} µs of scheduler overhead per task (issue 5); each row is the median of ${repeat} runs after a warm-up`,
      'a tiny task counts the rows of an 8-row int32 table, so its time is all overhead: shipping the table, posting, the reply',
      'place() and observe() are what placement will add to every task on top of the executor path',
    ],
  };
}

export async function schedulerBench(flags: string[]): Promise<BenchReport> {
  const tasks = Math.max(1, Number(flag(flags, 'tasks', '10000')));
  const repeat = Math.max(1, Number(flag(flags, 'repeat', '3')));
  const workers = Math.max(1, Number(flag(flags, 'workers', '2')));
  const dir = flag(flags, 'dir', '/tmp/dusk-bench');
  const parts = new Set(flag(flags, 'parts', 'overhead,modes,memory').split(','));
  const tables: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const notes: string[] = [];
  if (parts.has('overhead')) {
    const r = await overheadPart(tasks, repeat, workers);
    tables.push(`### per-task overhead\n\n${r.table}`);
    rows.push(...r.rows.map((x) => ({ part: 'overhead', ...x })));
    notes.push(...r.notes);
  }
  if (parts.has('modes')) {
    const r = await schedulerModes(Number(flag(flags, 'frame-rows', '1e6')), repeat, dir);
    tables.push(`### q1–q5 per scheduler mode (goal: auto no slower than the better of cpu and gpu)\n\n${r.table}`);
    rows.push(...r.rows.map((x) => ({ part: 'modes', ...x })));
    notes.push(...r.notes);
  }
  if (parts.has('memory')) {
    const r = await largerThanMemory(Number(flag(flags, 'ltm-rows', '3.2e7')), Number(flag(flags, 'ltm-limit', '128')), workers, dir);
    tables.push(`### larger than memory\n\n${r.table}`);
    rows.push(...r.rows.map((x) => ({ part: 'memory', ...x })));
    notes.push(...r.notes);
  }
  return { suite: 'scheduler', table: tables.join('\n\n'), rows, notes };
}
