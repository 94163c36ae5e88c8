/** The default block size and the reads in flight, as they follow the memory limit and the workers. */
import { describe, expect, it } from 'vitest';
import { autoBlocksize, DEFAULT_BLOCKSIZE, MIN_DEFAULT_BLOCKSIZE, readsInFlight, scanBlocksize } from '../../src/sched/blocksize.js';

const MB = 2 ** 20;

describe('autoBlocksize', () => {
  it('is 128 MB without a client or a limit, and under a generous limit', () => {
    expect(autoBlocksize(null)).toBe(DEFAULT_BLOCKSIZE);
    expect(autoBlocksize({ memoryLimit: Infinity, workers: 2 })).toBe(DEFAULT_BLOCKSIZE);
    expect(autoBlocksize({ memoryLimit: 12 * 1024 * MB, workers: 2 })).toBe(DEFAULT_BLOCKSIZE);
  });

  it('is an eighth of the limit per worker under a tight one', () => {
    expect(autoBlocksize({ memoryLimit: 256 * MB, workers: 2 })).toBe(16 * MB);
    expect(autoBlocksize({ memoryLimit: 256 * MB, workers: 4 })).toBe(8 * MB);
    expect(autoBlocksize({ memoryLimit: 256 * MB, workers: 0 })).toBe(32 * MB);
  });

  it('never goes under 4 MiB', () => {
    expect(autoBlocksize({ memoryLimit: 1, workers: 16 })).toBe(MIN_DEFAULT_BLOCKSIZE);
  });

  it('gives way to a size the user gave', () => {
    expect(scanBlocksize(1000, { memoryLimit: 256 * MB, workers: 2 })).toBe(1000);
    expect(scanBlocksize(null, { memoryLimit: 256 * MB, workers: 2 })).toBe(16 * MB);
  });
});

describe('readsInFlight', () => {
  it('keeps every worker busy with default blocks', () => {
    for (const limit of [64 * MB, 256 * MB, 8192 * MB]) {
      for (const workers of [1, 2, 8]) {
        const budget = { memoryLimit: limit, workers };
        const size = autoBlocksize(budget);
        if (size > MIN_DEFAULT_BLOCKSIZE && size < DEFAULT_BLOCKSIZE) expect(readsInFlight(budget, size)).toBe(2 * workers);
      }
    }
    expect(readsInFlight(null, DEFAULT_BLOCKSIZE)).toBe(2);
    expect(readsInFlight({ memoryLimit: Infinity, workers: 3 }, DEFAULT_BLOCKSIZE)).toBe(6);
  });

  it('reads fewer blocks at once when the user made them large for the limit, never none', () => {
    expect(readsInFlight({ memoryLimit: 256 * MB, workers: 2 }, 128e6)).toBe(1);
    expect(readsInFlight({ memoryLimit: 1024 * MB, workers: 4 }, 64 * MB)).toBe(4);
    expect(readsInFlight({ memoryLimit: 1, workers: 2 }, 4 * MB)).toBe(1);
  });
});
