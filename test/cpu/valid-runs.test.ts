import { describe, expect, it } from 'vitest';
import { forEachValidRun } from '../../src/cpu/kernels/valid-runs.js';
import { Random, testSeed } from '../util/random.js';

function runs(validity: Uint8Array | null, bitOffset: number, length: number): number[] {
  const rows: number[] = [];
  forEachValidRun(validity, bitOffset, length, (start, end) => {
    expect(end).toBeGreaterThan(start);
    for (let i = start; i < end; i++) rows.push(i);
  });
  return rows;
}

describe('forEachValidRun', () => {
  const seed = testSeed();
  it(`visits exactly the valid rows, as maximal runs (seed ${seed})`, () => {
    const rnd = new Random(seed);
    for (let trial = 0; trial < 200; trial++) {
      const length = rnd.int(0, 300);
      const bitOffset = rnd.int(0, 20);
      const density = [0, 0.1, 0.5, 0.9, 1][trial % 5]!;
      const bytes = new Uint8Array(Math.ceil((bitOffset + length) / 8) + 1);
      const want: number[] = [];
      for (let i = 0; i < length; i++) {
        if (rnd.next() < density) {
          const bit = bitOffset + i;
          bytes[bit >> 3]! |= 1 << (bit & 7);
          want.push(i);
        }
      }
      expect(runs(bytes, bitOffset, length)).toEqual(want);
    }
  });

  it('without a bitmap the whole range is one run; an empty range none', () => {
    let calls = 0;
    forEachValidRun(null, 0, 10, (s, e) => {
      calls++;
      expect([s, e]).toEqual([0, 10]);
    });
    forEachValidRun(null, 0, 0, () => calls++);
    expect(calls).toBe(1);
  });
});
