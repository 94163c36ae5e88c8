/**
 * The filter kernels, GPU twin against CPU twin, on N generated rows of (v1 int32 0..99, v2 int64
 * of both signs, v3 float64 0..100, id1 dictionary strings of 100 values) with predicates that
 * keep about 1%, 50% and 99% of the rows. CPU: `evalColumn` + `filterTable` on this thread. GPU:
 * upload (`uploadTable` until the queue is idle), kernel (the `evalExprs` mask and the
 * `filterTable` compaction until the queue is idle) and readback (`downloadTable` of the kept
 * rows into Arrow). Both sides must keep the same rows — count and an order-sensitive hash of
 * every kept value — or the suite throws. Flags: --rows=1e7  --repeat=3
 */
import * as arrow from 'apache-arrow';
import { evalColumn } from '../src/cpu/kernels/eval-column.js';
import { tableSchema } from '../src/cpu/kernels/eval-expr.js';
import { filterTable as cpuFilter } from '../src/cpu/kernels/filter-table.js';
import { downloadTable } from '../src/gpu/download-table.js';
import type { GpuContext } from '../src/gpu/gpu-context.js';
import { evalExprs } from '../src/gpu/kernels/eval-exprs.js';
import { filterTable as gpuFilter } from '../src/gpu/kernels/filter.js';
import { uploadTable } from '../src/gpu/upload-table.js';
import { col, type Expr } from '../src/plan/expr.js';
import { dictionaryVector, flag, gpuBenchClient, medianRun, seededRandom, type GpuTiming } from './groupby.bench.js';
import { formatTable, median } from './table.js';
import type { BenchReport } from './run.js';

const PREDICATES: { name: string; expr: Expr }[] = [
  { name: '~1%: v1 < 2 and v3 < 50', expr: col('v1').lt(2).and(col('v3').lt(50)) },
  { name: '~50%: v2 >= 0 (int64)', expr: col('v2').ge(0) },
  { name: "~99%: id1 != 'id042'", expr: col('id1').ne('id042') },
];

function generate(rows: number): arrow.Table {
  const next = seededRandom(7);
  const v1 = new Int32Array(rows);
  const v2 = new BigInt64Array(rows);
  const v2Words = new Int32Array(v2.buffer);
  const v3 = new Float64Array(rows);
  const id1 = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    v1[i] = Math.floor(next() * 100);
    // Little-endian words: a random low word and a high word in [-2^15, 2^15), so about half are negative.
    v2Words[2 * i] = Math.floor(next() * 4294967296) | 0;
    v2Words[2 * i + 1] = Math.floor(next() * 65536) - 32768;
    v3[i] = next() * 100;
    id1[i] = Math.floor(next() * 100);
  }
  const names = Array.from({ length: 100 }, (_, j) => `id${String(j + 1).padStart(3, '0')}`);
  return new arrow.Table({ v1: arrow.makeVector(v1), v2: arrow.makeVector(v2), v3: arrow.makeVector(v3), id1: dictionaryVector(id1, names) });
}

function mix(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193);
}

