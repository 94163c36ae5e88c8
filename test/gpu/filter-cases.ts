/**
 * Shared by the GPU filter suites: random host tables with every device layout and its hard
 * values, masks of several shapes, and the check that runs the GPU filter and its CPU twin on
 * the same table and compares them row by row.
 */
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import { filterTable as cpuFilter } from '../../src/cpu/kernels/filter-table.js';
import { downloadTable } from '../../src/gpu/download-table.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';
import { filterTable } from '../../src/gpu/kernels/filter.js';
import { uploadTable, type GpuTable } from '../../src/gpu/upload-table.js';
import type { Random } from '../util/random.js';

/** How the mask's values fall: random with nulls, all true, all false, or long runs of each. */
export type MaskShape = 'random' | 'all' | 'none' | 'runs' | 'sparse';

type Gen = (r: Random) => unknown;

function pick<T>(r: Random, special: readonly T[], otherwise: () => T): T {
  return r.next() < 0.3 ? special[r.int(0, special.length - 1)]! : otherwise();
}

const F64_SPECIAL = [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, -Number.MIN_VALUE, 2 ** 90];
const F32_SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 3.4028234663852886e38, -1.401298464324817e-45];
const I64_SPECIAL = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n, 2n ** 32n, -(2n ** 32n) - 1n];
const U64_SPECIAL = [0n, 2n ** 64n - 1n, 2n ** 63n, 2n ** 32n - 1n];

/** Column name → Arrow type, value generator and null share. */
const COLUMNS: Record<string, [arrow.DataType, Gen, number]> = {
  f64: [new arrow.Float64(), (r) => pick(r, F64_SPECIAL, () => (r.next() - 0.5) * 1e12), 0.15],
  f32: [new arrow.Float32(), (r) => pick(r, F32_SPECIAL, () => Math.fround((r.next() - 0.5) * 1e6)), 0.15],
  i64: [new arrow.Int64(), (r) => pick(r, I64_SPECIAL, () => r.bits64(true)), 0.15],
  u64: [new arrow.Uint64(), (r) => pick(r, U64_SPECIAL, () => r.bits64(false)), 0.1],
  i32: [new arrow.Int32(), (r) => pick(r, [-(2 ** 31), 2 ** 31 - 1, 0], () => r.int(-1e9, 1e9)), 0.2],
  dense: [new arrow.Int32(), (r) => r.int(-5, 5), 0],
  u32: [new arrow.Uint32(), (r) => pick(r, [0, 2 ** 32 - 1], () => r.int(0, 2 ** 32 - 1)), 0.1],
  i8: [new arrow.Int8(), (r) => r.int(-128, 127), 0.1],
  i16: [new arrow.Int16(), (r) => r.int(-32768, 32767), 0.1],
  u8: [new arrow.Uint8(), (r) => r.int(0, 255), 0.1],
  u16: [new arrow.Uint16(), (r) => r.int(0, 65535), 0],
  flag: [new arrow.Bool(), (r) => r.int(0, 1) === 1, 0.2],
  word: [new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), (r) => ['ant', 'bee', 'cat', 'dog', 'eel'][r.int(0, 4)], 0.1],
};

function maskValue(shape: MaskShape, i: number, r: Random, runs: { left: number; value: boolean | null }): boolean | null {
  switch (shape) {
    case 'all':
      return true;
    case 'none':
      return r.next() < 0.3 ? null : false;
    case 'sparse':
      return r.next() < 0.02 ? true : r.next() < 0.5 ? null : false;
    case 'runs':
      if (runs.left === 0) {
        runs.left = r.int(1, 1500);
        runs.value = r.next() < 0.1 ? null : r.next() < 0.5;
      }
      runs.left--;
      return runs.value;
    default:
      return i % 17 === 3 ? null : r.next() < 0.5;
  }
}

/**
 * A table of `n` rows in a few chunks (so dictionaries differ between chunks), with a bool column
 * `keep` shaped as asked.
 */
