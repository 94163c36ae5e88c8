/**
 * The chunked-array benchmark: an elementwise chain (sqrt(x·2 + 1) − x) and axis reductions
 * (sum, mean, std along each axis of a square matrix) on N float32 elements, in GB/s of input
 * and output; and matmul of square float32 matrices, in GFLOP/s. Each runs on the CPU worker
 * pool and the GPU path (`scheduler: 'gpu'`), against a single-thread baseline: plain loops for
 * the chain and the reductions, one `matmulBlock` call for matmul. Inputs are SharedArrayBuffer
 * data wrapped with `fromTypedArray`, so blocks are views and no generation is timed. Each case
 * is timed after a warm-up run, so the client's block pool holds the graph's intermediate blocks
 * (the notes say how many buffers it made and lent again); the arrays returned are new memory
 * every time, as a user's would be.
 * Flags: --elements=1e8  --matmul=2048,4096  --chunk=1024  --repeat=3  --paths=cpu,gpu
 */
import { availableParallelism } from 'node:os';
import { blockPoolFor } from '../src/array/block-pool.js';
import { matmulBlock } from '../src/cpu/kernels/matmul-block.js';
import { array, Client, type ChunkedArray, type SchedulerMode } from '../src/index.js';
import { flag } from './groupby.bench.js';
import type { BenchReport } from './run.js';
import { formatTable, time } from './table.js';

interface Row {
  case: string;
  path: string;
  ms: number;
  rate: number;
  unit: 'GB/s' | 'GFLOP/s';
}

function sharedRandom(n: number, seed: number): Float32Array {
  const data = new Float32Array(new SharedArrayBuffer(n * 4));
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296;
  }
  return data;
}

/** The chain and reductions by hand, on one thread. */
function baselines(x: Float32Array, side: number): Record<string, () => unknown> {
  return {
    chain: () => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = Math.sqrt(x[i]! * 2 + 1) - x[i]!;
      return out;
    },
    'sum axis 0': () => {
      const out = new Float64Array(side);
      for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) out[c] += x[r * side + c]!;
      return out;
    },
    'sum axis 1': () => {
      const out = new Float64Array(side);
      for (let r = 0; r < side; r++) {
        let s = 0;
        for (let c = 0; c < side; c++) s += x[r * side + c]!;
        out[r] = s;
      }
      return out;
    },
  };
}

export async function arrayBench(flags: string[]): Promise<BenchReport> {
  const elements = Number(flag(flags, 'elements', '1e8'));
  const sizes = flag(flags, 'matmul', '2048,4096').split(',').filter((s) => s !== '').map(Number);
  const chunk = Number(flag(flags, 'chunk', '1024'));
  const repeat = Number(flag(flags, 'repeat', '3'));
  const paths = flag(flags, 'paths', 'cpu,gpu').split(',') as SchedulerMode[];
  const side = Math.floor(Math.sqrt(elements));
  const n = side * side;
  const notes = [`${n.toExponential(2)} float32 elements (${side}²); matmul ${sizes.join(', ')} in ${chunk}² blocks; median of ${repeat} after a warm-up; ${availableParallelism()} CPUs`];
  const rows: Row[] = [];
  const data = sharedRandom(n, 7);
  const gb = (bytes: number, ms: number): number => bytes / 1e6 / ms;

  for (const [name, fn] of Object.entries(baselines(data, side))) {
    const ms = await time(fn, repeat);
    rows.push({ case: name, path: 'single thread', ms, rate: gb(name === 'chain' ? 8 * n : 4 * n, ms), unit: 'GB/s' });
  }
  for (const size of sizes) {
    const a = sharedRandom(size * size, 11);
    const b = sharedRandom(size * size, 13);
    const ms = await time(() => matmulBlock(a, b, size, size, size), 1);
    rows.push({ case: `matmul ${size}²`, path: 'single thread', ms, rate: (2 * size ** 3) / 1e6 / ms, unit: 'GFLOP/s' });
  }

  for (const path of paths) {
    const client = await Client.create({ scheduler: path, gpu: path === 'gpu' ? 'require' : 'off' }).catch((e: unknown) => {
      notes.push(`${path} path skipped: ${(e as Error).message}`);
      return null;
    });
    if (client === null) continue;
    if (path === 'gpu') notes.push(`GPU: ${client.info().gpu?.name} (${client.info().gpu?.backendName}); a software adapter makes the GPU rows a correctness path, not a speed figure`);
    try {
      const x = array.fromTypedArray(data, [side, side], { chunks: [Math.max(1, Math.floor(8e6 / side)), side] });
      const cases: [string, ChunkedArray, number][] = [
        ['chain', x.mul(2).add(1).sqrt().sub(x), 8 * n],
        ['sum axis 0', x.sum({ axis: 0 }), 4 * n],
        ['sum axis 1', x.sum({ axis: 1 }), 4 * n],
        ['mean axis 0', x.mean({ axis: 0 }), 4 * n],
        ['std axis 1', x.std({ axis: 1 }), 4 * n],
      ];
      for (const [name, expr, bytes] of cases) {
        const ms = await time(() => expr.compute(), repeat);
        rows.push({ case: name, path, ms, rate: gb(bytes, ms), unit: 'GB/s' });
      }
      for (const size of sizes) {
        const a = array.fromTypedArray(sharedRandom(size * size, 11), [size, size], { chunks: chunk });
        const b = array.fromTypedArray(sharedRandom(size * size, 13), [size, size], { chunks: chunk });
        const ms = await time(() => a.matmul(b).compute(), 1);
        rows.push({ case: `matmul ${size}²`, path, ms, rate: (2 * size ** 3) / 1e6 / ms, unit: 'GFLOP/s' });
      }
      const { allocated, reused } = blockPoolFor(client.execContext().pool).stats;
      notes.push(`${path} block pool: ${allocated} buffers made, ${reused} lent again`);
    } finally {
      await client.close();
    }
  }

  const table = formatTable(['case', 'path', 'ms', 'rate', 'unit'], rows.map((r) => [r.case, r.path, r.ms.toFixed(1), r.rate.toFixed(2), r.unit]));
  return { suite: 'array', table, rows: rows.map((r) => ({ ...r })), notes };
}
