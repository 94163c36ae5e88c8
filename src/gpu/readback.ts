import { KernelError } from '../errors.js';

/**
 * What a `Readback` has read so far: bytes, reads, and milliseconds from each copy's submit to
 * the end of its map and host copy. Without timestamp queries the device cannot say when the
 * copy itself began, so `ms` includes waiting for work queued before each copy.
 */
export interface ReadbackStats {
  bytes: number;
  ms: number;
  reads: number;
}

/**
 * Reads device buffers back through one reused MAP_READ staging buffer, grown when a read needs
 * more. Reads are serialized (the staging buffer can be mapped by one read at a time); each
 * returns a fresh ArrayBuffer the caller owns. Counts what it read, for benchmarks (`stats()`).
 */
export class Readback {
  private staging: GPUBuffer | null = null;
  private stagingSize = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly counted: ReadbackStats = { bytes: 0, ms: 0, reads: 0 };

  constructor(private readonly device: GPUDevice) {}

  read(source: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const next = this.chain.then(() => this.readNow(source, offset, bytes));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async readNow(source: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    if (bytes === 0) return new ArrayBuffer(0);
    const staging = this.ensure(bytes);
    const encoder = this.device.createCommandEncoder({ label: 'dusk readback' });
    encoder.copyBufferToBuffer(source, offset, staging, 0, bytes);
    const t0 = performance.now();
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (cause) {
      throw new KernelError('READBACK_FAILED', `reading ${bytes} bytes back from the GPU failed`, { cause });
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    // Only reads that completed are counted, so a failed read leaves the totals as they were.
    this.counted.ms += performance.now() - t0;
    this.counted.bytes += bytes;
    this.counted.reads += 1;
    return out;
  }

  /**
   * Totals over this readback's life (a copy; zero-byte reads are not counted). Take the
   * difference of two calls to time one operation.
   * @example
   * const before = readback.stats();
   * await readback.read(buffer, 0, 1024);
   * const ms = readback.stats().ms - before.ms;
   */
  stats(): ReadbackStats {
    return { ...this.counted };
  }

  private ensure(bytes: number): GPUBuffer {
    if (this.staging === null || this.stagingSize < bytes) {
      this.staging?.destroy();
      this.stagingSize = Math.max(bytes, this.stagingSize * 2, 4096);
      this.staging = this.device.createBuffer({
        size: this.stagingSize,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        label: 'dusk staging',
      });
    }
    return this.staging;
  }

  destroy(): void {
    this.staging?.destroy();
    this.staging = null;
    this.stagingSize = 0;
  }
}