export function randomTable(n: number, shape: MaskShape, r: Random): arrow.Table {
  const cuts = [0];
  while (cuts.at(-1)! < n) cuts.push(Math.min(n, cuts.at(-1)! + r.int(1, Math.max(1, Math.ceil(n / 2)))));
  if (n === 0) cuts.push(0);
  const children: Record<string, arrow.Vector> = {};
  for (const [name, [type, gen, nulls]] of Object.entries(COLUMNS)) {
    const chunks = cuts.slice(1).map((end, k) => {
      const values = Array.from({ length: end - cuts[k]! }, () => (r.next() < nulls ? null : gen(r)));
      return arrow.vectorFromArray(values, type as arrow.DataType).data[0]!;
    });
    children[name] = new arrow.Vector(chunks);
  }
  const runs = { left: 0, value: null as boolean | null };
  const keep = Array.from({ length: n }, (_, i) => maskValue(shape, i, r, runs));
  children.keep = arrow.vectorFromArray(keep, new arrow.Bool());
  return new arrow.Table(children);
}

function rowsOf(table: arrow.Table): unknown[] {
  return table.toArray().map((row) => (row as { toJSON(): unknown }).toJSON());
}

/** The first row where two row lists differ, as a message (empty when they are equal). */
function firstDifference(got: unknown[], want: unknown[]): string {
  if (got.length !== want.length) return `${got.length} rows, expected ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    try {
      expect(got[i]).toEqual(want[i]);
    } catch {
      return `row ${i}: ${String(JSON.stringify(got[i], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))} ≠ expected`;
    }
  }
  return '';
}

/** Window counts of a checked run: the input's and the (last) result's, and the result's rows. */
export interface FilterRun {
  inputWindows: number;
  outputWindows: number;
  rows: number;
}

/**
 * Uploads `table`, filters it on the device by its `keep` column (then, when `twice`, the result
 * by its `flag` column), and checks the downloaded result against the CPU twin, the output's
 * windows and bitmaps, that the input is unchanged, and that every buffer goes back to the pool.
 */
export async function expectFilterMatches(gpu: GpuContext, table: arrow.Table, twice = false): Promise<FilterRun> {
  const before = gpu.pool.snapshot().bytesInUse;
  const resident = uploadTable(gpu, table, undefined, 'filter test');
  let filtered: GpuTable | null = null;
  let again: GpuTable | null = null;
  let run: FilterRun;
  try {
    filtered = await filterTable(gpu, resident, resident.column('keep'), 'filter test');
    let want = cpuFilter(table, table.getChild('keep')!);
    let result = filtered;
    if (twice) {
      again = await filterTable(gpu, filtered, filtered.column('flag'), 'filter test again');
      want = cpuFilter(want, want.getChild('flag')!);
      result = again;
    }
    expect(result.rows).toBe(want.numRows);
    expect(result.windowRows).toBe(resident.windowRows);
    expect(result.columns.map((c) => c.name)).toEqual(resident.columns.map((c) => c.name));
    for (const c of result.columns) {
      expect(c.windows.length).toBe(Math.max(1, Math.ceil(result.rows / result.windowRows)));
      expect(c.windows.reduce((n, w) => n + w.rows, 0)).toBe(result.rows);
      const hadBitmap = resident.column(c.name).windows.some((w) => w.validity !== null);
      expect(c.windows.every((w) => (w.validity !== null) === hadBitmap && w.bitOffset === 0), c.name).toBe(true);
    }
    const got = await downloadTable(gpu, result);
    expect(got.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(want.schema.fields.map((f) => `${f.name}: ${String(f.type)}`));
    expect(firstDifference(rowsOf(got), rowsOf(want))).toBe('');
    expect(firstDifference(rowsOf(await downloadTable(gpu, resident)), rowsOf(table))).toBe('');
    run = { inputWindows: resident.columns[0]!.windows.length, outputWindows: result.columns[0]!.windows.length, rows: result.rows };
  } finally {
    again?.release();
    filtered?.release();
    resident.release();
  }
  expect(gpu.pool.snapshot().bytesInUse).toBe(before);
  return run;
}
