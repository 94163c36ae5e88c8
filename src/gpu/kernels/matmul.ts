/**
 * The matmul kernel family on the device (`shaders/matmul.wgsl`), the GPU twin of
 * `cpu/kernels/matmul-block`: C = A·B (+ C) for float32, tiled in workgroup memory with 4 × 4
 * outputs per invocation. `prepareMatmul` encodes one product over resident buffers into a
 * caller's submit (so the array module can chain block products and accumulate across the inner
 * dimension without reading anything back), `matmulGpuBuffers` submits one, and `matmulGpu`
 * uploads host arrays, multiplies and reads C back.
 *
 * A product whose A, B or C is larger than one storage binding is cut into windows (ranges of
 * rows, inner steps and columns) each of whose three bindings fits; windows along the inner
 * dimension after the first accumulate into C, in order, within one compute pass.
 *
 * float64 stays on the CPU (`matmulBlock`) unless the array module decides otherwise: the
 * device computes in float32 only, so a float64 product on it would have to be converted on
 * upload and would lose the precision its caller asked for.
 */
import { DuskError, KernelError } from '../../errors.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import { writeView } from '../upload.js';
import { bindWords, DispatchList } from './scan.js';

/** The `@binding` of `params` in shaders/matmul.wgsl. */
const PARAMS_BINDING = 3;
/** Outputs per invocation along each side (the shader's 4 × 4). */
const PER_THREAD = 4;

/** The tile shape for this device, and the shader parameters that make it. */
export interface MatmulTiles {
  threadRows: number;
  threadCols: number;
  /** Inner steps staged in workgroup memory at a time. */
  tileK: number;
  /** Rows and columns of C one workgroup computes. */
  rows: number;
  cols: number;
}

/** One window of a product: its ranges of rows (of A and C), inner steps and columns (of B and C). */
export interface MatmulWindow {
  row0: number;
  rows: number;
  k0: number;
  inner: number;
  col0: number;
  cols: number;
}

/**
 * The workgroup tile for this device: 16 threads across (fewer when the workgroup is smaller),
 * the rest down, each owning 4 × 4 outputs; 16 inner steps staged at a time unless workgroup
 * memory is too small for that.
 * @example
 * matmulTiles(gpu); // 256-invocation workgroups: { threadRows: 16, threadCols: 16, tileK: 16, rows: 64, cols: 64 }
 */
export function matmulTiles(gpu: GpuContext): MatmulTiles {
  const wg = gpu.workgroupSize;
  const threadCols = Math.min(16, wg);
  const threadRows = wg / threadCols;
  const rows = threadRows * PER_THREAD;
  const cols = threadCols * PER_THREAD;
  const memory = gpu.device.limits.maxComputeWorkgroupStorageSize;
  const tileK = [16, 8, 4].find((t) => (rows + cols) * t * 4 <= memory);
  if (tileK === undefined || !Number.isInteger(threadRows)) {
    throw new KernelError('MATMUL_GEOMETRY', `matmul: no tile fits ${wg}-invocation workgroups and ${memory} bytes of workgroup memory`);
  }
  return { threadRows, threadCols, tileK, rows, cols };
}

/**
 * How an m × k by k × n product is cut so that each window's slices of A, B and C fit one
 * binding (a slice spans from its first element to its last, row strides included) and each
 * window's workgroups fit one dispatch. Windows of one output range are listed in inner order;
 * a product with a zero-length dimension has none.
 * @example
 * matmulWindows(gpu, 1000, 1000, 1000).length; // 1 with 128 MiB bindings
 */
