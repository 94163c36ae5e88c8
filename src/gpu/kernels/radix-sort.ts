/**
 * `radixSortGpu`: the GPU twin of `cpu/kernels/radix-sort.ts`, the stable order of rows by
 * unsigned 32- or 64-bit keys (from `sortKeyWords`). A least-significant-digit radix sort over
 * 4-bit digits (shaders/radix-sort.wgsl): per digit, per-tile histograms, one exclusive scan of
 * them (`scan.ts`), and a stable scatter that ranks each record inside its tile with a
 * workgroup prefix sum (no subgroup operations, which llvmpipe and compatibility devices lack).
 * 4-bit digits keep that rank's workgroup memory at 32 bytes per thread, within the 16 KiB
 * every device grants; digits where every key agrees are found on the host and skipped.
 *
 * Records (the key's words and the row number) ping-pong between two buffers; every pass of
 * every digit is encoded into one submit, and only the final records are read back. Inputs
 * larger than one binding are split into windows of whole tiles: each digit's histogram runs
 * per input window, and its scatter once per (input window, output window) pair, each
 * writing only the records whose place falls in its output window — quadratic in the window
 * count, which is 1 below a binding's size (128 MiB and up on real devices) and only grows
 * under the small binding caps the tests set.
 */
import { DuskError, KernelError } from '../../errors.js';
import { iota } from '../../cpu/kernels/radix-sort.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import { DispatchList, prepareScan, type PreparedScan } from './scan.js';

/** Digit values per pass (4-bit digits). */
const RADIX = 16;
/** Records per thread unless the histogram would not fit one binding. */
const MIN_ITEMS = 4;
/** Records per tile at most: the shader packs two 16-bit counts per word. */
const MAX_TILE = 65535;
/** The `@binding` of `params` in shaders/radix-sort.wgsl. */
const PARAMS_BINDING = 4;

/** How the records are cut: tiles of `tileRows` (one workgroup each), windows of whole tiles. */
export interface RadixGeometry {
  /** Words per record: the key's words, then the row number. */
  stride: number;
  items: number;
  tileRows: number;
  tiles: number;
  windowRows: number;
  windows: number;
}

/**
 * The tiles and windows for `rows` records of `width`-word keys on this device: the histogram
 * (16 counts per tile) must fit one binding, and a window holds whole tiles at an aligned offset.
 * @example
 * const { windows } = radixGeometry(gpu, 100_000, 2); // 1 unless bindings are small
 */
export function radixGeometry(gpu: GpuContext, rows: number, width: 1 | 2): RadixGeometry {
  const stride = width + 1;
  const bindable = Math.floor(gpu.maxBindingSize / 4);
  const wg = gpu.workgroupSize;
  let items = MIN_ITEMS;
  while (RADIX * Math.ceil(rows / (wg * items)) + 1 > bindable && wg * items * 2 <= MAX_TILE) items *= 2;
  const tileRows = wg * items;
  const tiles = Math.max(1, Math.ceil(rows / tileRows));
  const windowRows = Math.floor(bindable / stride / tileRows) * tileRows;
  const aligned = (windowRows * stride * 4) % gpu.alignment === 0;
  if (tileRows > MAX_TILE || RADIX * tiles + 1 > bindable || windowRows === 0 || !aligned) {
    throw new KernelError(
      'RADIX_GEOMETRY',
      `radix sort: ${rows} rows of ${width * 32}-bit keys do not fit ${gpu.maxBindingSize}-byte bindings ` +
        `(tiles of ${tileRows} rows, ${tiles} tiles, ${gpu.alignment}-byte alignment); sort them on the CPU`,
    );
  }
  return { stride, items, tileRows, tiles, windowRows, windows: Math.max(1, Math.ceil(rows / windowRows)) };
}

/** The 4-bit digits (0-7: low word, 8-15: high word) where some key differs from the first. */
function varyingDigits(words: Uint32Array, width: 1 | 2, rows: number): number[] {
  const digits: number[] = [];
  for (let w = 0; w < width; w++) {
    const first = words[w]!;
    let diff = 0;
    for (let i = 0; i < rows; i++) diff |= words[width * i + w]! ^ first;
    for (let k = 0; k < 8; k++) if ((diff >>> (4 * k)) & 15) digits.push(8 * w + k);
  }
  return digits;
}

/** Records: each row's key words then its row number. */
function records(words: Uint32Array, width: 1 | 2, rows: number): Uint32Array {
  const stride = width + 1;
  const out = new Uint32Array(rows * stride);
  for (let i = 0; i < rows; i++) {
    for (let w = 0; w < width; w++) out[stride * i + w] = words[width * i + w]!;
    out[stride * i + width] = i;
  }
  return out;
}

