/**
 * The device side of one GPU join: every buffer it borrows from the pool (given back together by
 * `release`), the window geometry that keeps each binding within one storage binding and each
 * binding offset aligned, and the keys of both sides uploaded.
 *
 * Arrays indexed by row (keys, validity bytes, per-row words) are bound in row windows of
 * `rowWindow` rows: a multiple of the offset alignment in rows, so that a window's first byte of
 * validity (one byte a row) and first word start aligned. Arrays indexed by an output or list
 * position are bound in windows of `spanWindow` words.
 */
import { KernelError } from '../../../errors.js';
import type { KeyWords } from '../../../cpu/kernels/key-words.js';
import type { PooledBuffer } from '../../buffer-pool.js';
import type { GpuContext } from '../../gpu-context.js';

/** A range [first, first + count) of rows or positions. */
export interface Span {
  first: number;
  count: number;
}

/** One side's keys on the device. */
export interface DeviceKeys {
  rows: number;
  keys: PooledBuffer;
  /** One byte a row (0: null key), or null when no key is null. */
  valid: PooledBuffer | null;
  /** Rows whose key is not null. */
  validRows: number;
  /** The row windows the per-row arrays of this side are bound in. */
  windows: Span[];
}

/**
 * Consecutive ranges of at most `step` covering [0, total); none when total is 0.
 * @example
 * spans(10, 4); // [{ first: 0, count: 4 }, { first: 4, count: 4 }, { first: 8, count: 2 }]
 */
export function spans(total: number, step: number): Span[] {
  const out: Span[] = [];
  for (let first = 0; first < total; first += step) out.push({ first, count: Math.min(step, total - first) });
  return out;
}

/**
 * One join's buffers and geometry; `release()` gives every buffer back.
 * @example
 * const run = new JoinRun(gpu, 2, 'join');
 * try { const right = run.upload(keys, 'right'); ... } finally { run.release(); }
 */
export class JoinRun {
  readonly wg: number;
  /** Words one binding may cover. */
  readonly maxWords: number;
  readonly alignWords: number;
  readonly maxGroups: number;
  readonly rowWindow: number;
  readonly spanWindow: number;
  /** Most slots one sub-table of the hash table has (it must fit one binding). */
  readonly subMax: number;
  /** Small buffers bound where an entry point's binding is not used: one for reads, one for writes. */
  readonly dummy: PooledBuffer;
  readonly dummyOut: PooledBuffer;
  private readonly loans: PooledBuffer[] = [];

  constructor(readonly gpu: GpuContext, readonly width: number, readonly label: string) {
    this.wg = gpu.workgroupSize;
    this.maxWords = Math.floor(gpu.maxBindingSize / 4);
    this.alignWords = gpu.alignment / 4;
    this.maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
    const granule = gpu.alignment;
    // The sort gives one workgroup a block of wg elements: a window is at most maxGroups blocks.
    const mostRows = Math.floor((this.maxGroups * this.wg) / granule) * granule;
    this.rowWindow = Math.min(Math.floor(this.maxWords / width / granule) * granule, mostRows);
    if (this.rowWindow === 0) {
      throw new KernelError(
        'JOIN_KEY_WIDTH',
        `${label}: keys of ${width} words do not fit ${granule} rows in a ${gpu.maxBindingSize}-byte binding; join on fewer key columns or on the CPU`,
      );
    }
    this.spanWindow = Math.min(Math.floor(this.maxWords / this.alignWords) * this.alignWords, mostRows);
    this.subMax = 2 ** Math.floor(Math.log2(this.maxWords / (2 * width)));
    this.dummy = this.take(16, `${label} unused`);
    this.dummyOut = this.take(16, `${label} unused output`);
  }

  /** A storage buffer of at least `bytes` bytes (at least 16), not zeroed. */
  take(bytes: number, label: string): PooledBuffer {
    // GPUBufferUsage exists only once a GPU module is loaded, so it is read here, not at import.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const loan = this.gpu.pool.acquire(Math.max(16, bytes), usage, label);
    this.loans.push(loan);
    return loan;
  }

  /** Gives one buffer back before the run ends. */
  drop(loan: PooledBuffer): void {
    const at = this.loans.indexOf(loan);
    if (at >= 0) this.loans.splice(at, 1);
    this.gpu.pool.release(loan);
  }

  /** Uploads one side's key words and (when some key is null) its validity bytes. */
  upload(side: KeyWords, name: string): DeviceKeys {
    const { rows, width } = side;
    const keys = this.take(rows * width * 4, `${this.label} ${name} keys`);
    if (rows > 0) this.gpu.device.queue.writeBuffer(keys.buffer, 0, side.words.subarray(0, rows * width));
    let validRows = rows;
    if (side.valid !== null) {
      for (let r = 0; r < rows; r++) if (side.valid[r] === 0) validRows--;
    }
    let valid: PooledBuffer | null = null;
    if (validRows < rows) {
      const bytes = Math.ceil(rows / 4) * 4;
      valid = this.take(bytes, `${this.label} ${name} validity`);
      // writeBuffer takes whole words: the last one is padded with null rows past the end.
      let bytesView = side.valid!.subarray(0, rows);
      if (rows !== bytes) {
        bytesView = new Uint8Array(bytes);
        bytesView.set(side.valid!.subarray(0, rows));
      }
      this.gpu.device.queue.writeBuffer(valid.buffer, 0, bytesView);
    }
    return { rows, keys, valid, validRows, windows: spans(rows, this.rowWindow) };
  }

  /** Words [first * per, (first + count) * per) of `loan` (first must be window-aligned). */
  words(loan: PooledBuffer, first: number, count: number, per = 1): GPUBufferBinding {
    return { buffer: loan.buffer, offset: first * per * 4, size: Math.max(count * per, 1) * 4 };
  }

  /** The validity bytes of a row window, or the unused buffer when the side has no nulls. */
  validity(side: DeviceKeys, span: Span): GPUBufferBinding {
    if (side.valid === null) return this.words(this.dummy, 0, 4);
    return { buffer: side.valid.buffer, offset: span.first, size: Math.ceil(span.count / 4) * 4 };
  }

  /** Workgroups for a grid-stride pass over `count` items. */
  groups(count: number): number {
    return Math.min(Math.ceil(count / this.wg), this.maxGroups);
  }

  release(): void {
    for (const loan of this.loans.splice(0)) this.gpu.pool.release(loan);
  }
}
