/**
 * The GPU hash join against its CPU twin: `joinMapsGpu` must give exactly the gather maps
 * `joinMaps` gives — the same pairs in the same order — for every join kind, on keys of one,
 * two and three words with duplicates, skew, nulls, empty sides, sizes around the workgroup,
 * keys that share a hash, and a first hash table too small for the keys. One small case is
 * also checked against maps written out by hand, so that both twins are held to the contract.
 */
import { describe, expect, it } from 'vitest';
import type { JoinHow, KeyWords } from '../../src/cpu/kernels/key-words.js';
import { joinMaps } from '../../src/cpu/kernels/join-maps.js';
import { DuskError, MemoryLimitError, PlanError } from '../../src/errors.js';
import { joinMapsGpu } from '../../src/gpu/kernels/join-maps.js';
import { joinHash } from '../../src/gpu/kernels/join/join-hash.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { collidingPool, expectTwins, HOWS, keyPool, randomSides, sideFrom, uniqueSide } from './join-maps-cases.js';

const t = useClient();
const seed = testSeed();
const rnd = new Random(seed);

/** One-word keys; null for a null key. */
function keys(values: readonly (number | null)[]): KeyWords {
  const words = Uint32Array.from(values, (v) => v ?? 0);
  const valid = values.some((v) => v === null) ? Uint8Array.from(values, (v) => (v === null ? 0 : 1)) : null;
  return { rows: values.length, width: 1, words, valid };
}

describe('joinMapsGpu: the contract, written out', () => {
  const left = keys([1, 2, null, 2, 3]);
  const right = keys([2, 4, 2, null, 1]);
  const inner = [[0, 4], [1, 0], [1, 2], [3, 0], [3, 2]];
  const leftJoin = [[0, 4], [1, 0], [1, 2], [2, -1], [3, 0], [3, 2], [4, -1]];
  const tail = [[-1, 1], [-1, 3]];
  const expected: Record<JoinHow, number[][]> = {
    inner,
    left: leftJoin,
    right: [...inner, ...tail],
    outer: [...leftJoin, ...tail],
    semi: [[0, -1], [1, -1], [3, -1]],
    anti: [[2, -1], [4, -1]],
  };
  for (const how of HOWS) {
    it(how, async () => {
      const maps = await joinMapsGpu(t.client.gpu!, left, right, how);
      expect(Array.from(maps.left, (l, i) => [l, maps.right[i]!])).toEqual(expected[how]);
      await expectTwins(t.client.gpu!, left, right, how, `written-out ${how}`);
      t.countGpuCheck();
    });
  }
});

