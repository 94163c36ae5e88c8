/**
 * The GPU join over arrays larger than one storage binding: a 16 KiB binding cap splits the
 * keys into row windows, the hash table into sub-tables, the sort's histograms and the right
 * lists into windows, and the output into windows; the maps must still be the CPU twin's.
 */
import { describe, expect, it } from 'vitest';
import type { KeyWords } from '../../src/cpu/kernels/key-words.js';
import { KernelError } from '../../src/errors.js';
import { joinMapsGpu } from '../../src/gpu/kernels/join-maps.js';
import { JoinRun } from '../../src/gpu/kernels/join/join-run.js';
import { tableShape } from '../../src/gpu/kernels/join/build-table.js';
import { histWindowBlocks, sortDigits } from '../../src/gpu/kernels/join/right-lists.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { collidingPool, expectTwins, HOWS, keyPool, randomSides, sideFrom, uniqueSide } from './join-maps-cases.js';

const t = useClient({ maxBindingSize: 16384 });
const seed = testSeed();
const rnd = new Random(seed);

describe('GPU join over many binding windows', () => {
  it('the geometry really splits: several row windows, sub-tables and output windows', () => {
    const run = new JoinRun(t.client.gpu!, 3, 'windows');
    try {
      expect(Math.ceil(3000 / run.rowWindow)).toBeGreaterThan(2);
      expect(tableShape(run, 4096).subs).toBeGreaterThan(4);
      expect(Math.ceil(20_000 / run.spanWindow)).toBeGreaterThan(4);
      // 12000 right rows: a table of 32768 slots, sorted in 8-bit digits; their 47 blocks of
      // histograms take several windows, and the sorted lists three.
      const { bits } = sortDigits(run, 32768);
      expect(Math.ceil(12_000 / run.wg / histWindowBlocks(run, 2 ** bits))).toBeGreaterThan(2);
      expect(Math.ceil(12_000 / run.spanWindow)).toBeGreaterThan(2);
    } finally {
      run.release();
    }
  });

  for (const width of [1, 2, 3]) {
    it(`3000 x 2000 rows, ${width}-word keys, every kind (seed ${seed})`, async () => {
      const { left, right } = randomSides(rnd, 3000, 2000, width, 900);
      for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `windows w${width} ${how}`);
      t.countGpuCheck();
    });
  }

  it(`many-to-many output over many output windows, with skew (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 2500, 1800, 2, 60, { skew: 0.3 });
    for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `windows many-to-many ${how}`);
    t.countGpuCheck();
  });

  it(`a right side whose sort histograms and lists span several windows (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 5000, 12_000, 1, 3000, { nulls: 0.02 });
    for (const how of HOWS) {
      const run = await expectTwins(t.client.gpu!, left, right, how, `windows large right ${how}`);
      expect(run.sortedLists).toBe(how !== 'semi' && how !== 'anti');
    }
    t.countGpuCheck();
  });

  it(`right keys that never repeat, over many windows (seed ${seed})`, async () => {
    const pool = keyPool(rnd, 9000, 2);
    const left = sideFrom(rnd, pool, 7000);
    const right = uniqueSide(rnd, pool, 6000);
    for (const how of HOWS) {
      const run = await expectTwins(t.client.gpu!, left, right, how, `windows unique right ${how}`);
      expect(run.sortedLists).toBe(false);
    }
    t.countGpuCheck();
  });

  it(`a first table too small, and keys that share a hash (seed ${seed})`, async () => {
    const pool = [...collidingPool(rnd, 50, 2), ...keyPool(rnd, 1500, 2)];
    const left = sideFrom(rnd, pool, 4000);
    const right = sideFrom(rnd, pool.slice(0, 1200), 3000);
    for (const how of HOWS) {
      const run = await expectTwins(t.client.gpu!, left, right, how, `windows growth ${how}`, { capacity: 4 });
      expect(run.buildRounds).toBeGreaterThan(1);
    }
    t.countGpuCheck();
  });

  it(`sizes at the window edges (seed ${seed})`, async () => {
    const run = new JoinRun(t.client.gpu!, 1, 'edges');
    const w = run.rowWindow;
    run.release();
    for (const [l, r] of [[w - 1, w + 1], [w, w], [w + 1, 2 * w + 1]] as const) {
      const { left, right } = randomSides(rnd, l, r, 1, Math.floor(r / 3));
      for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `edges ${l}x${r} ${how}`);
    }
    t.countGpuCheck();
  });

  it('keys too wide for a window of rows in one binding are a KernelError that says so', async () => {
    // 17 words a row: 256 rows (the alignment in rows of the validity bytes) take 17 KiB.
    const side: KeyWords = { rows: 5, width: 17, words: new Uint32Array(5 * 17), valid: null };
    const error: unknown = await joinMapsGpu(t.client.gpu!, side, side, 'inner').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('JOIN_KEY_WIDTH');
  });
});
