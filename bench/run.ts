/**
 * The benchmark harness behind `npm run bench -- <suite...>` and `npx dusk bench`: runs each
 * suite, prints its table, and writes its JSON to bench/results/<suite>-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { arrayBench } from './array.bench.js';
import { filterBench } from './filter.bench.js';
import { frameBench } from './frame.bench.js';
import { groupbyBench } from './groupby.bench.js';
import { joinBench } from './join.bench.js';
import { reduceBench } from './reduce.bench.js';
import { schedulerBench } from './scheduler.bench.js';

export interface BenchReport {
  suite: string;
  table: string;
  rows: Record<string, unknown>[];
  notes: string[];
}

const SUITES: Record<string, (args: string[]) => Promise<BenchReport>> = {
  reduce: reduceBench,
  frame: frameBench,
  groupby: groupbyBench,
  filter: filterBench,
  scheduler: schedulerBench,
  array: arrayBench,
  join: joinBench,
};

function resultsDir(): string {
  const up = import.meta.url.includes('/dist/bench/') ? '../../bench/results/' : './results/';
  return fileURLToPath(new URL(up, import.meta.url));
}

export async function runBenchmarks(argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  const chosen = names.length > 0 ? names : Object.keys(SUITES);
  for (const name of chosen) {
    const suite = SUITES[name];
    if (suite === undefined) throw new Error(`no benchmark suite '${name}'; suites: ${Object.keys(SUITES).join(', ')}`);
    const report = await suite(flags);
    process.stdout.write(`\n## ${name}\n\n${report.table}\n\n${report.notes.map((n) => `- ${n}`).join('\n')}\n`);
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    const file = `${dir}${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memory: totalmem(), node: process.version };
    writeFileSync(file, `${JSON.stringify({ ...report, table: undefined, machine, date: new Date().toISOString() }, null, 2)}\n`);
    process.stdout.write(`\nwrote ${file}\n`);
  }
}
