/**
 * The shuffle layer on a small customer ETL: new sign-ups are deduplicated on email (the latest
 * row wins), enriched from a small region table (a broadcast join), split into customers we
 * already know and new ones (semi and anti joins on email), and the merged list is written
 * sorted by region and signup date. explain() shows how each join runs.
 * Run: npm run build && node dist/examples/customers-merge.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, fromArrays, readParquet } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-customers-'));
const client = await Client.create({ workers: 2, gpu: 'off' });
try {
  const n = 50_000;
  const email = (i: number): string => `user${(i * 7919) % 30_000}@example.com`;
  // New sign-ups: some emails sign up several times; the last row is the current one.
  await fromArrays({
    email: Array.from({ length: n }, (_, i) => email(i)),
    name: Array.from({ length: n }, (_, i) => `Name ${i}`),
    region_id: Int32Array.from({ length: n }, (_, i) => i % 12),
    signup_day: Int32Array.from({ length: n }, (_, i) => 19_000 + (i % 365)),
  }, { npartitions: 4 }).toParquet(join(dir, 'signups'));
  // Customers already on file.
  await fromArrays({ email: Array.from({ length: 20_000 }, (_, i) => `user${i}@example.com`), since: Int32Array.from({ length: 20_000 }, (_, i) => 18_000 + (i % 900)) }, { npartitions: 2 })
    .toParquet(join(dir, 'customers'));
  const regions = fromArrays({ region_id: Int32Array.from({ length: 12 }, (_, i) => i), region: Array.from({ length: 12 }, (_, i) => ['north', 'south', 'east', 'west'][i % 4]!) });

  const signups = readParquet(join(dir, 'signups'))
    .dropDuplicates({ subset: ['email'], keep: 'last' })
    .merge(regions, { on: 'region_id', how: 'left' });
  const customers = readParquet(join(dir, 'customers'));

  const known = signups.merge(customers, { on: 'email', how: 'semi' });
  const fresh = signups.merge(customers, { on: 'email', how: 'anti' });
  console.log(fresh.explain());
  console.log(`distinct sign-ups: ${await signups.count()}, already customers: ${await known.count()}, new: ${await fresh.count()}`);

  await fresh.sortValues(['region', 'signup_day'], { ascending: [true, false] }).toParquet(join(dir, 'new-customers'));
  const head = await readParquet(join(dir, 'new-customers')).head(5);
  console.log(head.toArray().map((r) => JSON.stringify(r)).join('\n'));
  console.log(client.stats().tasks);
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
