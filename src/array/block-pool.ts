/**
 * `BlockPool`: shared memory for array blocks, kept between tasks and between computations so
 * that workers write into pages the process has touched before. A fresh SharedArrayBuffer is
 * mapped page by page on first write, and on some machines that costs more than the kernel that
 * fills it (about 3 ms per MB on the 2-CPU VMs, where an elementwise pass is about 0.1 ms per
 * MB), so a block whose last reader is done goes back here instead of to the garbage collector.
 *
 * Buffers come in size classes (a power of two times 1, 1.25, 1.5 or 1.75, so at most a quarter
 * is wasted) and a request takes the most recently returned buffer of its class. The pool never
 * holds more idle bytes than the most that either of the last two runs had lent at once (the
 * working set the next similar graph needs; two, so that alternating graphs stay warm), nor more
 * than `maxIdleBytes`, and it frees everything once no run has used it for `idleMs`. Small blocks are not pooled: below `minBytes` a fresh buffer costs
 * little. The pool only lends; what may read a buffer and when it is safe to return it is the
 * caller's business (`RunMemory`).
 */
import { totalmem } from 'node:os';
import { DuskError } from '../errors.js';

export interface BlockPoolOptions {
  /** Requests below this many bytes get a buffer of their own (default 64 KiB). */
  minBytes?: number;
  /** Idle bytes kept at most, whatever the runs lent (default a quarter of the machine's memory). */
  maxIdleBytes?: number;
  /** Milliseconds without a run after which every idle buffer is freed (default 10 s). */
  idleMs?: number;
}

/** What the pool has done, for tests and the benchmark notes. */
export interface BlockPoolStats {
  /** Buffers made (requests the idle buffers could not serve, small ones included). */
  allocated: number;
  /** Requests served with a returned buffer. */
  reused: number;
  /** Bytes lent and not yet returned or forgotten. */
  lentBytes: number;
  idleBytes: number;
  idleBuffers: number;
}

/**
 * The size class of a request: the smallest 2^k × {1, 1.25, 1.5, 1.75} (in 4 KiB pages) that
 * holds it.
 */
export function sizeClass(bytes: number): number {
  const PAGE = 4096;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  if (pages <= 4) return pages * PAGE;
  const top = 2 ** Math.floor(Math.log2(pages));
  const quarter = top / 4;
  return Math.ceil(pages / quarter) * quarter * PAGE;
}

export class BlockPool {
  readonly minBytes: number;
  readonly maxIdleBytes: number;
  readonly idleMs: number;
  /** Idle buffers, oldest returned first. */
  private idle: SharedArrayBuffer[] = [];
  private idleBytes = 0;
  private readonly lent = new Set<SharedArrayBuffer>();
  private lentBytes = 0;
  private active = 0;
  /** The most bytes lent at once since runs became active, and in the active window before. */
  private peak = 0;
  private lastPeak = 0;
  private timer: NodeJS.Timeout | null = null;
  private counts = { allocated: 0, reused: 0 };

  constructor(options: BlockPoolOptions = {}) {
    this.minBytes = options.minBytes ?? 64 * 1024;
    this.maxIdleBytes = options.maxIdleBytes ?? Math.floor(totalmem() / 4);
    this.idleMs = options.idleMs ?? 10_000;
    for (const [name, v] of [['minBytes', this.minBytes], ['maxIdleBytes', this.maxIdleBytes], ['idleMs', this.idleMs]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new DuskError('BAD_OPTION', `BlockPool: ${name} must be a non-negative number, not ${v}`);
    }
  }

  /**
   * A run starts using the pool: the idle timer stops until the last run ends.
   *
   * @example
   * pool.beginRun(); try { … } finally { pool.endRun(); }
   */
  beginRun(): void {
    if (this.active++ === 0) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.peak = this.lentBytes;
    }
  }

  /**
   * A run is done: once none is left, the idle bytes are cut to what this or the previous
   * window of runs lent at most, and all of them are freed after `idleMs` unless another run
   * starts.
   *
   * @example
   * pool.endRun();
   */
  endRun(): void {
    if (this.active === 0) throw new DuskError('POOL_STATE', 'BlockPool: endRun without a matching beginRun');
    if (--this.active > 0) return;
    this.trim(Math.min(this.maxIdleBytes, Math.max(this.peak, this.lastPeak)));
    this.lastPeak = this.peak;
    if (this.idleMs === 0) this.clear();
    else if (this.idle.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.lastPeak = 0;
        this.clear();
      }, this.idleMs);
      this.timer.unref();
    }
  }

  /**
   * A buffer of at least `bytes`: an idle one of its size class when there is one, else a new
   * one. Pooled (see `pooled`) unless it is below `minBytes`.
   *
   * @example
   * const buffer = pool.acquire(4 << 20);
   * const data = new Float32Array(buffer, 0, 1 << 20);
   */
  acquire(bytes: number): SharedArrayBuffer {
    if (bytes < this.minBytes) {
      this.counts.allocated++;
      return new SharedArrayBuffer(bytes);
    }
    const size = sizeClass(bytes);
    let buffer: SharedArrayBuffer | undefined;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (this.idle[i]!.byteLength === size) {
        buffer = this.idle.splice(i, 1)[0]!;
        this.idleBytes -= size;
        break;
      }
    }
    if (buffer === undefined) {
      buffer = new SharedArrayBuffer(size);
      this.counts.allocated++;
    } else this.counts.reused++;
    this.lent.add(buffer);
    this.lentBytes += size;
    if (this.lentBytes > this.peak) this.peak = this.lentBytes;
    return buffer;
  }

  /** Whether `buffer` is on loan from this pool (small buffers never are). */
  pooled(buffer: SharedArrayBuffer): boolean {
    return this.lent.has(buffer);
  }

  /**
   * Takes back a lent buffer that nothing reads any more; it may be lent again at once.
   *
   * @example
   * pool.release(buffer);
   */
  release(buffer: SharedArrayBuffer): void {
    if (!this.forget(buffer)) return;
    this.idle.push(buffer);
    this.idleBytes += buffer.byteLength;
    this.trim(Math.min(this.maxIdleBytes, Math.max(this.peak, this.lastPeak)));
  }

  /**
   * Stops tracking a lent buffer without taking it back (something may still write to it, as a
   * worker abandoned mid-task can); the garbage collector frees it. Returns whether it was lent.
   *
   * @example
   * pool.forget(buffer);
   */
  forget(buffer: SharedArrayBuffer): boolean {
    if (!this.lent.delete(buffer)) return false;
    this.lentBytes -= buffer.byteLength;
    return true;
  }

  /** Frees every idle buffer. */
  clear(): void {
    this.trim(0);
  }

  get stats(): BlockPoolStats {
    return { ...this.counts, lentBytes: this.lentBytes, idleBytes: this.idleBytes, idleBuffers: this.idle.length };
  }

  /** Frees the oldest idle buffers until at most `keep` idle bytes are left. */
  private trim(keep: number): void {
    let drop = 0;
    while (drop < this.idle.length && this.idleBytes > keep) this.idleBytes -= this.idle[drop++]!.byteLength;
    if (drop > 0) this.idle = this.idle.slice(drop);
  }
}

const pools = new WeakMap<object, BlockPool>();

/**
 * The block pool of `owner` (a client's worker pool: one per client, freed with it).
 *
 * @example
 * const pool = blockPoolFor(ctx.pool);
 */
export function blockPoolFor(owner: object): BlockPool {
  let pool = pools.get(owner);
  if (pool === undefined) pools.set(owner, (pool = new BlockPool()));
  return pool;
}
