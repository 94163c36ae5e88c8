import { MemoryLimitError } from '../errors.js';

/** A buffer on loan from the pool; give it back with `BufferPool.release`. */
export interface PooledBuffer {
  readonly buffer: GPUBuffer;
  /** Bytes the buffer really has (its size class), at least what was asked for. */
  readonly size: number;
  readonly usage: GPUBufferUsageFlags;
}

/** Byte accounting of a pool, for `client.info()`, tests and the memory manager. */
export interface PoolStats {
  /** Bytes in buffers currently lent out. */
  bytesInUse: number;
  /** Bytes in every buffer the pool holds, lent or free. */
  bytesAllocated: number;
  /** Buffers created over the pool's life, and loans served from the free lists. */
  created: number;
  reused: number;
}

const MIN_CLASS = 256;

/**
 * The size class of `bytes`: powers of two split into four steps (1, 1.25, 1.5, 1.75 × 2^k),
 * so a loan wastes at most a fifth of what it holds, rounded to 256 bytes.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  const step = pow / 4;
  const rounded = Math.ceil(bytes / step) * step;
  return Math.ceil(rounded / MIN_CLASS) * MIN_CLASS;
}

/**
 * Device buffers by (usage, size class), with the bytes in use and allocated counted. A loan
 * that would take the pool past `limit` first destroys free buffers, then fails with a
 * `MemoryLimitError`: device memory is never allocated beyond what the user allowed.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly stats: PoolStats = { bytesInUse: 0, bytesAllocated: 0, created: 0, reused: 0 };

  constructor(
    private readonly device: GPUDevice,
    readonly limit: number,
    private readonly maxBufferSize: number,
  ) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags, label = 'dusk'): PooledBuffer {
    if (bytes > this.maxBufferSize) {
      throw new MemoryLimitError(
        'GPU_BUFFER_TOO_LARGE',
        `${label}: a buffer of ${bytes} bytes is over the device's maxBufferSize of ${this.maxBufferSize}`,
      );
    }
    const size = Math.min(sizeClass(bytes), this.maxBufferSize);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    const reuse = list?.pop();
    if (reuse !== undefined) {
      this.stats.reused++;
      this.stats.bytesInUse += size;
      return { buffer: reuse, size, usage };
    }
    if (this.stats.bytesAllocated + size > this.limit) this.trim();
    if (this.stats.bytesAllocated + size > this.limit) {
      throw new MemoryLimitError(
        'GPU_MEMORY_LIMIT',
        `${label}: ${size} more device bytes would pass gpuMemoryLimit (${this.limit} bytes; ` +
          `${this.stats.bytesInUse} in use). Raise gpuMemoryLimit or use smaller partitions.`,
      );
    }
    const buffer = this.device.createBuffer({ size, usage, label });
    this.stats.created++;
    this.stats.bytesAllocated += size;
    this.stats.bytesInUse += size;
    return { buffer, size, usage };
  }

  release(loan: PooledBuffer): void {
    this.stats.bytesInUse -= loan.size;
    const key = `${loan.usage}:${loan.size}`;
    const list = this.free.get(key);
    if (list === undefined) this.free.set(key, [loan.buffer]);
    else list.push(loan.buffer);
  }

  /** Destroys every free buffer; lent ones are untouched. */
  trim(): void {
    for (const [key, list] of this.free) {
      const size = Number(key.slice(key.indexOf(':') + 1));
      for (const buffer of list) {
        buffer.destroy();
        this.stats.bytesAllocated -= size;
      }
    }
    this.free.clear();
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }
}
