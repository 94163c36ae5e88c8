/**
 * narrowHashes: each row's hash is narrowHash of its words, equal keys hash alike whatever the
 * row, the distinct-key estimate lands within a few percent (from one key to hundreds of
 * thousands, keys repeated or not), null rows count neither in the estimate nor in the counts
 * per top bits, and those counts add up to the valid rows.
 */
import { describe, expect, it } from 'vitest';
import { narrowHash, narrowHashes, TOP_BITS } from '../../src/cpu/kernels/narrow-hashes.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const rnd = new Random(seed);

describe(`narrowHashes (seed ${seed})`, () => {
  it('hashes every row by its words', () => {
    for (const width of [1, 2, 3]) {
      const rows = 257;
      const words = Uint32Array.from({ length: rows * width }, () => rnd.int(0, 0xffffffff));
      const { hashes } = narrowHashes(words, width, rows, null);
      for (let r = 0; r < rows; r++) {
        const w = [...words.subarray(r * width, (r + 1) * width), 0, 0];
        expect(hashes[r], `width ${width}, row ${r}`).toBe(narrowHash(w[0]! | 0, w[1]! | 0, w[2]! | 0));
      }
    }
  });

  it('estimates the distinct keys within a few percent', () => {
    for (const [distinct, rows] of [[1, 1000], [10, 50_000], [5000, 5000], [40_000, 200_000], [300_000, 300_000]] as const) {
      const width = 2;
      const words = new Uint32Array(rows * width);
      // Keys 0..distinct-1 (each at least once), as int64 words (low word, high word 0).
      for (let r = 0; r < rows; r++) words[r * width] = r < distinct ? r * 2654435761 : rnd.int(0, distinct - 1) * 2654435761;
      const { estimate } = narrowHashes(words, width, rows, null);
      expect(Math.abs(estimate - distinct), `${distinct} keys in ${rows} rows: estimate ${estimate}`).toBeLessThanOrEqual(Math.max(1, 0.06 * distinct));
    }
  });

  it('leaves null rows out of the estimate and the counts, which add up to the valid rows', () => {
    const rows = 20_000;
    const words = Uint32Array.from({ length: rows }, (_, r) => r);
    const valid = Uint8Array.from({ length: rows }, () => (rnd.next() < 0.3 ? 0 : 1));
    const validRows = valid.reduce((a, b) => a + b, 0);
    const { estimate, top, hashes } = narrowHashes(words, 1, rows, valid);
    expect(top.length).toBe(1 << TOP_BITS);
    expect(top.reduce((a, b) => a + b, 0)).toBe(validRows);
    expect(Math.abs(estimate - validRows) / validRows).toBeLessThan(0.06);
    const counted = new Int32Array(1 << TOP_BITS);
    for (let r = 0; r < rows; r++) if (valid[r] === 1) counted[hashes[r]! >>> (32 - TOP_BITS)]++;
    expect([...top]).toEqual([...counted]);
    expect(narrowHashes(new Uint32Array(0), 2, 0, null).estimate).toBe(0);
  });
});
