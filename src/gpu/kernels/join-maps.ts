/**
 * The GPU twin of `joinMaps` (src/cpu/kernels/join-maps.ts): a hash join of two sides' key
 * words that answers with gather maps in exactly the CPU twin's order — pairs in left row
 * order, one left row's matches in ascending right row order, then (right, outer) the right
 * rows that matched nothing.
 *
 * How state flows (three submits, two small readbacks between them, `join/`):
 *   1. build-table   the right keys go into a hash table; each right row gets its slot, each
 *                    slot its row count (retried with a larger table when one fills);
 *   2. right-lists   the counts are scanned into list starts and the right rows radix-sorted
 *                    by slot, stably, so each slot's rows form an ordered list (when no right
 *                    key repeats, a slot's list is its one row: nothing to scan or sort);
 *      probe-left    each left row finds its slot, so its list and its output rows, which
 *                    are scanned into output offsets (the totals are read back);
 *   3. write-pairs   the output is sized from the totals, written and read back.
 * Every array is bound in windows no larger than one storage binding, the hash table in
 * sub-tables that each fit one, so any size the device's buffers hold is joined.
 */
import type { GatherMaps, JoinHow, KeyWords } from '../../cpu/kernels/key-words.js';
import { DuskError, PlanError } from '../../errors.js';
import type { GpuContext } from '../gpu-context.js';
import { buildTable } from './join/build-table.js';
import { JoinRun } from './join/join-run.js';
import { encodeProbe, readTotals } from './join/probe-left.js';
import { encodeRightLists } from './join/right-lists.js';
import { StepList } from './join/step-list.js';
import { writePairs } from './join/write-pairs.js';

export interface JoinMapsGpuOptions {
  /** Expected distinct right keys; the first hash table is sized for it (default: the non-null right rows). */
  capacity?: number;
  /** Names the join in buffer labels and errors. */
  label?: string;
}

/** The maps, and how the device got them. */
export interface JoinMapsGpuRun {
  maps: GatherMaps;
  /** Hash tables the build made (more than one when a table filled; 0 when a side was empty). */
  buildRounds: number;
  /** Whether the right rows were sorted into per-key lists (not needed when no right key repeats). */
  sortedLists: boolean;
}

const HOWS: ReadonlySet<string> = new Set(['inner', 'left', 'right', 'outer', 'semi', 'anti']);

function check(left: KeyWords, right: KeyWords, how: JoinHow, label: string): void {
  if (!HOWS.has(how)) throw new PlanError('JOIN_HOW', `${label}: unknown join kind '${String(how)}' (inner, left, right, outer, semi or anti)`);
  if (left.width !== right.width || !Number.isInteger(left.width) || left.width < 0) {
    throw new PlanError('JOIN_KEYS', `${label}: the left keys have ${left.width} words per row and the right keys ${right.width}: build both from the same encodings`);
  }
  for (const [name, side] of [['left', left], ['right', right]] as const) {
    if (side.rows > 0x7fffffff - 1 || side.words.length < side.rows * side.width || (side.valid !== null && side.valid.length < side.rows)) {
      throw new DuskError('LENGTH_MISMATCH', `${label}: ${name} keys of ${side.rows} rows have ${side.words.length} words and ${side.valid?.length ?? 'no'} validity bytes`);
    }
  }
}

/**
 * Keys of no words (no key columns) are all equal, as in the CPU twin: every non-null row
 * matches every other. The shaders want at least one word, so such keys become one 0 word.
 */
function oneWordAtLeast(side: KeyWords): KeyWords {
  return side.width > 0 ? side : { rows: side.rows, width: 1, words: new Uint32Array(side.rows), valid: side.valid };
}

/** The maps when one side has no rows: every row of the other side that the join keeps, unpaired. */
function oneSideEmpty(left: KeyWords, right: KeyWords, how: JoinHow): GatherMaps {
  const keepLeft = right.rows === 0 && (how === 'left' || how === 'outer' || how === 'anti');
  const keepRight = left.rows === 0 && (how === 'right' || how === 'outer');
  const n = keepLeft ? left.rows : keepRight ? right.rows : 0;
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const none = new Int32Array(n).fill(-1);
  return keepLeft ? { left: rows, right: none } : { left: none, right: rows };
}

/**
 * Joins `left` with `right` on the device, also saying how many hash tables the build took.
 * @example
 * const { maps, buildRounds } = await joinMapsGpuRun(gpu, left, right, 'inner', { capacity: 4 });
 */
export async function joinMapsGpuRun(
  gpu: GpuContext, left: KeyWords, right: KeyWords, how: JoinHow, options: JoinMapsGpuOptions = {},
): Promise<JoinMapsGpuRun> {
  const label = options.label ?? `join (${how})`;
  check(left, right, how, label);
  if (left.rows === 0 || right.rows === 0) return { maps: oneSideEmpty(left, right, how), buildRounds: 0, sortedLists: false };
  const run = new JoinRun(gpu, Math.max(1, left.width), label);
  try {
    const r = run.upload(oneWordAtLeast(right), 'right');
    const l = run.upload(oneWordAtLeast(left), 'left');
    const built = await buildTable(run, r, options.capacity ?? r.validRows);
    const steps = new StepList(gpu, `${label} probe`);
    try {
      const lists = how === 'semi' || how === 'anti' ? null : await encodeRightLists(run, steps, r, built);
      const probed = await encodeProbe(run, steps, l, r, built, lists?.offsets ?? null, how);
      await steps.submit();
      const totals = await readTotals(run, probed, how);
      const maps = await writePairs(run, l, r, probed, lists, totals);
      return { maps, buildRounds: built.rounds, sortedLists: lists?.rows != null };
    } finally {
      steps.release();
    }
  } finally {
    run.release();
  }
}

/**
 * Which rows of `left` and `right` pair up in a join on their key words: the GPU twin of
 * `joinMaps`, with the same maps in the same order (-1 where a side has no row). Null keys
 * (`valid[r] = 0`) never match.
 * @example
 * const maps = await joinMapsGpu(gpu, leftKeys, rightKeys, 'left');
 * // left row maps.left[i] pairs with right row maps.right[i] (-1: none)
 */
export async function joinMapsGpu(gpu: GpuContext, left: KeyWords, right: KeyWords, how: JoinHow): Promise<GatherMaps> {
  return (await joinMapsGpuRun(gpu, left, right, how)).maps;
}
