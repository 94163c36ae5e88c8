/**
 * Work on data larger than the memory limit: a client with memoryLimit 32 MB reads Parquet
 * files four times that size. The default block size follows the limit (explain() shows the
 * partitions), a groupby streams through the files, and a persisted frame larger than the limit
 * is spilled to disk as it is computed and read back for each query. client.stats() and the
 * 'spill' events show what moved, and close() removes the spill files.
 * Run: npm run build && node dist/examples/larger-than-memory.js
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, col, fromArrays, readParquet } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-larger-than-memory-'));
const MB = 2 ** 20;
const limit = 32 * MB;

// About 120 MB of data in memory (16 bytes a row in 4 columns), written as 8 Parquet files.
const n = 8_000_000;
const writer = await Client.create({ workers: 2, gpu: 'off' });
await fromArrays({
  id: Int32Array.from({ length: n }, (_, i) => i),
  k: Int32Array.from({ length: n }, (_, i) => (i * 7919) % 1000),
  v: Float32Array.from({ length: n }, (_, i) => ((i * 104_729) % 10_000) / 100),
  w: Int32Array.from({ length: n }, (_, i) => i % 97),
}, { npartitions: 8 }).toParquet(join(dir, 'data'));
await writer.close();
const onDisk = readdirSync(join(dir, 'data')).reduce((bytes, f) => bytes + statSync(join(dir, 'data', f)).size, 0);

const client = await Client.create({ workers: 2, gpu: 'off', memoryLimit: limit, spillDir: join(dir, 'spill') });
try {
  const df = readParquet(join(dir, 'data'));
  console.log(`data: ${(onDisk / MB).toFixed(0)} MB of Parquet, about ${((n * 16) / MB).toFixed(0)} MB in memory; memoryLimit ${limit / MB} MB`);
  const grouped = df.groupBy('k', { sort: true }).agg({ v: ['sum', 'mean'], w: 'max' });
  console.log(grouped.explain());
  const top = await grouped.compute();
  console.log(`groupBy: ${top.numRows} groups; first: ${JSON.stringify(top.get(0)?.toJSON())}`);

  let spills = 0;
  let peakHeld = 0;
  client.on('spill', () => spills++);
  client.on('memory', (e) => { peakHeld = Math.max(peakHeld, e.bytesHeld); });
  const hot = await df.filter(col('w').lt(80)).persist();
  console.log(`persisted ${await hot.count()} rows; ${spills} partitions went to disk while it was computed`);
  for (let round = 1; round <= 2; round++) {
    const sums = await hot.groupBy('w', { sort: true }).agg({ v: 'sum' }).compute();
    console.log(`round ${round}: ${sums.numRows} groups, bytes held ${(client.stats().bytesHeld / MB).toFixed(1)} MB`);
  }
  const { bytesSpilled, tasks } = client.stats();
  console.log(`spilled ${(bytesSpilled / MB).toFixed(0)} MB in all; at most ${(peakHeld / MB).toFixed(1)} MB held at once; tasks ${JSON.stringify(tasks)}`);
  await hot.unpersist();
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
