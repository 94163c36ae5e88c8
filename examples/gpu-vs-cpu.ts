/**
 * The same query on the CPU workers and on the GPU path: a filter, a computed column and a
 * grouped aggregation over a Parquet file. explain() shows where each stage runs and why; the
 * answers agree; client.stats() counts the tasks per device. Without a GPU, the GPU path runs on
 * Mesa's llvmpipe (a software adapter), so only the answers are worth comparing, not the times.
 * Run: npm run build && node dist/examples/gpu-vs-cpu.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, col, fromArrays, readParquet, type DataFrame } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-gpu-vs-cpu-'));
const n = 200_000;
const ids = ['id001', 'id002', 'id003', 'id004', 'id005'];
const writer = await Client.create({ workers: 2, gpu: 'off' });
await fromArrays({
  id: Array.from({ length: n }, (_, i) => ids[i % ids.length]!),
  v1: Int32Array.from({ length: n }, (_, i) => 1 + (i % 5)),
  v3: Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 10_000) / 100),
}, { npartitions: 4 }).toParquet(join(dir, 'data'));
await writer.close();

const query = (df: DataFrame): DataFrame =>
  df.filter(col('v3').gt(10))
    .assign({ w: col('v1').mul(2).add(col('v3')) })
    .groupBy('id', { sort: true })
    .agg({ w: ['sum', 'mean', 'max'], v1: 'count' });

for (const scheduler of ['cpu', 'gpu'] as const) {
  // 'gpu' forces the GPU path, on whatever adapter there is (llvmpipe when there is no GPU).
  const client = await Client.create({ workers: 2, scheduler, gpu: scheduler === 'gpu' ? 'require' : 'off' });
  const frame = query(readParquet(join(dir, 'data'), { blocksize: '1MB' }));
  console.log(`\n--- scheduler '${scheduler}'${scheduler === 'gpu' ? ` on ${client.info().gpu?.name}` : ''}`);
  console.log(frame.explain());
  const started = performance.now();
  const result = await frame.compute();
  console.log(`${(performance.now() - started).toFixed(0)} ms`);
  console.table(result.toArray().map((r) => r.toJSON()));
  const { tasks, gpuFallbacks } = client.stats();
  console.log('tasks per device:', tasks, gpuFallbacks.length > 0 ? `sent back to the CPU: ${gpuFallbacks.join('; ')}` : '');
  await client.close();
}
rmSync(dir, { recursive: true, force: true });