function stringHash(s: string | null): number {
  let h = 0x811c9dc5;
  if (s === null) return 0;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

/** Rows and an order-sensitive FNV-style hash of every value of v1, v2, v3 and id1 (by string). */
function checksum(table: arrow.Table): { rows: number; hash: string } {
  const hashes = ['v1', 'v2', 'v3', 'id1'].map((name) => {
    let h = 0x811c9dc5;
    for (const data of table.getChild(name)!.data) {
      if (data.nullCount > 0) throw new Error(`filter bench: column '${name}' has nulls it was not generated with`);
      const n = data.length;
      const values = data.values as Int32Array | BigInt64Array | Float64Array;
      if (name === 'id1') {
        const strings = (data.dictionary!.toArray() as (string | null)[]).map(stringHash);
        for (let i = 0; i < n; i++) h = mix(h, strings[values[i] as number]!);
      } else {
        const words = new Int32Array(values.buffer, values.byteOffset, n * (values.BYTES_PER_ELEMENT / 4));
        for (let i = 0; i < words.length; i++) h = mix(h, words[i]!);
      }
    }
    return (h >>> 0).toString(16).padStart(8, '0');
  });
  return { rows: table.numRows, hash: hashes.join('') };
}

/** One GPU run: upload, mask + compaction, download; the kept rows and the phase times. */
async function gpuRun(gpu: GpuContext, table: arrow.Table, expr: Expr, label: string): Promise<{ kept: arrow.Table; timing: GpuTiming }> {
  const t0 = performance.now();
  const resident = uploadTable(gpu, table, ['v1', 'v2', 'v3', 'id1'], label);
  try {
    await gpu.device.queue.onSubmittedWorkDone();
    const t1 = performance.now();
    const mask = await evalExprs(gpu, resident, [expr], tableSchema(table));
    if ('unsupported' in mask) throw new Error(`${label}: the GPU mask is unsupported (${mask.unsupported})`);
    const compacted = await gpuFilter(gpu, resident, mask.columns[0]!, label).finally(() => mask.release());
    try {
      await gpu.device.queue.onSubmittedWorkDone();
      const t2 = performance.now();
      const kept = await downloadTable(gpu, compacted);
      const t3 = performance.now();
      return { kept, timing: { upload: t1 - t0, kernel: t2 - t1, readback: t3 - t2, total: t3 - t0 } };
    } finally {
      compacted.release();
    }
  } finally {
    resident.release();
  }
}

function cpuRun(table: arrow.Table, expr: Expr): arrow.Table {
  return cpuFilter(table, evalColumn(expr, table));
}

export async function filterBench(flags: string[]): Promise<BenchReport> {
  const rows = Number(flag(flags, 'rows', '1e7'));
  const repeat = Math.max(1, Number(flag(flags, 'repeat', '3')));
  const t0 = performance.now();
  const table = generate(rows);
  const notes = [`${rows.toExponential(0)} rows generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; median of ${repeat} run(s) after a warm-up on the first 65536 rows`];
  const warm = table.slice(0, Math.min(rows, 65536));
  // Every CPU run first, then the GPU: llvmpipe's threads keep running for a while after GPU work.
  const cpu = PREDICATES.map(({ expr }) => {
    cpuRun(warm, expr);
    const runs: number[] = [];
    let sum = { rows: 0, hash: '' };
    for (let i = 0; i < repeat; i++) {
      const s = performance.now();
      const kept = cpuRun(table, expr);
      runs.push(performance.now() - s);
      sum = checksum(kept);
    }
    return { ms: median(runs), sum };
  });
  const { client, gpu } = await gpuBenchClient(table, notes);
  const results: Record<string, unknown>[] = [];
  const cells: (string | number)[][] = [];
  try {
    for (const [i, { name, expr }] of PREDICATES.entries()) {
      await gpuRun(gpu, warm, expr, name);
      const runs: GpuTiming[] = [];
      let sum = { rows: 0, hash: '' };
      for (let r = 0; r < repeat; r++) {
        const before = gpu.readbackStats();
        const run = await gpuRun(gpu, table, expr, name);
        runs.push({ ...run.timing });
        sum = checksum(run.kept);
        const after = gpu.readbackStats();
        results.push({ predicate: name, run: r, readbackBytes: after.bytes - before.bytes, reads: after.reads - before.reads });
      }
      const expected = cpu[i]!.sum;
      if (sum.rows !== expected.rows || sum.hash !== expected.hash) {
        throw new Error(`${name}: GPU and CPU keep different rows: ${sum.rows} rows (hash ${sum.hash}) on the GPU, ${expected.rows} (hash ${expected.hash}) on the CPU`);
      }
      const t = medianRun(runs);
      results.push({ predicate: name, rows, kept: sum.rows, hash: sum.hash, cpuMs: cpu[i]!.ms, gpu: t });
      cells.push([name, sum.rows, `${((100 * sum.rows) / Math.max(1, rows)).toFixed(1)}%`, cpu[i]!.ms.toFixed(1),
        t.upload.toFixed(1), t.kernel.toFixed(1), t.readback.toFixed(1), t.total.toFixed(1)]);
    }
  } finally {
    await client.close();
  }
  notes.push(
    'GPU and CPU keep the same rows for every predicate: same count and the same hash over every kept value, in order',
    'upload = uploadTable of the four columns until the queue is idle; kernel = evalExprs (mask) + filterTable (count, scan, scatter) until the queue is idle, their few control words read back included; readback = downloadTable of the kept rows into Arrow',
    'cpu = evalColumn + filterTable on one thread',
  );
  return {
    suite: 'filter',
    table: formatTable(['predicate', 'rows kept', 'kept', 'cpu 1 thread ms', 'gpu upload ms', 'gpu kernel ms', 'gpu readback ms', 'gpu total ms'], cells),
    rows: results,
    notes,
  };
}
