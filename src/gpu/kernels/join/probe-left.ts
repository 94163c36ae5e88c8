/**
 * The probe side of the GPU join (`shaders/join-probe.wgsl`), encoded into the submit that also
 * sorts the right lists: every left row looks its key up (per sub-table, as the build inserted)
 * and gets its list start and its output rows by `how`; the output rows are scanned into each
 * left row's first output row, after a check that they fit 31 bits when the sizes alone cannot
 * rule it out (more left rows times right rows per key than that). Right and outer joins also
 * flag the right rows that matched nothing and scan the flags into their places after the left
 * part. `readTotals` then reads the sizes back: the one readback between probe and output.
 */
import type { JoinHow } from '../../../cpu/kernels/key-words.js';
import { MemoryLimitError } from '../../../errors.js';
import type { PooledBuffer } from '../../buffer-pool.js';
import { prepareScan } from '../scan.js';
import { subParams, type HashTable } from './build-table.js';
import type { DeviceKeys, JoinRun } from './join-run.js';
import type { StepList } from './step-list.js';

/** The `@binding`s of the two parameter structs in join-probe.wgsl. */
export const TABLE_PARAMS = 17;
export const SPAN_PARAMS = 18;
/** Workgroups of `total_main` per window. */
const TOTAL_GROUPS = 64;
const HOW_CODES: Readonly<Record<JoinHow, number>> = { inner: 0, left: 1, right: 2, outer: 3, semi: 4, anti: 5 };

/** What the probe leaves on the device for the output pass. */
export interface Probed {
  /** Per left row: its list start (NONE when unmatched or semi/anti), output rows, first output row. */
  starts: PooledBuffer;
  outs: PooledBuffer;
  outOffsets: PooledBuffer;
  /** Right and outer joins: per right row, 1 when it matched nothing, and its place in the tail. */
  unmatched: PooledBuffer | null;
  tailOffsets: PooledBuffer | null;
  /** Words: left output rows, 1 when they reach 2^31, right rows that matched nothing. */
  totals: PooledBuffer;
}

/** The sizes the output is made from. */
export interface Totals {
  left: number;
  tail: number;
}

/**
 * Whether the join keeps the right rows no left row matched.
 * @example
 * keepsRight('outer'); // true
 */
export function keepsRight(how: JoinHow): boolean {
  return how === 'right' || how === 'outer';
}

/**
 * An entry point of join-probe.wgsl for this run's key width.
 * @example
 * const expand = await probePipeline(run, 'expand_main');
 */
export function probePipeline(run: JoinRun, entry: string): Promise<GPUComputePipeline> {
  return run.gpu.pipeline('join-probe', entry, { WORKGROUP_SIZE: run.wg, KEY_WORDS: run.width });
}

/**
 * Encodes the probe, the output totals and the scans into `steps`; `offsets` are the slot list
 * starts (null for semi and anti joins, which need no lists).
 * @example
 * const probed = await encodeProbe(run, steps, left, right, built, lists?.offsets ?? null, 'inner');
 * await steps.submit();
 * const totals = await readTotals(run, probed, 'inner');
 */
