/**
 * The group-by kernels, GPU twin against CPU twin, on db-benchmark-like data generated in memory
 * (N rows, K = 100: id1 dictionary strings of K values, id4 int32 of K values, id6 int32 of N/K
 * values, v1 v2 int32 1..5, v3 float64 0..100): q1, a q3-like (by id6), q4, q5, and a masked
 * question (v1 > 2, then sum v3 by id4). The CPU column is `partialGroupBy` over the whole table
 * on this thread; the GPU path is split into upload (`uploadTable` until the queue is idle),
 * kernel (the calls, less the readback time inside them) and readback (`readbackStats` over the
 * calls). Every question's GPU and CPU results are finalized and compared group by group; a
 * disagreement throws. Flags: --rows=1e7  --repeat=3
 */
import * as arrow from 'apache-arrow';
import { partialGroupBy, finalizeGroupBy, type AggRequest, type GroupPartial } from '../src/cpu/kernels/group-by.js';
import { evalColumn } from '../src/cpu/kernels/eval-column.js';
import { tableSchema } from '../src/cpu/kernels/eval-expr.js';
import { filterTable } from '../src/cpu/kernels/filter-table.js';
import type { GpuContext } from '../src/gpu/gpu-context.js';
import { evalExprs } from '../src/gpu/kernels/eval-exprs.js';
import { groupByPartial } from '../src/gpu/kernels/group-by.js';
import { uploadTable } from '../src/gpu/upload-table.js';
import { Client } from '../src/index.js';
import { col, type Expr } from '../src/plan/expr.js';
import { formatTable, median } from './table.js';
import type { BenchReport } from './run.js';

/**
 * The value of `--name=value` among the flags, else `fallback`.
 * @example
 * const rows = Number(flag(['--rows=1e6'], 'rows', '1e7')); // 1e6
 */