/**
 * The stable ascending order of `rows` keys of `width` words each (the layout `radixSort`
 * takes: row i at `words[width * i]`, 64-bit keys low word first), sorted on the device: the
 * same permutation as the CPU's `radixSort`.
 *
 * @example
 * const { words, width } = sortKeyWords(table.getChild('amount')!, false);
 * const order = await radixSortGpu(gpu, words, width, table.numRows);
 */
export async function radixSortGpu(gpu: GpuContext, words: Uint32Array, width: 1 | 2, rows: number, label = 'radix sort'): Promise<Uint32Array> {
  if (!(Number.isInteger(rows) && rows >= 0 && rows < 2 ** 32 && words.length >= width * rows)) {
    throw new DuskError('LENGTH_MISMATCH', `${label}: ${rows} rows of ${width} word(s) need ${width * rows} words, not ${words.length}`);
  }
  const digits = rows <= 1 ? [] : varyingDigits(words, width, rows);
  if (digits.length === 0) return iota(rows);
  const g = radixGeometry(gpu, rows, width);
  const params = { WORKGROUP_SIZE: gpu.workgroupSize, STRIDE: g.stride };
  const [histogramP, scatterP] = await Promise.all([
    gpu.pipeline('radix-sort', 'radix_histogram', params),
    gpu.pipeline('radix-sort', 'radix_scatter', params),
  ]);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const recordBytes = rows * g.stride * 4;
  const countWords = RADIX * g.tiles + 1;
  const loans: PooledBuffer[] = [];
  const lists: DispatchList[] = [];
  let scan: PreparedScan | null = null;
  try {
    const ping = gpu.pool.acquire(recordBytes, usage, `${label} records`);
    loans.push(ping);
    const pong = gpu.pool.acquire(recordBytes, usage, `${label} records`);
    loans.push(pong);
    const counts = gpu.pool.acquire(countWords * 4, usage, `${label} counts`);
    loans.push(counts);
    gpu.device.queue.writeBuffer(ping.buffer, 0, records(words, width, rows));
    scan = await prepareScan(gpu, counts.buffer, countWords, label);
    const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
    const countBinding: GPUBufferBinding = { buffer: counts.buffer, offset: 0, size: countWords * 4 };
    const windows = Array.from({ length: g.windows }, (_, i) => {
      const first = i * g.windowRows;
      const n = Math.min(g.windowRows, rows - first);
      const tiles = Math.ceil(n / g.tileRows);
      return { first, n, tileBase: first / g.tileRows, groups: Math.min(tiles, maxGroups) };
    });
    const bind = (buffer: GPUBuffer, w: (typeof windows)[number]): GPUBufferBinding => ({ buffer, offset: w.first * g.stride * 4, size: w.n * g.stride * 4 });
    const passes = digits.map((digit, k) => {
      const [src, dst] = k % 2 === 0 ? [ping.buffer, pong.buffer] : [pong.buffer, ping.buffer];
      const histogram = new DispatchList(gpu, PARAMS_BINDING, `${label} histogram`);
      const scatter = new DispatchList(gpu, PARAMS_BINDING, `${label} scatter`);
      lists.push(histogram, scatter);
      for (const w of windows) {
        const head = [w.n, w.tileBase, g.tiles, g.items, digit, w.groups];
        histogram.add(histogramP, [[0, bind(src, w)], [1, countBinding]], [...head, 0, 0], w.groups);
        for (const o of windows) scatter.add(scatterP, [[0, bind(src, w)], [2, countBinding], [3, bind(dst, o)]], [...head, o.first, o.n], w.groups);
      }
      return { histogram, scatter };
    });
    const prepared = scan;
    await gpu.submit(label, (encoder) => {
      // The word after the last count is scanned into the record count, which ends the last range.
      encoder.clearBuffer(counts.buffer, 0, countWords * 4);
      for (const { histogram, scatter } of passes) {
        const first = encoder.beginComputePass({ label: `${label} histogram` });
        histogram.encode(first);
        first.end();
        prepared.encode(encoder);
        const second = encoder.beginComputePass({ label: `${label} scatter` });
        scatter.encode(second);
        second.end();
      }
    });
    const result = digits.length % 2 === 0 ? ping : pong;
    const sorted = new Uint32Array(await gpu.read(result.buffer, 0, recordBytes));
    const order = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) order[i] = sorted[g.stride * i + width]!;
    return order;
  } finally {
    scan?.release();
    for (const list of lists) list.release();
    for (const loan of loans) gpu.pool.release(loan);
  }
}
