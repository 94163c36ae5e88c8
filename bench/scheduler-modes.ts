/**
 * The frame benchmark's q1–q5 under each scheduler mode ('auto', 'cpu', 'gpu') on the same
 * persisted G1 data, for the scheduler benchmark: the goal is 'auto' no slower than the better
 * of 'cpu' and 'gpu'. Each row also says where 'auto' ran its tasks.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFrame, SchedulerMode } from '../src/index.js';
import { readParquet } from '../src/index.js';
import { pathClient } from './bench-client.js';
import { generate, QUESTIONS } from './frame.bench.js';
import { formatTable, time } from './table.js';

const MODES: SchedulerMode[] = ['auto', 'cpu', 'gpu'];

export interface ModesResult {
  table: string;
  rows: Record<string, unknown>[];
  notes: string[];
}

/** Runs q1–q5 over `rows` rows of G1 (written under `dir` if missing) on each mode. */
export async function schedulerModes(rows: number, repeat: number, dir: string): Promise<ModesResult> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `G1_${rows}_1e2.parquet`);
  if (!existsSync(file)) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    await generate(c, file, rows);
    c.closeSync();
    duck.closeSync();
  }
  const notes: string[] = [`q1–q5 over ${rows.toExponential(0)} rows of G1 (${file}), persisted; median of ${repeat} runs after a warm-up`];
  const questions = QUESTIONS.filter((q) => /^q[1-5] /.test(q.name));
  const ms: Record<string, Partial<Record<SchedulerMode, number>>> = {};
  const autoTasks: Record<string, string> = {};
  for (const mode of MODES) {
    const client = await pathClient(mode, notes);
    if (client === null) continue;
    if (mode === 'auto') {
      const gpu = client.info().gpu;
      notes.push(gpu === null ? "auto: no GPU adapter, so every task runs on the CPU workers"
        : `auto: ${gpu.name}${gpu.software ? ' is a software adapter, which auto never uses' : ', placed per partition by the cost model'}`);
    }
    try {
      const persisted: DataFrame = await readParquet(file).persist();
      for (const q of questions) {
        const before = client.stats().tasks;
        (ms[q.name] ??= {})[mode] = await time(() => q.dusk(persisted), repeat);
        if (mode === 'auto') {
          const after = client.stats().tasks;
          autoTasks[q.name] = `gpu ${after.gpu - before.gpu}, cpu ${after.cpu - before.cpu}`;
        }
      }
      await persisted.unpersist();
    } finally {
      await client.close();
    }
  }
  const fmt = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
  const table = formatTable(
    ['question', ...MODES.map((m) => `${m} ms`), 'auto / best', 'auto tasks (all runs)'],
    questions.map((q) => {
      const r = ms[q.name] ?? {};
      const best = Math.min(r.cpu ?? Infinity, r.gpu ?? Infinity);
      return [q.name, ...MODES.map((m) => fmt(r[m])), r.auto === undefined || !Number.isFinite(best) ? '-' : (r.auto / best).toFixed(2), autoTasks[q.name] ?? '-'];
    }),
  );
  return { table, rows: questions.map((q) => ({ question: q.name, ...ms[q.name], autoTasks: autoTasks[q.name] })), notes };
}
