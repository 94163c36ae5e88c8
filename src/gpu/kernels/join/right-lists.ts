/**
 * Each slot's list of right rows, in ascending row order, all lists in one array: the slot
 * counts scanned give each list's start (`offsets`), and a stable LSD radix sort of the right
 * rows by slot (`shaders/join-sort.wgsl`) puts every row where its list says. A left row's
 * matches are then one contiguous, ordered range, so the output comes in the order the CPU
 * twin gives without sorting it. Everything is encoded into the caller's submit.
 *
 * When no right key repeats (a lookup into a table of unique keys, the common case), a slot's
 * list is its one row: the lists are the identity over right rows and each slot's start is its
 * row, which the build kept, so there is nothing to scan or sort.
 */
import { bindWords, prepareScan } from '../scan.js';
import type { PooledBuffer } from '../../buffer-pool.js';
import type { HashTable } from './build-table.js';
import { spans, type DeviceKeys, type JoinRun, type Span } from './join-run.js';
import type { StepList } from './step-list.js';

/** The `@binding` of `params` in join-sort.wgsl. */
const PARAMS_BINDING = 6;
const FROM_ROWS = 1;
const WRITE_KEYS = 2;

export interface RightLists {
  /** Per slot, where its list starts in `rows`. */
  offsets: PooledBuffer;
  /**
   * The right rows with a non-null key, sorted by slot, each slot's in ascending order; null
   * when no key repeats: a list position is then the right row itself.
   */
  rows: PooledBuffer | null;
}

/** A sort pass's input: its windows and the buffers holding the keys (and rows, after the first pass). */
interface Source {
  windows: Span[];
  keys: PooledBuffer;
  rows: PooledBuffer | null;
}

/**
 * How many sort passes, and the digit bits of each, for keys below `cap` (a power of two).
 * @example
 * sortDigits(run, 1 << 18); // { passes: 3, bits: 6 } with 256-thread workgroups
 */
export function sortDigits(run: JoinRun, cap: number): { passes: number; bits: number } {
  const keyBits = Math.max(1, Math.log2(cap));
  // A digit's counts are one workgroup's lanes, and a window of hist needs room for a block.
  const maxBits = Math.min(8, Math.floor(Math.log2(run.wg)), Math.floor(Math.log2(run.maxWords / 2)));
  const passes = Math.ceil(keyBits / maxBits);
  return { passes, bits: Math.ceil(keyBits / passes) };
}

/**
 * Blocks of one `sort_columns` dispatch: their hist words, and the alignment slack, fit one binding.
 * @example
 * histWindowBlocks(run, 256); // 15 under a 16 KiB binding cap
 */
export function histWindowBlocks(run: JoinRun, radix: number): number {
  return Math.floor((run.maxWords - run.alignWords) / radix);
}

function blocksOf(run: JoinRun, windows: Span[]): number {
  return windows.reduce((n, w) => n + Math.ceil(w.count / run.wg), 0);
}

/** What every pass of one sort shares. */
interface SortPlan {
  hist: GPUComputePipeline;
  columns: GPUComputePipeline;
  starts: GPUComputePipeline;
  scatter: GPUComputePipeline;
  radix: number;
  histogram: PooledBuffer;
  carry: PooledBuffer;
  /** The windows of the sorted (key, row) arrays. */
  pairWindows: Span[];
}

/**
 * One stable pass on the digit at `shift`: histograms per block, their exclusive sums per digit
 * over blocks, the digit starts, then the scatter into (dstKeys, dstRows) (no keys on the last pass).
 */
