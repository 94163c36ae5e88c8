import type { ColumnSlice } from '../column-slice.js';
import type { NumericDType } from '../dtype.js';
import type { PooledBuffer } from './buffer-pool.js';
import type { GpuContext } from './gpu-context.js';

/** One window of a column on the device: at most one storage binding's worth of rows. */
export interface GpuWindow {
  values: PooledBuffer;
  /** Bytes of `values` that hold this window's rows (the binding size). */
  valueBytes: number;
  validity: PooledBuffer | null;
  validityBytes: number;
  /** Bit of the window's first row within `validity`. */
  bitOffset: number;
  rows: number;
}

/** A column slice resident on the device, in windows; `release()` gives its buffers back. */
export interface GpuColumn {
  dtype: NumericDType;
  rows: number;
  windows: GpuWindow[];
  release(): void;
}

/** Bytes one row takes on the device: 8- and 16-bit integers are widened to 32 bits. */
export function deviceBytesPerRow(dtype: NumericDType): number {
  return dtype === 'int64' || dtype === 'uint64' || dtype === 'float64' ? 8 : 4;
}

function widened(slice: ColumnSlice, start: number, rows: number): ArrayBufferView {
  const part = slice.values.subarray(start, start + rows);
  switch (slice.dtype) {
    case 'int8':
    case 'int16': {
      const out = new Int32Array(rows);
      out.set(part as Int8Array | Int16Array);
      return out;
    }
    case 'uint8':
    case 'uint16': {
      const out = new Uint32Array(rows);
      out.set(part as Uint8Array | Uint16Array);
      return out;
    }
    default:
      return part;
  }
}

/** Bytes copied at a time when the source is shared memory (Dawn does not read SABs). */
const BOUNCE_BYTES = 16 * 2 ** 20;
let bounce: Uint8Array | null = null;

/**
 * Writes `bytes` bytes of `view` to the start of `target`. Dawn's writeBuffer refuses views of
 * SharedArrayBuffers, so those go through a reused bounce buffer, 16 MiB at a time.
 */
export function writeView(gpu: GpuContext, target: GPUBuffer, view: ArrayBufferView, bytes: number): void {
  if (!(view.buffer instanceof SharedArrayBuffer)) {
    gpu.device.queue.writeBuffer(target, 0, view.buffer, view.byteOffset, bytes);
    return;
  }
  const source = new Uint8Array(view.buffer, view.byteOffset, bytes);
  bounce ??= new Uint8Array(BOUNCE_BYTES);
  for (let at = 0; at < bytes; at += BOUNCE_BYTES) {
    const len = Math.min(BOUNCE_BYTES, bytes - at);
    bounce.set(source.subarray(at, at + len));
    gpu.device.queue.writeBuffer(target, at, bounce.buffer, 0, len);
  }
}

/** Rows per window: the most that fit one binding, a multiple of 256 rows. */
export function windowRows(gpu: GpuContext, dtype: NumericDType): number {
  const rows = Math.floor(gpu.maxBindingSize / deviceBytesPerRow(dtype) / 256) * 256;
  return Math.max(rows, 256);
}

/**
 * Uploads a column slice, honouring its offset and validity bitmap, in windows no larger than
 * one storage binding. Each window's bitmap is copied from the byte holding its first row, so
 * `bitOffset` stays below 32 and the window needs no realignment of values.
 */
export function uploadColumn(gpu: GpuContext, slice: ColumnSlice, label: string): GpuColumn {
  const perRow = deviceBytesPerRow(slice.dtype);
  const step = windowRows(gpu, slice.dtype);
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const windows: GpuWindow[] = [];
  const release = (): void => {
    for (const w of windows) {
      gpu.pool.release(w.values);
      if (w.validity !== null) gpu.pool.release(w.validity);
    }
    windows.length = 0;
  };
  try {
    for (let start = 0; start < slice.length; start += step) {
      const rows = Math.min(step, slice.length - start);
      const valueBytes = rows * perRow;
      const values = gpu.pool.acquire(valueBytes, storage, `${label} values`);
      const window: GpuWindow = { values, valueBytes, validity: null, validityBytes: 0, bitOffset: 0, rows };
      windows.push(window);
      const view = widened(slice, start, rows);
      writeView(gpu, values.buffer, view, valueBytes);
      if (slice.validity !== null) {
        const firstBit = slice.bitOffset + start;
        const byteStart = Math.floor(firstBit / 32) * 4;
        window.bitOffset = firstBit - byteStart * 8;
        window.validityBytes = Math.ceil((window.bitOffset + rows) / 32) * 4;
        const bits = new Uint8Array(window.validityBytes);
        bits.set(slice.validity.subarray(byteStart, Math.min(byteStart + window.validityBytes, slice.validity.length)));
        window.validity = gpu.pool.acquire(window.validityBytes, storage, `${label} validity`);
        gpu.device.queue.writeBuffer(window.validity.buffer, 0, bits);
      }
    }
  } catch (error) {
    release();
    throw error;
  }
  return { dtype: slice.dtype, rows: slice.length, windows, release };
}
