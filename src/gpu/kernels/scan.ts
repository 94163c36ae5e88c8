/**
 * Exclusive prefix sums of u32 words on the device: the portable reduce-then-scan (block sums,
 * scanned level by level, added back down) that filter compaction, groupby and join share. Every
 * level is dispatched in windows no larger than one binding, so any word count a buffer can hold
 * is scanned. Also here, because every such runner needs them: `bindWords` (a word range of a
 * buffer bound at an aligned offset) and `DispatchList` (many dispatches whose parameters share
 * one uniform buffer).
 */
import { KernelError } from '../../errors.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';

/** Bytes of one dispatch's parameters: eight u32 words. */
const PARAM_BYTES = 32;
const PARAM_WORDS = PARAM_BYTES / 4;

/** A word range bound at the aligned offset at or before it; the range starts `base` words in. */
export interface WordBinding {
  binding: GPUBufferBinding;
  base: number;
}

/**
 * Binds words [first, first + words) of `buffer`. Storage offsets must be multiples of the
 * device's alignment, so the binding starts up to alignment/4 words early and the shader adds `base`.
 * @example
 * const sums = bindWords(gpu, counts, 1000, 8); // sums.base === 1000 - sums.binding.offset / 4
 */
export function bindWords(gpu: GpuContext, buffer: GPUBuffer, first: number, words: number): WordBinding {
  const offset = Math.floor((first * 4) / gpu.alignment) * gpu.alignment;
  const base = first - offset / 4;
  return { binding: { buffer, offset, size: Math.max(base + words, 1) * 4 }, base };
}

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindings: ReadonlyArray<readonly [number, GPUBufferBinding]>;
  params: readonly number[];
  groups: number;
}

/**
 * Dispatches collected first and encoded later, their parameters (up to eight u32 words each)
 * written to one uniform buffer at aligned offsets, so a runner with thousands of windows makes
 * one buffer, not thousands.
 * @example
 * const list = new DispatchList(gpu, 2, 'scan');
 * list.add(pipeline, [[0, { buffer }]], [n], groups);
 * const pass = encoder.beginComputePass(); list.encode(pass); pass.end();
 * // after the submit: list.release();
 */
export class DispatchList {
  private readonly items: Dispatch[] = [];
  private uniform: PooledBuffer | null = null;
  private bindGroups: GPUBindGroup[] | null = null;

  constructor(
    private readonly gpu: GpuContext,
    /** The `@binding` of the entry points' `var<uniform> params`. */
    private readonly paramsBinding: number,
    private readonly label: string,
  ) {}

  /** Adds one dispatch of `groups` workgroups (none when 0). */
  add(pipeline: GPUComputePipeline, bindings: Dispatch['bindings'], params: readonly number[], groups: number): void {
    if (this.bindGroups !== null) throw new KernelError('DISPATCH_SEALED', `${this.label}: a dispatch was added after encoding began`);
    if (params.length > PARAM_WORDS) throw new KernelError('DISPATCH_PARAMS', `${this.label}: ${params.length} parameter words, at most ${PARAM_WORDS}`);
    if (groups > 0) this.items.push({ pipeline, bindings, params, groups });
  }

  /** Records every dispatch into `pass` (the first call writes the parameters and makes the bind groups). */
  encode(pass: GPUComputePassEncoder): void {
    const groups = this.prepare();
    this.items.forEach((d, i) => {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, groups[i]!);
      pass.dispatchWorkgroups(d.groups);
    });
  }

  /** Gives the uniform buffer back; the work encoded must have been submitted. */
  release(): void {
    if (this.uniform !== null) this.gpu.pool.release(this.uniform);
    this.uniform = null;
  }

  private prepare(): GPUBindGroup[] {
    if (this.bindGroups !== null) return this.bindGroups;
    const stride = Math.max(PARAM_BYTES, this.gpu.device.limits.minUniformBufferOffsetAlignment);
    const bytes = Math.max(this.items.length, 1) * stride;
    const words = new Uint32Array(bytes / 4);
    this.items.forEach((d, i) => words.set(d.params, (i * stride) / 4));
    this.uniform = this.gpu.pool.acquire(bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, `${this.label} params`);
    this.gpu.device.queue.writeBuffer(this.uniform.buffer, 0, words);
    const uniform = this.uniform.buffer;
    this.bindGroups = this.items.map((d, i) =>
      this.gpu.device.createBindGroup({
        label: this.label,
        layout: d.pipeline.getBindGroupLayout(0),
        entries: [
          ...d.bindings.map(([binding, resource]) => ({ binding, resource })),
          { binding: this.paramsBinding, resource: { buffer: uniform, offset: i * stride, size: PARAM_BYTES } },
        ],
      }),
    );
    return this.bindGroups;
  }
}

/** How the scan splits words: ITEMS per thread, blocks of `block` words, `windowBlocks` blocks per dispatch. */
export interface ScanGeometry {
  items: number;
  block: number;
  windowBlocks: number;
}