export function matmulWindows(gpu: GpuContext, m: number, k: number, n: number): MatmulWindow[] {
  if (m === 0 || k === 0 || n === 0) return [];
  const tiles = matmulTiles(gpu);
  const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  // A binding starts up to alignment/4 - 1 words before its first element.
  const words = Math.floor(gpu.maxBindingSize / 4) - (gpu.alignment / 4 - 1);
  const cols = Math.min(n, words, maxGroups * tiles.cols);
  const inner = Math.min(k, words, Math.floor((words - cols) / n) + 1);
  const groupRows = Math.floor(maxGroups / Math.ceil(cols / tiles.cols)) * tiles.rows;
  const rows = Math.min(m, Math.floor((words - inner) / k) + 1, Math.floor((words - cols) / n) + 1, groupRows);
  const windows: MatmulWindow[] = [];
  for (let row0 = 0; row0 < m; row0 += rows) {
    for (let col0 = 0; col0 < n; col0 += cols) {
      for (let k0 = 0; k0 < k; k0 += inner) {
        windows.push({ row0, rows: Math.min(rows, m - row0), k0, inner: Math.min(inner, k - k0), col0, cols: Math.min(cols, n - col0) });
      }
    }
  }
  return windows;
}

/** A product encoded ahead of time over resident buffers; run it with `encode` in any submit. */
export interface PreparedMatmul {
  /** How many windows (dispatches) the product was cut into. */
  readonly windows: number;
  /** Records the product into `encoder` (in its own compute pass, or a clear when k = 0). */
  encode(encoder: GPUCommandEncoder): void;
  /** Gives back the parameters' buffer; the encoded work must have been submitted. */
  release(): void;
}

function checkBuffers(a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, k: number, n: number, label: string): void {
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new DuskError('SHAPE_MISMATCH', `${label}: ${name} must be a non-negative integer, not ${v}`);
  }
  if (c === a || c === b) throw new DuskError('MATMUL_ALIASED', `${label}: C must be a buffer of its own, not A or B`);
  const sizes = [['A', a, m * k], ['B', b, k * n], ['C', c, m * n]] as const;
  for (const [name, buffer, elements] of sizes) {
    if (buffer.size < elements * 4) {
      throw new DuskError('SHAPE_MISMATCH', `${label}: ${name} holds ${buffer.size} bytes, fewer than the ${elements} float32 values it needs`);
    }
  }
}

/**
 * Prepares C = A·B (or C += A·B with `accumulate`) over device buffers, to be encoded into a
 * caller's submit. Layout: each buffer holds its matrix as row-major float32 from byte 0 (A is
 * m × k, B is k × n, C is m × n; the buffers may be larger). All three need STORAGE usage, and C
 * COPY_DST too; C must not be A or B. A chain of block products into one C (accumulating after
 * the first) can be prepared up front and encoded into one encoder in order.
 * @example
 * const first = await prepareMatmul(gpu, a00, b00, c, m, k, n, false);
 * const second = await prepareMatmul(gpu, a01, b10, c, m, k, n, true);
 * await gpu.submit('matmul', (encoder) => { first.encode(encoder); second.encode(encoder); });
 * first.release(); second.release();
 */
export async function prepareMatmul(
  gpu: GpuContext, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, m: number, k: number, n: number, accumulate: boolean, label = 'matmul',
): Promise<PreparedMatmul> {
  checkBuffers(a, b, c, m, k, n, label);
  if (m === 0 || n === 0 || k === 0) {
    // No inner steps: C = 0, or C unchanged when accumulating.
    const clear = m * n > 0 && !accumulate;
    return { windows: 0, encode: (encoder) => { if (clear) encoder.clearBuffer(c, 0, m * n * 4); }, release: () => undefined };
  }
  const tiles = matmulTiles(gpu);
  const params = { THREAD_ROWS: tiles.threadRows, THREAD_COLS: tiles.threadCols, TILE_K: tiles.tileK };
  const [store, add] = await Promise.all([gpu.pipeline('matmul', 'matmul_store', params), gpu.pipeline('matmul', 'matmul_accumulate', params)]);
  const windows = matmulWindows(gpu, m, k, n);
  const list = new DispatchList(gpu, PARAMS_BINDING, label);
  for (const w of windows) {
    const av = bindWords(gpu, a, w.row0 * k + w.k0, (w.rows - 1) * k + w.inner);
    const bv = bindWords(gpu, b, w.k0 * n + w.col0, (w.inner - 1) * n + w.cols);
    const cv = bindWords(gpu, c, w.row0 * n + w.col0, (w.rows - 1) * n + w.cols);
    const groups = Math.ceil(w.rows / tiles.rows) * Math.ceil(w.cols / tiles.cols);
    const pipeline = accumulate || w.k0 > 0 ? add! : store!;
    list.add(pipeline, [[0, av.binding], [1, bv.binding], [2, cv.binding]], [w.rows, w.inner, w.cols, k, n, av.base, bv.base, cv.base], groups);
  }
  return {
    windows: windows.length,
    encode(encoder: GPUCommandEncoder): void {
      const pass = encoder.beginComputePass({ label });
      list.encode(pass);
      pass.end();
    },
    release: () => list.release(),
  };
}

