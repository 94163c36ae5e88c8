import { KernelError } from '../errors.js';
import { BufferPool } from './buffer-pool.js';
import { PipelineCache } from './pipeline-cache.js';
import { Readback, type ReadbackStats } from './readback.js';
import type { ShaderParams } from './shader-template.js';

/** What was found: the adapter, how it was reached, and what the device was granted. */
export interface AdapterReport {
  /** The adapter's device name (e.g. `llvmpipe (LLVM 15.0.6, 256 bits)` or a GPU model). */
  name: string;
  vendor: string;
  architecture: string;
  description: string;
  /** `default` is Dawn's native backend (Vulkan, Metal, D3D12); `opengles` is EGL + GLES. */
  backend: 'default' | 'opengles';
  /** Human-readable backend, such as `Vulkan` or `OpenGL ES (EGL surfaceless)`. */
  backendName: string;
  featureLevel: 'core' | 'compatibility';
  /** True for a software rasterizer (llvmpipe, SwiftShader, WARP). */
  software: boolean;
  /** Limits granted to the device (requested explicitly from the adapter's). */
  limits: Record<string, number>;
  features: string[];
  /** Workgroup size the kernels are built with. */
  workgroupSize: number;
}

/**
 * Owns one GPUDevice and everything made on it: the buffer pool, the pipeline cache, and the
 * staging buffer for readback. Kernel runners borrow from it; `destroy()` ends them all.
 */
export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private readonly readback: Readback;
  private lostReason: string | null = null;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    readonly report: AdapterReport,
    gpuMemoryLimit: number,
    /** The `GPU` instance the device came from; held so it lives as long as the device. */
    private readonly instance: GPU,
    /** A cap on one binding below the device's own (tests use it to force many windows). */
    private readonly bindingCap: number = Number.POSITIVE_INFINITY,
  ) {
    this.pool = new BufferPool(device, gpuMemoryLimit, device.limits.maxBufferSize);
    this.pipelines = new PipelineCache(device);
    this.readback = new Readback(device);
    void device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  get workgroupSize(): number {
    return this.report.workgroupSize;
  }

  /** Largest byte range one storage binding may cover. */
  get maxBindingSize(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.bindingCap);
  }

  get alignment(): number {
    return this.device.limits.minStorageBufferOffsetAlignment;
  }

  get lost(): string | null {
    return this.lostReason;
  }

  pipeline(family: string, entryPoint: string, params: ShaderParams): Promise<GPUComputePipeline> {
    return this.pipelines.get(family, entryPoint, params);
  }

  /** Encodes with `encode` and submits once; validation errors become a `KernelError`. */
  async submit(label: string, encode: (encoder: GPUCommandEncoder) => void): Promise<void> {
    if (this.lostReason !== null) {
      throw new KernelError('DEVICE_LOST', `${label}: the GPU device was lost (${this.lostReason})`);
    }
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null;
    try {
      const encoder = this.device.createCommandEncoder({ label });
      encode(encoder);
      this.device.queue.submit([encoder.finish()]);
    } catch (error) {
      thrown = error;
    }
    // The scopes are popped whatever happened, so a failed encode cannot leave them pushed, and
    // both pops are issued before any await, so a concurrent submit cannot take one of them.
    const [oom, invalid] = await Promise.all([this.device.popErrorScope(), this.device.popErrorScope()]);
    if (thrown !== null) throw new KernelError('GPU_ENCODE', `${label}: ${(thrown as Error).message}`, { cause: thrown });
    if (oom) throw new KernelError('GPU_OUT_OF_MEMORY', `${label}: ${oom.message}`);
    if (invalid) throw new KernelError('GPU_VALIDATION', `${label}: ${invalid.message}`);
  }

  /** A uniform buffer from the pool holding `data`. */
  uniform(data: ArrayBuffer): ReturnType<BufferPool['acquire']> {
    const loan = this.pool.acquire(data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'uniform');
    this.device.queue.writeBuffer(loan.buffer, 0, data);
    return loan;
  }

  read(source: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    return this.readback.read(source, offset, bytes);
  }

  /**
   * Bytes, reads and milliseconds spent in `read` over this context's life (see `ReadbackStats`:
   * the time runs from each copy's submit to the end of its map and host copy).
   * @example
   * const before = gpu.readbackStats();
   * const partial = await groupByPartial(gpu, resident, ['id1'], aggs);
   * const readbackMs = gpu.readbackStats().ms - before.ms;
   */
  readbackStats(): ReadbackStats {
    return this.readback.stats();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.readback.destroy();
    this.pool.trim();
    this.device.destroy();
    void this.instance;
  }
}