/**
 * The block and window sizes for this device: a block fits one binding and starts aligned.
 * @example
 * const { block } = scanGeometry(gpu); // 1024 words with 256-thread workgroups
 */
export function scanGeometry(gpu: GpuContext): ScanGeometry {
  const wg = gpu.workgroupSize;
  const bindable = Math.floor(gpu.maxBindingSize / 4);
  const items = [4, 2, 1].find((k) => wg * k <= bindable);
  if (items === undefined || (wg * items * 4) % gpu.alignment !== 0) {
    throw new KernelError('SCAN_GEOMETRY', `scan: a block of ${wg} words does not fit a ${gpu.maxBindingSize}-byte binding at ${gpu.alignment}-byte alignment`);
  }
  const block = wg * items;
  const windowBlocks = Math.min(Math.floor(bindable / block), gpu.device.limits.maxComputeWorkgroupsPerDimension);
  return { items, block, windowBlocks };
}

/** An exclusive scan encoded ahead of time over one buffer; run it with `encode` in any submit. */
export interface PreparedScan {
  readonly n: number;
  /** Holds the sum of the n words at word 0 once the encoded scan has run. */
  readonly total: GPUBuffer;
  /** Records the scan into `encoder` (in its own compute pass). */
  encode(encoder: GPUCommandEncoder): void;
  /** Gives the scan's buffers back (the total too); the encoded work must have been submitted. */
  release(): void;
}

/**
 * Prepares an in-place exclusive scan of words [0, n) of `data` (a STORAGE buffer), to be
 * encoded into a caller's submit alongside the kernels that feed and read it.
 * @example
 * const scan = await prepareScan(gpu, counts.buffer, blocks, 'filter');
 * await gpu.submit('filter', (encoder) => { encodeCounts(encoder); scan.encode(encoder); });
 * scan.release();
 */
export async function prepareScan(gpu: GpuContext, data: GPUBuffer, n: number, label = 'scan'): Promise<PreparedScan> {
  const { items, block, windowBlocks } = scanGeometry(gpu);
  const params = { WORKGROUP_SIZE: gpu.workgroupSize, ITEMS: items };
  const [reduceP, topP, addP] = await Promise.all(
    ['scan_reduce', 'scan_top', 'scan_add'].map((entry) => gpu.pipeline('scan', entry, params)),
  );
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const loans: PooledBuffer[] = [];
  const list = new DispatchList(gpu, 2, label);
  const release = (): void => {
    list.release();
    for (const loan of loans.splice(0)) gpu.pool.release(loan);
  };
  try {
    const total = gpu.pool.acquire(16, usage, `${label} scan total`);
    loans.push(total);
    const levels: { buffer: GPUBuffer; n: number }[] = [{ buffer: data, n }];
    for (let top = n; top > block;) {
      top = Math.ceil(top / block);
      const loan = gpu.pool.acquire(top * 4, usage, `${label} scan level ${levels.length}`);
      loans.push(loan);
      levels.push({ buffer: loan.buffer, n: top });
    }
    // Each window of level l: its data words, and the words of level l + 1 its blocks map to.
    const windows = (l: number, entry: GPUComputePipeline): void => {
      const { buffer, n: words } = levels[l]!;
      const span = windowBlocks * block;
      for (let start = 0; start < words; start += span) {
        const count = Math.min(span, words - start);
        const blocks = Math.ceil(count / block);
        const sums = bindWords(gpu, levels[l + 1]!.buffer, start / block, blocks);
        list.add(entry, [[0, { buffer, offset: start * 4, size: count * 4 }], [1, sums.binding]], [count, sums.base], blocks);
      }
    };
    for (let l = 0; l + 1 < levels.length; l++) windows(l, reduceP!);
    const top = levels.at(-1)!;
    if (n > 0) list.add(topP!, [[0, { buffer: top.buffer, offset: 0, size: top.n * 4 }], [1, { buffer: total.buffer, offset: 0, size: 16 }]], [top.n, 0], 1);
    for (let l = levels.length - 2; l >= 0; l--) windows(l, addP!);
    return {
      n,
      total: total.buffer,
      encode(encoder: GPUCommandEncoder): void {
        if (n === 0) {
          encoder.clearBuffer(total.buffer, 0, 16);
          return;
        }
        const pass = encoder.beginComputePass({ label: `${label} scan` });
        list.encode(pass);
        pass.end();
      },
      release,
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Replaces words [0, n) of `data` by their exclusive prefix sums, in one submit, and returns the
 * sum of all n words (which must stay below 2^32).
 * @example
 * const total = await exclusiveScan(gpu, counts.buffer, blocks); // counts: [3, 0, 2] → [0, 3, 3], 5
 */
export async function exclusiveScan(gpu: GpuContext, data: GPUBuffer, n: number, label = 'scan'): Promise<number> {
  const scan = await prepareScan(gpu, data, n, label);
  try {
    await gpu.submit(`${label} scan`, (encoder) => scan.encode(encoder));
    return new Uint32Array(await gpu.read(scan.total, 0, 4))[0]!;
  } finally {
    scan.release();
  }
}
