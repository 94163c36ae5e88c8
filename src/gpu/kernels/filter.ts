/**
 * `filterTable` on the device, the GPU twin of `cpu/kernels/filter-table`: the rows of a resident
 * table where a bool mask is true (a null mask value drops its row), compacted into a new
 * `GpuTable` in their original order. Two submits: the first counts survivors per block of every
 * window and scans the counts (`scan.ts`), and reads back each input window's first output row
 * (a few words, from which the output is sized and each window's output windows are known); the
 * second gives every row its output row and scatters each column's values and validity bits.
 */
import { DuskError, PlanError } from '../../errors.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import type { GpuTable, GpuTableColumn } from '../upload-table.js';
import { deviceBytesPerRow, type GpuWindow } from '../upload.js';
import { bindWords, DispatchList, prepareScan, type PreparedScan } from './scan.js';

/** Rows per thread in the flag blocks (a block is WORKGROUP_SIZE * ITEMS rows). */
const ITEMS = 4;
/** The `@binding` of `params` in shaders/filter.wgsl. */
const PARAMS_BINDING = 12;

/** Usage of buffers a GpuTable holds (as `uploadTable` makes them); a function, as the WebGPU globals appear only once a device is acquired. */
function resident(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** What the first submit leaves for the second. */
interface Survivors {
  /** The first output row of each input window, then the total: windows + 1 numbers. */
  starts: number[];
  /** Each block's first output row (the scanned block counts), and each window's first block. */
  offsets: PooledBuffer;
  blockBase: number[];
  release(): void;
}

function shaderParams(gpu: GpuContext): { WORKGROUP_SIZE: number; ITEMS: number } {
  return { WORKGROUP_SIZE: gpu.workgroupSize, ITEMS };
}

function valuesOf(w: GpuWindow): GPUBufferBinding {
  return { buffer: w.values.buffer, offset: 0, size: w.valueBytes };
}

function validityOf(w: GpuWindow, none: PooledBuffer): GPUBufferBinding {
  return w.validity === null ? { buffer: none.buffer, offset: 0, size: 16 } : { buffer: w.validity.buffer, offset: 0, size: w.validityBytes };
}

/** Fails unless `mask` is bool and every column, the mask included, is in the table's windows. */
function checkInputs(table: GpuTable, mask: GpuTableColumn, label: string): void {
  if (mask.layout.kind !== 'bool') {
    throw new PlanError('TYPE_MISMATCH', `${label}: the filter mask '${mask.name}' must be bool, not ${String(mask.type)}`);
  }
  const count = Math.max(1, Math.ceil(table.rows / table.windowRows));
  for (const c of [mask, ...table.columns]) {
    const fits = c.windows.length === count && c.windows.every((w, i) => w.rows === Math.min(table.windowRows, table.rows - i * table.windowRows));
    if (!fits) {
      throw new DuskError(
        'LENGTH_MISMATCH',
        `${label}: column '${c.name}' is not in the table's ${count} window(s) of ${table.windowRows} rows (${table.rows} rows in all)`,
      );
    }
  }
}

/**
 * Submit 1: survivors per block of every window, scanned into each block's first output row,
 * and each window's first output row (plus the total) read back.
 */
async function countSurvivors(gpu: GpuContext, mask: GpuTableColumn, label: string): Promise<Survivors> {
  const block = gpu.workgroupSize * ITEMS;
  const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const count = await gpu.pipeline('filter', 'count_blocks', shaderParams(gpu));
  const blockBase: number[] = [];
  let blocks = 0;
  for (const w of mask.windows) {
    blockBase.push(blocks);
    blocks += Math.ceil(w.rows / block);
  }
  const loans: PooledBuffer[] = [];
  const list = new DispatchList(gpu, PARAMS_BINDING, `${label} count`);
  let scan: PreparedScan | null = null;
  const release = (): void => {
    scan?.release();
    list.release();
    for (const loan of loans.splice(0)) gpu.pool.release(loan);
  };
  try {
    const offsets = gpu.pool.acquire(Math.max(blocks, 1) * 4, resident(), `${label} block offsets`);
    const none = gpu.pool.acquire(16, GPUBufferUsage.STORAGE, `${label} no validity`);
    const startsBytes = (mask.windows.length + 1) * 4;
    const starts = gpu.pool.acquire(startsBytes, resident(), `${label} window starts`);
    loans.push(offsets, none, starts);
    mask.windows.forEach((w, i) => {
      const n = Math.ceil(w.rows / block);
      const groups = Math.min(n, maxGroups);
      const range = bindWords(gpu, offsets.buffer, blockBase[i]!, n);
      const params = [w.rows, w.bitOffset, w.validity === null ? 0 : 1, range.base, n, groups];
      list.add(count, [[0, valuesOf(w)], [1, validityOf(w, none)], [2, range.binding]], params, groups);
    });
    scan = await prepareScan(gpu, offsets.buffer, blocks, label);
    const prepared = scan;
    await gpu.submit(`${label} count`, (encoder) => {
      const pass = encoder.beginComputePass({ label: `${label} count` });
      list.encode(pass);
      pass.end();
      prepared.encode(encoder);
      // Each window's first block offset is its first output row.
      mask.windows.forEach((w, i) => {
        if (w.rows > 0) encoder.copyBufferToBuffer(offsets.buffer, blockBase[i]! * 4, starts.buffer, i * 4, 4);
      });
      encoder.copyBufferToBuffer(prepared.total, 0, starts.buffer, mask.windows.length * 4, 4);
    });
    const words = new Uint32Array(await gpu.read(starts.buffer, 0, startsBytes));
    // Only the one window of an empty table has no rows: it starts where the total is.
    const first = mask.windows.map((w, i) => (w.rows > 0 ? words[i]! : words[mask.windows.length]!));
    scan.release();
    scan = null;
    list.release();
    return { starts: [...first, words[mask.windows.length]!], offsets, blockBase, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** A GpuTable over `columns`, whose `release` gives back `loans`. */
function gpuTable(rows: number, windowRows: number, columns: GpuTableColumn[], loans: PooledBuffer[], gpu: GpuContext, label: string): GpuTable {
  return {
    rows,
    windowRows,
    columns,
    column(name: string): GpuTableColumn {
      const c = columns.find((x) => x.name === name);
      if (c === undefined) throw new PlanError('UNKNOWN_COLUMN', `${label}: no column '${name}' in the filtered table (${columns.map((x) => x.name).join(', ')})`);
      return c;
    },
    release(): void {
      for (const loan of loans.splice(0)) gpu.pool.release(loan);
    },
  };
}

/**
 * The output's buffers: `rows` rows of every column in windows of the input's row count (at
 * least one window, as `uploadTable` makes), with a bitmap only where the input had one.
 */
function allocateOutput(gpu: GpuContext, table: GpuTable, rows: number, label: string): GpuTable {
  const step = table.windowRows;
  const count = Math.max(1, Math.ceil(rows / step));
  const loans: PooledBuffer[] = [];
  try {
    const columns = table.columns.map((c): GpuTableColumn => {
      const perRow = deviceBytesPerRow(c.dtype);
      const nullable = c.windows.some((w) => w.validity !== null);
      const windows: GpuWindow[] = [];
      for (let k = 0; k < count; k++) {
        const n = Math.min(step, rows - k * step);
        const valueBytes = Math.max(n * perRow, 4);
        const values = gpu.pool.acquire(valueBytes, resident(), `${label} ${c.name}`);
        loans.push(values);
        const validityBytes = nullable ? Math.max(4, Math.ceil(n / 32) * 4) : 0;
        const validity = nullable ? gpu.pool.acquire(validityBytes, resident(), `${label} ${c.name} validity`) : null;
        if (validity !== null) loans.push(validity);
        windows.push({ values, valueBytes, validity, validityBytes, bitOffset: 0, rows: n });
      }
      return { name: c.name, type: c.type, layout: c.layout, dtype: c.dtype, windows };
    });
    return gpuTable(rows, step, columns, loans, gpu, label);
  } catch (error) {
    for (const loan of loans) gpu.pool.release(loan);
    throw error;
  }
}

/**
 * Submit 2: each input window's rows get their output rows (`dest_rows`), then every column's
 * values and validity bits go to each output window those rows reach.
 */
async function scatter(gpu: GpuContext, table: GpuTable, mask: GpuTableColumn, survivors: Survivors, out: GpuTable, label: string): Promise<void> {
  const wg = gpu.workgroupSize;
  const block = wg * ITEMS;
  const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const [destP, s32, s64, sBits] = await Promise.all(
    ['dest_rows', 'scatter_32', 'scatter_64', 'scatter_validity'].map((entry) => gpu.pipeline('filter', entry, shaderParams(gpu))),
  );
  const list = new DispatchList(gpu, PARAMS_BINDING, `${label} scatter`);
  // One row-destination buffer, reused window after window: dispatches in a pass run in order.
  const dest = gpu.pool.acquire(Math.max(table.windowRows * 4, 16), GPUBufferUsage.STORAGE, `${label} row destinations`);
  const none = gpu.pool.acquire(16, GPUBufferUsage.STORAGE, `${label} no validity`);
  try {
    const { starts, offsets, blockBase } = survivors;
    mask.windows.forEach((w, i) => {
      const [first, last] = [starts[i]!, starts[i + 1]!];
      if (first === last) return;
      const blocks = Math.ceil(w.rows / block);
      const blockGroups = Math.min(blocks, maxGroups);
      const range = bindWords(gpu, offsets.buffer, blockBase[i]!, blocks);
      const rowDest: GPUBufferBinding = { buffer: dest.buffer, offset: 0, size: w.rows * 4 };
      const destParams = [w.rows, w.bitOffset, w.validity === null ? 0 : 1, range.base, blocks, blockGroups];
      list.add(destP!, [[0, valuesOf(w)], [1, validityOf(w, none)], [3, range.binding], [4, rowDest]], destParams, blockGroups);
      const groups = Math.min(Math.ceil(w.rows / wg), maxGroups);
      for (let o = Math.floor(first / out.windowRows); o * out.windowRows < last; o++) {
        table.columns.forEach((c, j) => {
          const src = c.windows[i]!;
          const dst = out.columns[j]!.windows[o]!;
          const wide = deviceBytesPerRow(c.dtype) === 8;
          const params = [w.rows, src.bitOffset, src.validity === null ? 0 : 1, 0, 0, groups, o * out.windowRows, dst.rows];
          list.add(wide ? s64! : s32!, [[5, rowDest], [wide ? 8 : 6, valuesOf(src)], [wide ? 9 : 7, valuesOf(dst)]], params, groups);
          if (dst.validity !== null) {
            const bits: GPUBufferBinding = { buffer: dst.validity.buffer, offset: 0, size: dst.validityBytes };
            list.add(sBits!, [[5, rowDest], [10, validityOf(src, none)], [11, bits]], params, groups);
          }
        });
      }
    });
    await gpu.submit(`${label} scatter`, (encoder) => {
      // Validity bits are OR-ed in, so the output bitmaps start cleared.
      for (const c of out.columns) for (const v of c.windows) if (v.validity !== null) encoder.clearBuffer(v.validity.buffer, 0, v.validityBytes);
      const pass = encoder.beginComputePass({ label: `${label} scatter` });
      list.encode(pass);
      pass.end();
    });
  } finally {
    list.release();
    gpu.pool.release(dest);
    gpu.pool.release(none);
  }
}

/**
 * The rows of `table` where `mask` (a bool column in the table's windows) is true, a null mask
 * value dropping its row, as a new `GpuTable` with the same columns, layouts and dictionaries,
 * in windows of the input's row count; `table` and `mask` are left as they were.
 * @example
 * const resident = uploadTable(gpu, table, undefined, 'q1');
 * const kept = await filterTable(gpu, resident, resident.column('keep'), 'q1 filter');
 * const result = await downloadTable(gpu, kept); // kept.rows rows
 * kept.release(); resident.release();
 */
export async function filterTable(gpu: GpuContext, table: GpuTable, mask: GpuTableColumn, label = 'filter'): Promise<GpuTable> {
  checkInputs(table, mask, label);
  if (table.rows === 0) return allocateOutput(gpu, table, 0, label);
  const survivors = await countSurvivors(gpu, mask, label);
  try {
    const out = allocateOutput(gpu, table, survivors.starts.at(-1)!, label);
    try {
      if (out.rows > 0) await scatter(gpu, table, mask, survivors, out, label);
      return out;
    } catch (error) {
      out.release();
      throw error;
    }
  } finally {
    survivors.release();
  }
}

/**
 * How many rows of a resident bool column are true (null counts as false), counted on the device.
 * @example
 * const n = await maskCount(gpu, resident.column('keep'));
 */
export async function maskCount(gpu: GpuContext, mask: GpuTableColumn, label = 'mask count'): Promise<number> {
  if (mask.layout.kind !== 'bool') {
    throw new PlanError('TYPE_MISMATCH', `${label}: the mask '${mask.name}' must be bool, not ${String(mask.type)}`);
  }
  if (mask.windows.every((w) => w.rows === 0)) return 0;
  const survivors = await countSurvivors(gpu, mask, label);
  survivors.release();
  return survivors.starts.at(-1)!;
}