export async function encodeProbe(
  run: JoinRun, steps: StepList, left: DeviceKeys, right: DeviceKeys, table: HashTable, offsets: PooledBuffer | null, how: JoinHow,
): Promise<Probed> {
  const { gpu, label, width } = run;
  const [probe, total, flag] = await Promise.all(['probe_main', 'total_main', 'unmatched_main'].map((e) => probePipeline(run, e)));
  const starts = run.take(left.rows * 4, `${label} left list starts`);
  const outs = run.take(left.rows * 4, `${label} left output rows`);
  const outOffsets = run.take(left.rows * 4, `${label} left output offsets`);
  const acc = run.take(16, `${label} output total`);
  const totals = run.take(16, `${label} totals`);
  const matched = keepsRight(how) ? run.take(table.cap * 4, `${label} matched slots`) : null;
  steps.clear(acc.buffer, 16);
  steps.clear(totals.buffer, 16);
  if (matched !== null) steps.clear(matched.buffer, table.cap * 4);
  for (const span of left.windows) {
    for (let sub = 0; sub < table.subs; sub++) {
      const slice = (loan: PooledBuffer | null): GPUBufferBinding =>
        (loan === null ? run.words(run.dummy, 0, 4) : run.words(loan, sub * table.subCap, table.subCap));
      steps.dispatch(probe!, TABLE_PARAMS, [
        [0, run.words(left.keys, span.first, span.count, width)],
        [1, run.validity(left, span)],
        [2, run.words(table.table, sub * table.subCap, table.subCap, 2 * width)],
        [3, slice(table.counts)],
        [4, slice(offsets)],
        [5, matched === null ? run.words(run.dummyOut, 0, 4) : run.words(matched, sub * table.subCap, table.subCap)],
        [6, run.words(starts, span.first, span.count)],
        [7, run.words(outs, span.first, span.count)],
      ], [span.count, left.valid === null ? 0 : 1, ...subParams(table, sub), 0, HOW_CODES[how]], run.groups(span.count));
    }
  }
  // Every left row makes at most max(maxCount, 1) rows; the scan is exact below 2^32.
  if (left.rows * Math.max(table.maxCount, 1) + right.rows > 0x7fffffff) {
    for (const span of left.windows) {
      // A reduction: few workgroups, each summing many rows, keep the barriers few.
      steps.dispatch(total!, SPAN_PARAMS, [[7, run.words(outs, span.first, span.count)], [8, run.words(acc, 0, 4)]],
        [span.count, span.first, 0, 0, 0, 0, 0, 0], Math.min(run.groups(span.count), TOTAL_GROUPS));
    }
  }
  steps.copy(outs.buffer, 0, outOffsets.buffer, 0, left.rows * 4);
  const leftScan = await prepareScan(gpu, outOffsets.buffer, left.rows, `${label} left output`);
  steps.scan(leftScan);
  steps.copy(leftScan.total, 0, totals.buffer, 0, 4);
  steps.copy(acc.buffer, 4, totals.buffer, 4, 4);
  if (matched === null) return { starts, outs, outOffsets, unmatched: null, tailOffsets: null, totals };

  const unmatched = run.take(right.rows * 4, `${label} unmatched right rows`);
  const tailOffsets = run.take(right.rows * 4, `${label} unmatched right offsets`);
  for (const span of right.windows) {
    for (let sub = 0; sub < table.subs; sub++) {
      steps.dispatch(flag!, TABLE_PARAMS, [
        [5, run.words(matched, sub * table.subCap, table.subCap)],
        [9, run.words(table.slots, span.first, span.count)],
        [10, run.words(unmatched, span.first, span.count)],
      ], [span.count, 0, ...subParams(table, sub), 0, HOW_CODES[how]], run.groups(span.count));
    }
  }
  steps.copy(unmatched.buffer, 0, tailOffsets.buffer, 0, right.rows * 4);
  const tailScan = await prepareScan(gpu, tailOffsets.buffer, right.rows, `${label} unmatched right`);
  steps.scan(tailScan);
  steps.copy(tailScan.total, 0, totals.buffer, 8, 4);
  return { starts, outs, outOffsets, unmatched, tailOffsets, totals };
}

/**
 * Reads the output sizes back once the probe's submit has run; fails when the output would
 * not fit 2^31 - 1 rows (the most an Int32Array gather map can address).
 * @example
 * const { left, tail } = await readTotals(run, probed, 'outer'); // left + tail output rows
 */
export async function readTotals(run: JoinRun, probed: Probed, how: JoinHow): Promise<Totals> {
  const words = new Uint32Array(await run.gpu.read(probed.totals.buffer, 0, 12));
  const [left, tooLarge, tail] = [words[0]!, words[1]!, words[2]!];
  if (tooLarge !== 0 || left + tail > 0x7fffffff) {
    throw new MemoryLimitError(
      'JOIN_TOO_LARGE',
      `${run.label} (${how}): the join makes ${tooLarge !== 0 ? 'at least 2^31' : left + tail} output rows, more than one gather map holds (2^31 - 1); split the partitions further`,
    );
  }
  return { left, tail };
}