describe('joinMapsGpu matches joinMaps', () => {
  const sizes: [number, number][] = [[0, 0], [0, 7], [7, 0], [1, 1], [127, 129], [128, 128], [129, 127], [1000, 300]];
  for (const width of [1, 2, 3]) {
    for (const [l, r] of sizes) {
      it(`${l} x ${r} rows, ${width}-word keys, every kind (seed ${seed})`, async () => {
        const { left, right } = randomSides(rnd, l, r, width, Math.max(1, Math.floor(Math.max(l, r) / 4)));
        for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `${l}x${r} w${width} ${how}`);
        t.countGpuCheck();
      });
    }
  }

  it(`one row each, matching and not (seed ${seed})`, async () => {
    const [a, b] = keyPool(rnd, 2, 2);
    const one = (key: Uint32Array): KeyWords => ({ rows: 1, width: 2, words: key, valid: null });
    for (const how of HOWS) {
      await expectTwins(t.client.gpu!, one(a!), one(a!), how, `1x1 match ${how}`);
      await expectTwins(t.client.gpu!, one(a!), one(b!), how, `1x1 no match ${how}`);
    }
    t.countGpuCheck();
  });

  for (const width of [1, 2]) {
    it(`right keys that never repeat (a lookup table), ${width}-word keys (seed ${seed})`, async () => {
      const pool = keyPool(rnd, 1500, width);
      const left = sideFrom(rnd, pool, 2500);
      for (const nulls of [0, 0.1]) {
        const right = uniqueSide(rnd, pool, 1000, nulls);
        for (const how of HOWS) {
          const run = await expectTwins(t.client.gpu!, left, right, how, `unique right w${width} nulls ${nulls} ${how}`);
          expect(run.sortedLists).toBe(false);
        }
      }
      t.countGpuCheck();
    });
  }

  it(`many duplicates: many-to-many over three keys (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 700, 500, 2, 3, { nulls: 0.05 });
    for (const how of HOWS) {
      const run = await expectTwins(t.client.gpu!, left, right, how, `duplicates ${how}`);
      expect(run.sortedLists).toBe(how !== 'semi' && how !== 'anti');
    }
    t.countGpuCheck();
  });

  it(`skew: one key holds half of each side (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 3000, 2000, 1, 400, { skew: 0.5 });
    for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `skew ${how}`);
    t.countGpuCheck();
  });

  it(`every key null on one side, then on both (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 300, 200, 1, 50);
    const allNull = (side: KeyWords): KeyWords => ({ ...side, valid: new Uint8Array(side.rows) });
    for (const how of HOWS) {
      await expectTwins(t.client.gpu!, allNull(left), right, how, `null left ${how}`);
      await expectTwins(t.client.gpu!, left, allNull(right), how, `null right ${how}`);
      await expectTwins(t.client.gpu!, allNull(left), allNull(right), how, `null both ${how}`);
    }
    t.countGpuCheck();
  });

  it(`no key in common (seed ${seed})`, async () => {
    const pool = keyPool(rnd, 400, 2);
    const left = sideFrom(rnd, pool.slice(0, 200), 600);
    const right = sideFrom(rnd, pool.slice(200), 500);
    for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `disjoint ${how}`);
    t.countGpuCheck();
  });

  for (const width of [2, 3]) {
    it(`${width}-word keys that all share one hash (seed ${seed})`, async () => {
      const pool = collidingPool(rnd, 60, width);
      expect(new Set(pool.map((k) => joinHash(k))).size).toBe(1);
      const left = sideFrom(rnd, [...pool, ...keyPool(rnd, 20, width)], 900);
      const right = sideFrom(rnd, pool.slice(0, 40), 400);
      for (const how of HOWS) await expectTwins(t.client.gpu!, left, right, how, `collisions w${width} ${how}`);
      t.countGpuCheck();
    });
  }

  it(`a first table far too small grows until the keys fit (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 2000, 1500, 2, 700);
    for (const how of ['inner', 'outer'] as const) {
      const run = await expectTwins(t.client.gpu!, left, right, how, `growth ${how}`, { capacity: 1 });
      expect(run.buildRounds).toBeGreaterThan(2);
    }
    t.countGpuCheck();
  });

  it(`keys of no words: every non-null row matches every other (seed ${seed})`, async () => {
    const side = (rows: number): KeyWords => ({ rows, width: 0, words: new Uint32Array(0), valid: Uint8Array.from({ length: rows }, () => (rnd.next() < 0.2 ? 0 : 1)) });
    for (const how of HOWS) await expectTwins(t.client.gpu!, side(40), side(30), how, `no words ${how}`);
    t.countGpuCheck();
  });

  it(`1e5 x 1e4 rows (seed ${seed})`, async () => {
    const { left, right } = randomSides(rnd, 100_000, 10_000, 2, 8000);
    for (const how of ['inner', 'outer', 'anti'] as const) await expectTwins(t.client.gpu!, left, right, how, `1e5x1e4 ${how}`);
    t.countGpuCheck();
  });

  it(`a right key repeated 30000 times: the output total is checked on the device, and fits (seed ${seed})`, async () => {
    const pool = keyPool(rnd, 2000, 1);
    const right = sideFrom(rnd, pool, 40_000, { skew: 0.75, nulls: 0 });
    // Only five left rows hold the repeated key: the bound (left rows x the most repeats)
    // passes 2^31, the output does not.
    const left = sideFrom(rnd, pool.slice(1), 80_000, { nulls: 0.01 });
    for (let k = 0; k < 5; k++) left.words[rnd.int(0, left.rows - 1)] = pool[0]![0]!;
    for (const how of ['inner', 'outer'] as const) await expectTwins(t.client.gpu!, left, right, how, `checked total ${how}`);
    t.countGpuCheck();
  });

  for (const n of [46_341, 70_000]) {
    it(`${n} x ${n} rows of one key: ${n * n} output rows is a MemoryLimitError on both twins`, async () => {
      const side: KeyWords = { rows: n, width: 1, words: new Uint32Array(n).fill(7), valid: null };
      expect(() => joinMaps(side, side, 'inner')).toThrow(MemoryLimitError);
      const inUse = t.client.gpu!.pool.snapshot().bytesInUse;
      const error: unknown = await joinMapsGpu(t.client.gpu!, side, side, 'inner').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryLimitError);
      expect((error as MemoryLimitError).code).toBe('JOIN_TOO_LARGE');
      expect(t.client.gpu!.pool.snapshot().bytesInUse).toBe(inUse);
      t.countGpuCheck();
    });
  }

  it('keys of different widths are a PlanError, too few words a LENGTH_MISMATCH', async () => {
    const one = keys([1, 2]);
    const two: KeyWords = { rows: 2, width: 2, words: new Uint32Array(4), valid: null };
    await expect(joinMapsGpu(t.client.gpu!, one, two, 'inner')).rejects.toBeInstanceOf(PlanError);
    const short: KeyWords = { rows: 3, width: 2, words: new Uint32Array(5), valid: null };
    await expect(joinMapsGpu(t.client.gpu!, short, short, 'inner')).rejects.toMatchObject({ code: 'LENGTH_MISMATCH' });
    await expect(joinMapsGpu(t.client.gpu!, short, short, 'inner')).rejects.toBeInstanceOf(DuskError);
  });
});
