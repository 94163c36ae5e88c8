/**
 * Reduce a column on the GPU and on the CPU workers and compare.
 * Run it with: npm run build && node dist/examples/reduce-column.js
 */
import * as arrow from 'apache-arrow';
import { Client } from '../src/index.js';

const n = 5_000_000;
const prices = new Float64Array(n);
for (let i = 0; i < n; i++) prices[i] = 10 + ((i * 7919) % 10007) / 100;
const column = arrow.makeVector(prices);

const client = await Client.create({ gpu: 'auto', workers: 2 });
const gpu = client.info().gpu;
console.log(`GPU: ${gpu ? `${gpu.name} via ${gpu.backendName}` : 'none'}`);

for (const device of gpu ? (['gpu', 'cpu'] as const) : (['cpu'] as const)) {
  const started = performance.now();
  const { values } = await client.reduce(column, ['count', 'sum', 'mean', 'std', 'min', 'max'], { column: 'price', device });
  console.log(device, `${(performance.now() - started).toFixed(0)} ms`, values);
}
await client.close();