/**
 * C = A·B, or C += A·B with `accumulate`, over resident buffers, in one submit; nothing is read
 * back. The layout and usages are `prepareMatmul`'s: row-major float32 from byte 0 of each buffer.
 * @example
 * await matmulGpuBuffers(gpu, a.buffer, b.buffer, c.buffer, m, k, n, false);
 * await matmulGpuBuffers(gpu, a2.buffer, b2.buffer, c.buffer, m, k2, n, true); // C += A2·B2
 */
export async function matmulGpuBuffers(
  gpu: GpuContext, aBuf: GPUBuffer, bBuf: GPUBuffer, cBuf: GPUBuffer, m: number, k: number, n: number, accumulate: boolean,
): Promise<void> {
  const prepared = await prepareMatmul(gpu, aBuf, bBuf, cBuf, m, k, n, accumulate);
  try {
    await gpu.submit('matmul', (encoder) => prepared.encode(encoder));
  } finally {
    prepared.release();
  }
}

/**
 * A·B (+ `acc`, when given) for row-major float32 host arrays: A is m × k, B is k × n, the result
 * m × n. Uploads, multiplies on the device and reads C back into a new array (`acc` is not
 * changed). float64 products stay on the CPU (`matmulBlock`): the device computes in float32.
 * @example
 * const c = await matmulGpu(gpu, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 2, 2, 2);
 * // c: [19, 22, 43, 50]
 */
export async function matmulGpu(gpu: GpuContext, a: Float32Array, b: Float32Array, m: number, k: number, n: number, acc?: Float32Array): Promise<Float32Array> {
  const sizes = [['A', a, m, k], ['B', b, k, n], ['the accumulator', acc, m, n]] as const;
  for (const [name, x, rows, cols] of sizes) {
    if (x !== undefined && x.length !== rows * cols) {
      throw new DuskError('SHAPE_MISMATCH', `matmul: ${name} has ${x.length} elements, not ${rows} × ${cols} = ${rows * cols}`);
    }
  }
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const loans: PooledBuffer[] = [];
  const upload = (data: Float32Array | undefined, elements: number, name: string): GPUBuffer => {
    const loan = gpu.pool.acquire(Math.max(elements * 4, 4), usage, `matmul ${name}`);
    loans.push(loan);
    if (data !== undefined && elements > 0) writeView(gpu, loan.buffer, data, elements * 4);
    return loan.buffer;
  };
  try {
    const aBuf = upload(a, m * k, 'A');
    const bBuf = upload(b, k * n, 'B');
    const cBuf = upload(acc, m * n, 'C');
    await matmulGpuBuffers(gpu, aBuf, bBuf, cBuf, m, k, n, acc !== undefined);
    return new Float32Array(await gpu.read(cBuf, 0, m * n * 4));
  } finally {
    for (const loan of loans) gpu.pool.release(loan);
  }
}