function encodePass(run: JoinRun, steps: StepList, plan: SortPlan, source: Source, shift: number, dstKeys: PooledBuffer | null, dstRows: PooledBuffer): void {
  const { gpu } = run;
  const { radix, histogram, carry } = plan;
  const flags = (source.rows === null ? FROM_ROWS : 0) | (dstKeys === null ? 0 : WRITE_KEYS);
  const digitStarts = run.words(carry, 0, radix);
  steps.clear(carry.buffer, radix * 4);
  let block = 0;
  const windows = source.windows.map((w) => {
    const blocks = Math.ceil(w.count / run.wg);
    const at = bindWords(gpu, histogram.buffer, block * radix, blocks * radix);
    block += blocks;
    const params = (dst: Span): number[] => [w.count, w.first, flags, shift, radix, at.base, dst.first, dst.count];
    return { w, blocks, at, params };
  });
  for (const { w, blocks, at, params } of windows) {
    steps.dispatch(plan.hist, PARAMS_BINDING, [[0, run.words(source.keys, w.first, w.count)], [2, at.binding]], params({ first: 0, count: 0 }), blocks);
  }
  const perWindow = histWindowBlocks(run, radix);
  for (let b = 0; b < block; b += perWindow) {
    const count = Math.min(perWindow, block - b);
    const at = bindWords(gpu, histogram.buffer, b * radix, count * radix);
    steps.dispatch(plan.columns, PARAMS_BINDING, [[2, at.binding], [3, digitStarts]], [count, 0, 0, 0, radix, at.base, 0, 0], 1);
  }
  steps.dispatch(plan.starts, PARAMS_BINDING, [[3, digitStarts]], [0, 0, 0, 0, radix, 0, 0, 0], 1);
  for (const { w, blocks, at, params } of windows) {
    for (const dst of plan.pairWindows) {
      steps.dispatch(plan.scatter, PARAMS_BINDING, [
        [0, run.words(source.keys, w.first, w.count)],
        [1, source.rows === null ? run.words(run.dummy, 0, 4) : run.words(source.rows, w.first, w.count)],
        [2, at.binding],
        [3, digitStarts],
        [4, dstKeys === null ? run.words(run.dummyOut, 0, 4) : run.words(dstKeys, dst.first, dst.count)],
        [5, run.words(dstRows, dst.first, dst.count)],
      ], params(dst), blocks);
    }
  }
}

/**
 * Encodes the slot offsets (a scan of the counts) and the sorted right rows into `steps`.
 * @example
 * const lists = await encodeRightLists(run, steps, right, built);
 * await steps.submit(); // lists.rows now holds every slot's right rows in order
 */
export async function encodeRightLists(run: JoinRun, steps: StepList, right: DeviceKeys, table: HashTable): Promise<RightLists> {
  const { gpu, label } = run;
  if (table.maxCount <= 1) return { offsets: table.slotRows, rows: null };
  const offsets = run.take(table.cap * 4, `${label} slot offsets`);
  steps.copy(table.counts.buffer, 0, offsets.buffer, 0, table.cap * 4);
  steps.scan(await prepareScan(gpu, offsets.buffer, table.cap, `${label} slot offsets`));

  const [hist, columns, starts, scatter] = await Promise.all(
    ['sort_hist', 'sort_columns', 'sort_digits', 'sort_scatter'].map((entry) => gpu.pipeline('join-sort', entry, { WORKGROUP_SIZE: run.wg })),
  );
  const n = right.validRows;
  const { passes, bits } = sortDigits(run, table.cap);
  const radix = 2 ** bits;
  const pairWindows = spans(n, run.spanWindow);
  const histWords = Math.max(blocksOf(run, right.windows), blocksOf(run, pairWindows)) * radix;
  const plan: SortPlan = {
    hist: hist!, columns: columns!, starts: starts!, scatter: scatter!, radix, pairWindows,
    histogram: run.take(histWords * 4, `${label} sort histogram`),
    carry: run.take(radix * 4, `${label} sort digit starts`),
  };
  const rows = [run.take(n * 4, `${label} right lists`), passes > 1 ? run.take(n * 4, `${label} sort rows`) : null];
  const keys = [passes > 1 ? run.take(n * 4, `${label} sort keys`) : null, passes > 2 ? run.take(n * 4, `${label} sort keys`) : null];
  // The last pass writes rows[0], so pass p writes rows[(passes - 1 - p) % 2]; keys (read only
  // by the next pass) alternate from keys[0]. The first pass reads the rows' slots themselves.
  let source: Source = { windows: right.windows, keys: table.slots, rows: null };
  for (let p = 0; p < passes; p++) {
    const dstRows = rows[(passes - 1 - p) % 2]!;
    const dstKeys = p === passes - 1 ? null : keys[p % 2]!;
    encodePass(run, steps, plan, source, p * bits, dstKeys, dstRows);
    if (dstKeys !== null) source = { windows: pairWindows, keys: dstKeys, rows: dstRows };
  }
  return { offsets, rows: rows[0]! };
}
