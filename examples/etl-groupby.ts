/**
 * A small ETL pipeline: write a CSV of sales, read it back lazily, clean and enrich it, group
 * it, describe it, and write the result as Parquet partitioned by region.
 * Run: npm run build && node dist/examples/etl-groupby.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, col, readCsv, readParquet, when } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-etl-'));
const regions = ['north', 'south', 'east', 'west'];
const lines = ['order_id,region,status,quantity,price'];
for (let i = 0; i < 50_000; i++) {
  const status = i % 17 === 0 ? '' : i % 5 === 0 ? 'cancelled' : 'active';
  lines.push(`${i},${regions[i % 4]},${status},${1 + (i % 9)},${(5 + ((i * 7919) % 1000) / 10).toFixed(2)}`);
}
writeFileSync(join(dir, 'sales.csv'), `${lines.join('\n')}\n`);

const client = await Client.create({ workers: 2 });

const sales = readCsv(join(dir, 'sales.csv'), { blocksize: '256kB', dtypes: { region: 'dictionary' } })
  .filter(col('status').eq('active'))
  .assign({
    total: col('quantity').mul(col('price')),
    size: when(col('quantity').ge(5)).then('large').otherwise('small'),
  });

console.log(sales.groupBy('region', { sort: true }).sum('total').explain());
const byRegion = await sales.groupBy(['region', 'size'], { sort: true }).agg({ total: ['sum', 'mean'], order_id: 'count' }).compute();
console.table(byRegion.toArray().map((r) => r.toJSON()));
console.table((await sales.select('quantity', 'price', 'total').describe()).toArray().map((r) => r.toJSON()));

await sales.toParquet(join(dir, 'out'), { partitionOn: ['region'], compression: 'zstd' });
console.log('rows written:', await readParquet(join(dir, 'out')).count());

await client.close();
rmSync(dir, { recursive: true, force: true });
