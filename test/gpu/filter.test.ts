/**
 * filterTable on the GPU against its CPU twin (cpu/kernels/filter-table) on the same random
 * tables: every device layout (64-bit words, widened narrow ints, bool, dictionary codes) with
 * nulls, NaN, ±Infinity, -0 and 64-bit extremes, masks with nulls, sizes at and around the
 * workgroup and block sizes. One binding window here; filter-windows.test.ts forces many.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { filterTable, maskCount } from '../../src/gpu/kernels/filter.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { expectFilterMatches, randomTable, type MaskShape } from './filter-cases.js';

const t = useClient();
const seed = testSeed();

describe('filterTable (GPU) matches the CPU twin', () => {
  const cases: [number, MaskShape][] = [
    [0, 'random'], [1, 'all'], [1, 'none'], [1, 'random'], [2, 'random'],
    [127, 'random'], [128, 'random'], [129, 'random'], [255, 'sparse'], [256, 'runs'], [257, 'random'],
    [1000, 'random'], [1000, 'all'], [1000, 'none'], [1023, 'runs'], [1024, 'random'], [1025, 'sparse'],
    [5000, 'runs'], [20_000, 'random'],
  ];
  for (const [n, shape] of cases) {
    it(`${n} rows, mask ${shape} (seed ${seed})`, async () => {
      const table = randomTable(n, shape, new Random(seed + n));
      const run = await expectFilterMatches(t.client.gpu!, table);
      if (shape === 'all') expect(run.rows).toBe(n);
      if (shape === 'none') expect(run.rows).toBe(0);
      t.countGpuCheck();
    });
  }

  it(`a filtered table filters again, by a bool column with nulls (seed ${seed})`, async () => {
    await expectFilterMatches(t.client.gpu!, randomTable(3000, 'random', new Random(seed + 1)), true);
    t.countGpuCheck();
  });

  it(`maskCount counts the true, non-null mask rows (seed ${seed})`, async () => {
    const gpu = t.client.gpu!;
    for (const [n, shape] of [[0, 'random'], [1, 'all'], [3001, 'runs'], [4096, 'random']] as const) {
      const table = randomTable(n, shape, new Random(seed + n));
      const resident = uploadTable(gpu, table, ['keep'], 'mask count test');
      try {
        const want = (table.getChild('keep')!.toArray() as (boolean | null)[]).filter((v) => v === true).length;
        expect(await maskCount(gpu, resident.column('keep'))).toBe(want);
      } finally {
        resident.release();
      }
    }
    t.countGpuCheck();
  });

  it('refuses a mask that is not bool, or not in the table\'s windows, naming it', async () => {
    const gpu = t.client.gpu!;
    const table = randomTable(100, 'random', new Random(seed));
    const resident = uploadTable(gpu, table, undefined, 'q7');
    const other = uploadTable(gpu, randomTable(99, 'random', new Random(seed)), ['keep'], 'q7');
    try {
      await expect(filterTable(gpu, resident, resident.column('i32'), 'q7')).rejects.toMatchObject({
        name: 'PlanError', code: 'TYPE_MISMATCH', message: expect.stringMatching(/q7: the filter mask 'i32' must be bool/) as unknown,
      });
      await expect(filterTable(gpu, resident, other.column('keep'), 'q7')).rejects.toMatchObject({
        name: 'DuskError', code: 'LENGTH_MISMATCH', message: expect.stringMatching(/q7: column 'keep'/) as unknown,
      });
    } finally {
      other.release();
      resident.release();
    }
  });

  it('a table whose only column is the mask keeps its true rows', async () => {
    const gpu = t.client.gpu!;
    const keep = arrow.vectorFromArray([true, null, false, true, true], new arrow.Bool());
    const resident = uploadTable(gpu, new arrow.Table({ keep }), undefined, 'only mask');
    try {
      const out = await filterTable(gpu, resident, resident.column('keep'));
      expect(out.rows).toBe(3);
      out.release();
    } finally {
      resident.release();
    }
    t.countGpuCheck();
  });
});
