/**
 * sum / min / max / mean / std over float64, float32 and int64 columns of 1e7 and 1e8 values:
 * the GPU twin (upload + kernels + readback, whichever adapter), the CPU pool (all workers),
 * and the CPU kernel on one thread, beside this machine's memory bandwidth measured in the
 * same run. Flags: --sizes=1e7,1e8  --repeat=N  --devices=cpu,single,gpu
 */
import * as arrow from 'apache-arrow';
import { Worker } from 'node:worker_threads';
import { Client, type ReduceOp } from '../src/index.js';
import { formatTable, time } from './table.js';
import type { BenchReport } from './run.js';

type BenchDType = 'float64' | 'float32' | 'int64';
const OPS: ReduceOp[] = ['sum', 'min', 'max', 'mean', 'std'];

function flag(flags: string[], name: string, fallback: string): string {
  return flags.find((f) => f.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

/** Engine-owned data lives in shared memory, so the pool reads it without copies. */
function column(dtype: BenchDType, n: number): arrow.Vector {
  const bytes = dtype === 'float32' ? 4 : 8;
  const sab = new SharedArrayBuffer(n * bytes);
  if (dtype === 'float64') {
    const a = new Float64Array(sab);
    for (let i = 0; i < n; i++) a[i] = ((i * 2654435761) % 1000003) / 1000.5 - 499;
    return arrow.makeVector(a);
  }
  if (dtype === 'float32') {
    const a = new Float32Array(sab);
    for (let i = 0; i < n; i++) a[i] = ((i * 2654435761) % 1000003) / 1000.5 - 499;
    return arrow.makeVector(a);
  }
  const a = new BigInt64Array(sab);
  for (let i = 0; i < n; i++) a[i] = BigInt((i * 2654435761) % 1000003) - 500000n;
  return arrow.makeVector(a);
}

/** A plain (uncompensated) eight-accumulator sum: about the fastest a JS loop reads float64. */
const READ_LOOP = `
  function readLoop(a, start, end) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let i = start; i + 7 < end; i += 8) {
      s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3];
      s4 += a[i + 4]; s5 += a[i + 5]; s6 += a[i + 6]; s7 += a[i + 7];
    }
    return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  }`;

/** The read loop on `workers` threads at once over one shared column; resolves to ms taken. */
async function parallelRead(shared: Float64Array, workers: number, repeat: number): Promise<number> {
  const code = `${READ_LOOP}
    const { parentPort, workerData } = require('node:worker_threads');
    const { a, start, end } = workerData;
    parentPort.on('message', () => parentPort.postMessage(readLoop(a, start, end)));`;
  const step = Math.ceil(shared.length / workers);
  const threads = Array.from({ length: workers }, (_, w) =>
    new Worker(code, { eval: true, workerData: { a: shared, start: w * step, end: Math.min(shared.length, (w + 1) * step) } }),
  );
  const round = (): Promise<unknown[]> =>
    Promise.all(threads.map((t) => new Promise((resolve) => { t.once('message', resolve); t.postMessage(0); })));
  try {
    return await time(round, repeat);
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/**
 * Memory bandwidth measured in this run: memcpy (bytes read + written), the plain read loop on
 * one thread, and the same loop on every worker thread at once (bytes read).
 */
async function bandwidth(n: number, workers: number, repeat: number): Promise<{ copy: number; read1: number; readAll: number }> {
  const src = new Float64Array(new SharedArrayBuffer(n * 8)).fill(1.5);
  const dst = new Float64Array(n);
  const copyMs = await time(() => dst.set(src), repeat);
  const readLoop = new Function(`${READ_LOOP}; return readLoop;`)() as (a: Float64Array, s: number, e: number) => number;
  const read1Ms = await time(() => readLoop(src, 0, n), repeat);
  const readAllMs = await parallelRead(src, workers, repeat);
  return { copy: (2 * n * 8) / copyMs / 1e6, read1: (n * 8) / read1Ms / 1e6, readAll: (n * 8) / readAllMs / 1e6 };
}

export async function reduceBench(flags: string[]): Promise<BenchReport> {
  const sizes = flag(flags, 'sizes', '1e7,1e8').split(',').map(Number);
  const repeat = Number(flag(flags, 'repeat', '3'));
  const devices = flag(flags, 'devices', 'cpu,single,gpu').split(',');
  const client = await Client.create({ gpu: 'auto' });
  const info = client.info();
  const gpuName = info.gpu ? `${info.gpu.name} (${info.gpu.backendName})` : 'none';
  const rows: Record<string, unknown>[] = [];
  const table: (string | number)[][] = [];
  const bw = await bandwidth(Math.max(...sizes), info.workers, repeat);
  const peak = Math.max(bw.copy, bw.read1, bw.readAll);
  table.push(['memcpy (read+write)', '', 'float64', 'single', '', bw.copy.toFixed(2), '']);
  table.push(['plain read loop', '', 'float64', 'single', '', bw.read1.toFixed(2), '']);
  table.push([`plain read loop`, '', 'float64', `${info.workers} thr`, '', bw.readAll.toFixed(2), '']);
  // Every column first, then device by device: llvmpipe's threads keep running for a while after
  // GPU work and would slow CPU timings taken in between.
  const columns = sizes.flatMap((n) => (['float64', 'float32', 'int64'] as const).map((dtype) => ({ n, dtype, vector: column(dtype, n) })));
  try {
    for (const device of devices) {
      if (device === 'gpu' && client.gpu === null) continue;
      const target = device === 'single' ? 'sync' : (device as 'gpu' | 'cpu');
      for (const { n, dtype, vector } of columns) {
        const bytes = vector.data[0]!.values.byteLength;
        for (const op of OPS) {
          // llvmpipe runs kernels on the CPU: one timed run of the large sizes is plenty.
          const reps = device === 'gpu' && info.gpu?.software && n >= 1e8 ? 1 : repeat;
          const ms = await time(() => client.reduce(vector, [op], { column: dtype, device: target }), reps);
          const gbs = bytes / ms / 1e6;
          rows.push({ n, dtype, op, device, ms, gbPerS: gbs, shareOfBandwidth: gbs / peak });
          table.push([`${op} ${dtype}`, n.toExponential(0), dtype, device, ms.toFixed(1), gbs.toFixed(2), `${((gbs / peak) * 100).toFixed(0)}%`]);
        }
      }
    }
  } finally {
    await client.close();
  }
  const poolSum = rows.filter((r) => r.op === 'sum' && r.dtype === 'float64' && r.device === 'cpu');
  const notes = [
    `GPU: ${gpuName}; CPU workers: ${info.workers}; GPU times include upload and readback.`,
    `memory bandwidth: memcpy ${bw.copy.toFixed(2)} GB/s, plain read loop ${bw.read1.toFixed(2)} GB/s on one thread and ${bw.readAll.toFixed(2)} GB/s on ${info.workers}; shares are of the largest.`,
    ...poolSum.map((r) => `CPU pool float64 sum at ${Number(r.n).toExponential(0)}: ${((r.shareOfBandwidth as number) * 100).toFixed(0)}% of measured bandwidth (target 60%).`),
  ];
  return {
    suite: 'reduce',
    table: formatTable(['case', 'n', 'dtype', 'device', 'ms', 'GB/s', 'of bw'], table),
    rows: [
      { baseline: 'memcpy', gbPerS: bw.copy },
      { baseline: 'read loop, 1 thread', gbPerS: bw.read1 },
      { baseline: `read loop, ${info.workers} threads`, gbPerS: bw.readAll },
      ...rows,
    ],
    notes,
  };
}
