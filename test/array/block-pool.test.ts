/**
 * BlockPool on its own: size classes, reuse of returned buffers (counted), small requests left
 * unpooled, the idle bound (at most what the last two runs lent at once, at most maxIdleBytes), the idle
 * timer, forgotten buffers never lent again, and unbalanced endRun refused.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BlockPool, blockPoolFor, sizeClass } from '../../src/array/block-pool.js';
import { DuskError } from '../../src/index.js';

const MB = 1 << 20;

describe('BlockPool', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('size classes hold the request and waste at most a quarter', () => {
    for (const bytes of [0, 1, 4095, 4096, 4097, 5 * 4096, 127 * 1024, 128 * 1024, 129 * 1024, 4 * MB, 4 * MB + 1, 33 * MB - 3]) {
      const size = sizeClass(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 4096).toBe(0);
      if (bytes > 4 * 4096) expect(size).toBeLessThanOrEqual(bytes * 1.25 + 4096);
    }
    expect(sizeClass(4 * MB)).toBe(4 * MB);
    expect(sizeClass(4 * MB + 1)).toBe(5 * MB);
    expect(sizeClass(3 * 4096 + 1)).toBe(4 * 4096);
  });

  it('lends a returned buffer of the same class again, and counts what it made', () => {
    const pool = new BlockPool({ minBytes: 0 });
    pool.beginRun();
    const a = pool.acquire(MB);
    const b = pool.acquire(MB - 100);
    expect(a).not.toBe(b);
    pool.release(a);
    expect(pool.acquire(MB - 5)).toBe(a);
    pool.release(b);
    const c = pool.acquire(2 * MB);
    expect(c).not.toBe(b);
    expect(pool.stats).toMatchObject({ allocated: 3, reused: 1, lentBytes: 3 * MB, idleBuffers: 1 });
    pool.release(a);
    pool.release(c);
    expect(pool.stats.lentBytes).toBe(0);
    pool.endRun();
  });

  it('does not pool requests below minBytes', () => {
    const pool = new BlockPool({ minBytes: 64 * 1024 });
    pool.beginRun();
    const small = pool.acquire(1000);
    expect(small.byteLength).toBe(1000);
    expect(pool.pooled(small)).toBe(false);
    pool.release(small);
    expect(pool.stats).toMatchObject({ allocated: 1, reused: 0, idleBuffers: 0, lentBytes: 0 });
    pool.endRun();
  });

  it('keeps at most what its last two runs lent at once, and at most maxIdleBytes', () => {
    const pool = new BlockPool({ minBytes: 0, maxIdleBytes: 3 * MB });
    pool.beginRun();
    const lent = [0, 1, 2, 3].map(() => pool.acquire(MB));
    lent.forEach((b) => pool.release(b));
    expect(pool.stats.idleBytes).toBe(3 * MB);
    pool.endRun();
    expect(pool.stats.idleBytes).toBe(3 * MB);
    // Smaller graphs next: the pool keeps what the larger of the last two needed.
    for (const keep of [3 * MB, MB]) {
      pool.beginRun();
      const one = pool.acquire(MB);
      pool.release(one);
      expect(pool.stats.idleBytes).toBe(keep);
      pool.endRun();
      expect(pool.stats.idleBytes).toBe(keep);
    }
  });

  it('frees its idle buffers once no run has used it for idleMs', () => {
    vi.useFakeTimers();
    const pool = new BlockPool({ minBytes: 0, idleMs: 1000 });
    pool.beginRun();
    pool.release(pool.acquire(MB));
    pool.endRun();
    vi.advanceTimersByTime(900);
    pool.beginRun();
    pool.endRun();
    vi.advanceTimersByTime(900);
    expect(pool.stats.idleBuffers).toBe(1);
    vi.advanceTimersByTime(200);
    expect(pool.stats.idleBuffers).toBe(0);
    const zero = new BlockPool({ minBytes: 0, idleMs: 0 });
    zero.beginRun();
    zero.release(zero.acquire(MB));
    zero.endRun();
    expect(zero.stats.idleBuffers).toBe(0);
  });

  it('never lends a forgotten buffer again, and ignores buffers it did not lend', () => {
    const pool = new BlockPool({ minBytes: 0 });
    pool.beginRun();
    const a = pool.acquire(MB);
    expect(pool.forget(a)).toBe(true);
    pool.release(a);
    pool.release(new SharedArrayBuffer(MB));
    expect(pool.stats).toMatchObject({ idleBuffers: 0, lentBytes: 0 });
    expect(pool.acquire(MB)).not.toBe(a);
    pool.endRun();
  });

  it('refuses bad options and an endRun without a run', () => {
    expect(() => new BlockPool({ minBytes: -1 })).toThrow(DuskError);
    expect(() => new BlockPool({ idleMs: NaN })).toThrow(/idleMs/);
    expect(() => new BlockPool().endRun()).toThrow(/without a matching beginRun/);
  });

  it('is one pool per owner', () => {
    const owner = {};
    expect(blockPoolFor(owner)).toBe(blockPoolFor(owner));
    expect(blockPoolFor({})).not.toBe(blockPoolFor(owner));
  });
});
