/**
 * filterTable over many binding windows: a 4 KiB binding cap puts 512 rows in a window (the
 * 64-bit columns set it), so input and output span many windows, and an input window's survivors
 * land across the edge between two output windows. Results must match the CPU twin exactly.
 */
import { describe, expect, it } from 'vitest';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { expectFilterMatches, randomTable, type MaskShape } from './filter-cases.js';

const t = useClient({ maxBindingSize: 4096 });
const seed = testSeed();

describe('filterTable (GPU) over many binding windows', () => {
  const cases: [number, MaskShape][] = [
    [511, 'random'], [512, 'all'], [513, 'random'], [1000, 'random'],
    [3000, 'runs'], [4097, 'random'], [6000, 'all'], [6000, 'none'], [7000, 'sparse'],
  ];
  for (const [n, shape] of cases) {
    it(`${n} rows, mask ${shape} (seed ${seed})`, async () => {
      const run = await expectFilterMatches(t.client.gpu!, randomTable(n, shape, new Random(seed + n)));
      expect(run.inputWindows).toBe(Math.ceil(n / 512));
      expect(run.outputWindows).toBe(Math.max(1, Math.ceil(run.rows / 512)));
      t.countGpuCheck();
    });
  }

  it(`a filtered table of many windows filters again (seed ${seed})`, async () => {
    const run = await expectFilterMatches(t.client.gpu!, randomTable(5000, 'random', new Random(seed + 2)), true);
    expect(run.outputWindows).toBeGreaterThan(1);
    t.countGpuCheck();
  });
});
