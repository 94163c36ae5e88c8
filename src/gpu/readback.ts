import { KernelError } from '../errors.js';

/**
 * Reads device buffers back through one reused MAP_READ staging buffer, grown when a read needs
 * more. Reads are serialized (the staging buffer can be mapped by one read at a time); each
 * returns a fresh ArrayBuffer the caller owns.
 */
export class Readback {
  private staging: GPUBuffer | null = null;
  private stagingSize = 0;
  private chain: Promise<unknown> = Promise.resolve();

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
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (cause) {
      throw new KernelError('READBACK_FAILED', `reading ${bytes} bytes back from the GPU failed`, { cause });
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    return out;
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
