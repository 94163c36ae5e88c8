/**
 * radixSortGpu against its CPU twin radixSort: the same words give the same permutation (a
 * stable sort's permutation is unique, so equal keys must keep their row order on the device
 * too). A 16 KiB binding cap makes tiles of WG * 4 rows and windows of a tile or two, so the
 * larger inputs run as many windows, each digit's scatter as every (input, output) window pair.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { radixSort } from '../../src/cpu/kernels/radix-sort.js';
import { sortKeyWords } from '../../src/cpu/kernels/sort-key-words.js';
import { radixGeometry, radixSortGpu } from '../../src/gpu/kernels/radix-sort.js';
import { makeVector } from '../util/columns.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const t = useClient({ maxBindingSize: 16384 });
const seed = testSeed();

/** Random keys: full-range words, or (ties) a few distinct values spread over every digit. */
function randomWords(rows: number, width: 1 | 2, r: Random, distinct = 0): Uint32Array {
  const pool = Array.from({ length: distinct }, () => r.int(0, 2 ** 32 - 1));
  const words = new Uint32Array(rows * width);
  for (let i = 0; i < words.length; i++) words[i] = distinct > 0 ? pool[r.int(0, distinct - 1)]! : r.int(0, 2 ** 32 - 1);
  return words;
}

/** First place where the two orders differ, or -1. */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function expectTwins(words: Uint32Array, width: 1 | 2, rows: number): Promise<void> {
  const gpu = await radixSortGpu(t.client.gpu!, words, width, rows, 'radix test');
  const cpu = radixSort(words, width, rows);
  expect(gpu.length).toBe(rows);
  expect(firstDifference(gpu, cpu)).toBe(-1);
  t.countGpuCheck();
}

describe('radixSortGpu', () => {
  it('a 16 KiB binding cap gives windows of whole tiles', () => {
    const gpu = t.client.gpu!;
    const wg = gpu.workgroupSize;
    const narrow = radixGeometry(gpu, 100_000, 1);
    expect(narrow.tileRows).toBe(4 * wg);
    expect(narrow.windowRows % narrow.tileRows).toBe(0);
    expect(narrow.windowRows * 2 * 4).toBeLessThanOrEqual(16384);
    expect(narrow.windows).toBe(Math.ceil(100_000 / narrow.windowRows));
    const wide = radixGeometry(gpu, 20_000, 2);
    expect(wide.windowRows * 3 * 4).toBeLessThanOrEqual(16384);
    expect(wide.windows).toBeGreaterThan(4);
  });

  for (const rows of [0, 1, 2, 127, 128, 129, 1000]) {
    for (const width of [1, 2] as const) {
      it(`${rows} random ${width * 32}-bit keys (seed ${seed})`, async () => {
        await expectTwins(randomWords(rows, width, new Random(seed + rows)), width, rows);
      });
    }
  }

  it(`1e5 32-bit keys with ties, many windows (seed ${seed})`, async () => {
    await expectTwins(randomWords(100_000, 1, new Random(seed), 3000), 1, 100_000);
  });

  it(`64-bit keys over many windows: distinct, tied high words, few values (seed ${seed})`, async () => {
    const r = new Random(seed + 1);
    const rows = 12_000;
    await expectTwins(randomWords(rows, 2, r), 2, rows);
    const tiedHigh = randomWords(rows, 2, r);
    for (let i = 1; i < tiedHigh.length; i += 2) tiedHigh[i] = tiedHigh[i]! % 3 === 0 ? 0xffffffff : 0x80000000;
    await expectTwins(tiedHigh, 2, rows);
    await expectTwins(randomWords(rows, 2, r, 5), 2, rows);
  });

  it('all-equal keys, and keys that differ in one digit only', async () => {
    await expectTwins(new Uint32Array(5000).fill(0xabcdef12), 1, 5000);
    await expectTwins(new Uint32Array(2 * 3000).fill(7), 2, 3000);
    const r = new Random(seed + 2);
    const oneDigit = Uint32Array.from({ length: 5000 }, () => 0x12000034 | (r.int(0, 15) << 20));
    await expectTwins(oneDigit, 1, 5000);
  });

  it('the sort keys of a float64 column with NaN, ±Infinity, -0 and nulls, both directions', async () => {
    const r = new Random(seed + 3);
    const special = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -Number.MAX_VALUE, null];
    const values = Array.from({ length: 3000 }, () => (r.next() < 0.4 ? special[r.int(0, special.length - 1)]! : (r.next() - 0.5) * 1e6));
    const table = new arrow.Table({ x: makeVector('float64', values, { chunks: [1000, 2000] }) });
    for (const descending of [false, true]) {
      const { words, width } = sortKeyWords(table.getChild('x')!, descending);
      await expectTwins(words, width, 3000);
    }
  });

  it('rejects too few words, and gives its buffers back', async () => {
    const gpu = t.client.gpu!;
    await expect(radixSortGpu(gpu, new Uint32Array(3), 2, 2)).rejects.toThrow(/need 4 words/);
    const before = gpu.pool.snapshot().bytesInUse;
    await radixSortGpu(gpu, randomWords(3000, 2, new Random(seed)), 2, 3000);
    expect(gpu.pool.snapshot().bytesInUse).toBe(before);
  });
});