export function flag(flags: string[], name: string, fallback: string): string {
  return flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

/**
 * Uniform numbers in [0, 1) from a seed (mulberry32): the same data on every run and machine.
 * @example
 * const next = seededRandom(42);
 * const die = 1 + Math.floor(next() * 6);
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A dictionary-encoded string column over `strings`, one chunk.
 * @example
 * const id1 = dictionaryVector(Int32Array.of(0, 1, 0), ['a', 'b']); // 'a', 'b', 'a'
 */
export function dictionaryVector(codes: Int32Array, strings: string[]): arrow.Vector {
  const dictionary = arrow.vectorFromArray(strings, new arrow.Utf8());
  const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  return new arrow.Vector([arrow.makeData({ type, length: codes.length, nullCount: 0, data: codes, dictionary })]);
}

/** One GPU run split into its phases, in ms. */
export interface GpuTiming {
  upload: number;
  kernel: number;
  readback: number;
  total: number;
}

/**
 * The run with the median total (so its parts add up to the total shown).
 * @example
 * const shown = medianRun(runs); // shown.upload + shown.kernel + shown.readback === shown.total
 */
export function medianRun(runs: readonly GpuTiming[]): GpuTiming {
  const sorted = [...runs].sort((a, b) => a.total - b.total);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** db-benchmark's G1 shape with K = 100, as typed arrays (no nulls). */
function generate(rows: number): arrow.Table {
  const k = 100;
  const groups = Math.max(1, Math.round(rows / k));
  const next = seededRandom(42);
  const int = (n: number): number => Math.floor(next() * n);
  const id1 = new Int32Array(rows);
  const id4 = new Int32Array(rows);
  const id6 = new Int32Array(rows);
  const v1 = new Int32Array(rows);
  const v2 = new Int32Array(rows);
  const v3 = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    id1[i] = int(k);
    id4[i] = 1 + int(k);
    id6[i] = 1 + int(groups);
    v1[i] = 1 + int(5);
    v2[i] = 1 + int(5);
    v3[i] = Math.round(next() * 100 * 1e6) / 1e6;
  }
  const names = Array.from({ length: k }, (_, j) => `id${String(j + 1).padStart(3, '0')}`);
  return new arrow.Table({
    id1: dictionaryVector(id1, names),
    id4: arrow.makeVector(id4),
    id6: arrow.makeVector(id6),
    v1: arrow.makeVector(v1),
    v2: arrow.makeVector(v2),
    v3: arrow.makeVector(v3),
  });
}

interface Question {
  name: string;
  keys: string[];
  aggs: AggRequest[];
  /** Rows kept before grouping: a filter on the CPU, a mask from `evalExprs` on the GPU. */
  where?: Expr;
}

const sum = (column: string): AggRequest => ({ fn: 'sum', column });
const mean = (column: string): AggRequest => ({ fn: 'mean', column });

const QUESTIONS: Question[] = [
  { name: 'q1 sum v1 by id1', keys: ['id1'], aggs: [sum('v1')] },
  { name: 'q3 sum v1 mean v3 by id6', keys: ['id6'], aggs: [sum('v1'), mean('v3')] },
  { name: 'q4 mean v1:v3 by id4', keys: ['id4'], aggs: [mean('v1'), mean('v2'), mean('v3')] },
  { name: 'q5 sum v1:v3 by id6', keys: ['id6'], aggs: [sum('v1'), sum('v2'), sum('v3')] },
  { name: 'v1 > 2: sum v3 by id4', keys: ['id4'], aggs: [sum('v3')], where: col('v1').gt(2) },
];

function columnsOf(q: Question): string[] {
  const names = [...q.keys, ...q.aggs.map((a) => a.column!)];
  if (q.where !== undefined) names.push('v1');
  return [...new Set(names)];
}

function cpuPartial(table: arrow.Table, q: Question): GroupPartial {
  const kept = q.where === undefined ? table : filterTable(table, evalColumn(q.where, table));
  return partialGroupBy(kept, q.keys, q.aggs);
}

/** One GPU run: upload, the kernels, readback; the partial and the phase times. */
async function gpuRun(gpu: GpuContext, table: arrow.Table, q: Question): Promise<{ partial: GroupPartial; timing: GpuTiming }> {
  const t0 = performance.now();
  const resident = uploadTable(gpu, table, columnsOf(q), q.name);
  try {
    await gpu.device.queue.onSubmittedWorkDone();
    const t1 = performance.now();
    const before = gpu.readbackStats().ms;
    let mask = null;
    if (q.where !== undefined) {
      const r = await evalExprs(gpu, resident, [q.where], tableSchema(table));
      if ('unsupported' in r) throw new Error(`${q.name}: the GPU mask is unsupported (${r.unsupported})`);
      mask = r;
    }
    try {
      const result = await groupByPartial(gpu, resident, q.keys, q.aggs, mask === null ? {} : { mask: mask.columns[0]! });
      if ('unsupported' in result) throw new Error(`${q.name}: the GPU group-by is unsupported (${result.unsupported})`);
      const t2 = performance.now();
      const readback = gpu.readbackStats().ms - before;
      const timing = { upload: t1 - t0, kernel: t2 - t1 - readback, readback, total: t2 - t0 };
      return { partial: result.partial, timing };
    } finally {
      mask?.release();
    }
  } finally {
    resident.release();
  }
}

/** A finalized row's cell as a comparable value: bigint for integers, number for floats, string keys. */
function cell(table: arrow.Table, name: string, row: number): unknown {
  return table.getChild(name)!.get(row) as unknown;
}

/**
 * Throws unless both tables hold the same groups with the same values: integers exactly,
 * floats within 1e-9 relative. Returns per-column checksums (sums over the groups).
 */
function compare(cpu: arrow.Table, gpu: arrow.Table, q: Question, names: string[]): Record<string, string> {
  const fail = (why: string): never => {
    throw new Error(`${q.name}: GPU and CPU disagree: ${why}`);
  };
  if (cpu.numRows !== gpu.numRows) fail(`${gpu.numRows} groups on the GPU, ${cpu.numRows} on the CPU`);
  const keyOf = (t: arrow.Table, row: number): string => q.keys.map((k) => String(cell(t, k, row))).join('\u0000');
  const cpuRows = new Map<string, number>();
  for (let r = 0; r < cpu.numRows; r++) cpuRows.set(keyOf(cpu, r), r);
  const sums: Record<string, number | bigint> = {};
  for (let r = 0; r < gpu.numRows; r++) {
    const key = keyOf(gpu, r);
    const c = cpuRows.get(key);
    if (c === undefined) fail(`group ${key} is only on the GPU`);
    for (const name of names) {
      const a = cell(gpu, name, r);
      const b = cell(cpu, name, c!);
      if (typeof a === 'bigint' || typeof b === 'bigint') {
        if (a !== b) fail(`${name} of group ${key}: ${String(a)} on the GPU, ${String(b)} on the CPU`);
        sums[name] = ((sums[name] as bigint | undefined) ?? 0n) + ((a as bigint | null) ?? 0n);
      } else {
        const x = a as number | null;
        const y = b as number | null;
        const same = x === y || (x !== null && y !== null && Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)));
        if (!same) fail(`${name} of group ${key}: ${String(x)} on the GPU, ${String(y)} on the CPU`);
        sums[name] = ((sums[name] as number | undefined) ?? 0) + (x ?? 0);
      }
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, String(v)]));
}

