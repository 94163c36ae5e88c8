/**
 * The GPU group-by over tables larger than one storage binding: a 4 KiB binding cap puts
 * every table here in many row windows (512 rows of 8 bytes), so groups, first rows, the mask
 * and first/last span windows; the answer must still be the CPU twin's.
 */
import { describe, expect, it } from 'vitest';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { ALL_AGGS, expectTwins, randomTable, tableOf } from './group-by-cases.js';

const t = useClient({ maxBindingSize: 4096 });
const seed = testSeed();
const rnd = new Random(seed);

describe('GPU group-by over many binding windows', () => {
  it('the tables really span several windows', () => {
    const resident = uploadTable(t.client.gpu!, tableOf(randomTable(rnd, 3000)), undefined, 'windows');
    try {
      expect(resident.column('k64').windows.length).toBeGreaterThan(4);
    } finally {
      resident.release();
    }
  });

  for (const n of [513, 4099]) {
    it(`${n} rows, three key columns, every aggregate (seed ${seed})`, async () => {
      const cols = randomTable(rnd, n, { groups: 5 });
      await expectTwins(t.client.gpu!, cols, ['k32', 'kd', 'k64'], ALL_AGGS, `windows n=${n}`);
      await expectTwins(t.client.gpu!, cols, ['k32'], ALL_AGGS, `windows n=${n}, one key`);
      t.countGpuCheck();
    });
  }

  it(`a mask, a tiny first table and NaN across windows (seed ${seed})`, async () => {
    const cols = randomTable(rnd, 5000, { groups: 300, specials: true });
    const r = await expectTwins(t.client.gpu!, cols, ['kd', 'k32'], ALL_AGGS, 'windows, mask', { mask: 'm', capacity: 8 });
    expect(r.hashRuns).toBeGreaterThan(2);
    t.countGpuCheck();
  });
});