export async function groupbyBench(flags: string[]): Promise<BenchReport> {
  const rows = Number(flag(flags, 'rows', '1e7'));
  const repeat = Math.max(1, Number(flag(flags, 'repeat', '3')));
  const t0 = performance.now();
  const table = generate(rows);
  const notes = [`${rows.toExponential(0)} rows generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (K = 100, id6 has ${Math.max(1, Math.round(rows / 100))} values); median of ${repeat} run(s) after a warm-up on the first 65536 rows`];
  const warm = table.slice(0, Math.min(rows, 65536));
  // Every CPU run first, then the GPU: llvmpipe's threads keep running for a while after GPU work.
  const cpuPartials: GroupPartial[] = [];
  const cpuMs = QUESTIONS.map((q) => {
    cpuPartial(warm, q);
    const runs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const s = performance.now();
      cpuPartials[QUESTIONS.indexOf(q)] = cpuPartial(table, q);
      runs.push(performance.now() - s);
    }
    return median(runs);
  });
  const { client, gpu } = await gpuBenchClient(table, notes);
  const results: Record<string, unknown>[] = [];
  const cells: (string | number)[][] = [];
  try {
    for (const [i, q] of QUESTIONS.entries()) {
      await gpuRun(gpu, warm, q);
      const runs: GpuTiming[] = [];
      let partial: GroupPartial | null = null;
      const before = gpu.readbackStats();
      for (let r = 0; r < repeat; r++) {
        const run = await gpuRun(gpu, table, q);
        runs.push(run.timing);
        partial = run.partial;
      }
      const after = gpu.readbackStats();
      const readbackPerRun = { bytes: (after.bytes - before.bytes) / repeat, reads: (after.reads - before.reads) / repeat };
      const names = q.aggs.map((a) => a.column!);
      const cpuTable = finalizeGroupBy(cpuPartials[i]!, q.keys, q.aggs, names);
      const gpuTable = finalizeGroupBy(partial!, q.keys, q.aggs, names);
      const checksums = compare(cpuTable, gpuTable, q, names);
      const t = medianRun(runs);
      results.push({ question: q.name, rows, cpuMs: cpuMs[i], gpu: t, readbackPerRun, groups: gpuTable.numRows, checksums });
      cells.push([q.name, cpuMs[i]!.toFixed(1), t.upload.toFixed(1), t.kernel.toFixed(1), t.readback.toFixed(1), t.total.toFixed(1), gpuTable.numRows]);
    }
  } finally {
    await client.close();
  }
  notes.push(
    'GPU and CPU agree on every question: the same groups, integer results exactly and float results within 1e-9 relative (per-column checksums in the JSON)',
    'upload = uploadTable of the question\'s columns until the queue is idle; readback = time in GpuContext reads during the calls, which includes waiting for the kernels queued before each read (no timestamp queries); kernel = the calls less that',
    'cpu = partialGroupBy on the whole table on one thread (for the masked question, evalColumn + filterTable first); neither side includes finalizeGroupBy',
  );
  return {
    suite: 'groupby',
    table: formatTable(['question', 'cpu 1 thread ms', 'gpu upload ms', 'gpu kernel ms', 'gpu readback ms', 'gpu total ms', 'groups'], cells),
    rows: results,
    notes,
  };
}

/**
 * A client on the GPU for a kernel benchmark: its adapter noted (a software one as a correctness
 * path), and one upload of `table` made and released so the buffer pool already holds buffers of
 * each size class when the first timed upload runs.
 */
export async function gpuBenchClient(table: arrow.Table, notes: string[]): Promise<{ client: Client; gpu: GpuContext }> {
  const client = await Client.create({ gpu: 'require', workers: 2 });
  const gpu = client.gpu!;
  const info = client.info().gpu!;
  notes.push(`GPU: ${info.name} (${info.backendName})${info.software ? ': a software rasterizer on the CPU, so the GPU column is a correctness path, not a speed claim' : ''}`);
  uploadTable(gpu, table, undefined, 'pool warm-up').release();
  await gpu.device.queue.onSubmittedWorkDone();
  return { client, gpu };
}
