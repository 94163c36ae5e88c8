/**
 * The output of the GPU join, in one submit and two reads: every left row writes its output
 * rows (`expand_main`: the left row, and the list position of each match), the list positions
 * become right rows (`gather_main`; not needed when the positions are the right rows, see
 * `RightLists`), and right and outer joins append the unmatched right rows (`tail_main`). The
 * output arrays are bound in windows, and every pass that writes by position is dispatched
 * once per output window it may reach.
 */
import type { GatherMaps } from '../../../cpu/kernels/key-words.js';
import type { RightLists } from './right-lists.js';
import { spans, type DeviceKeys, type JoinRun, type Span } from './join-run.js';
import { probePipeline, SPAN_PARAMS, type Probed, type Totals } from './probe-left.js';
import { StepList } from './step-list.js';

/** Output windows that overlap [from, to). */
function overlapping(windows: Span[], from: number, to: number): Span[] {
  return windows.filter((w) => w.first < to && w.first + w.count > from);
}

/**
 * Writes and reads back the gather maps of `totals.left + totals.tail` rows; `lists` is null for
 * semi and anti joins, whose right map is all -1.
 * @example
 * const maps = await writePairs(run, left, right, probed, lists, totals);
 */
export async function writePairs(
  run: JoinRun, left: DeviceKeys, right: DeviceKeys, probed: Probed, lists: RightLists | null, totals: Totals,
): Promise<GatherMaps> {
  const { gpu, label } = run;
  const n = totals.left + totals.tail;
  if (n === 0) return { left: new Int32Array(0), right: new Int32Array(0) };
  const [expand, gather, tail] = await Promise.all(['expand_main', 'gather_main', 'tail_main'].map((e) => probePipeline(run, e)));
  const outLeft = run.take(n * 4, `${label} left map`);
  const outIndex = run.take(n * 4, `${label} list positions`);
  // Semi and anti joins pair no right rows: their right map is -1 throughout, made on the host.
  // When list positions are right rows, they are the right map.
  const outRight = lists === null ? run.dummyOut : lists.rows === null ? outIndex : run.take(n * 4, `${label} right map`);
  const outWindows = spans(n, run.spanWindow);
  const steps = new StepList(gpu, `${label} output`);
  try {
    for (const span of left.windows) {
      for (const out of overlapping(outWindows, 0, totals.left)) {
        const rows = Math.min(out.count, totals.left - out.first);
        steps.dispatch(expand!, SPAN_PARAMS, [
          [6, run.words(probed.starts, span.first, span.count)],
          [7, run.words(probed.outs, span.first, span.count)],
          [11, run.words(probed.outOffsets, span.first, span.count)],
          [12, run.words(outLeft, out.first, rows)],
          [13, run.words(outIndex, out.first, rows)],
        ], [span.count, span.first, out.first, rows, 0, 0, 0, 0], run.groups(span.count));
      }
    }
    const sorted = lists?.rows ?? null;
    if (sorted !== null) {
      // With no right rows in any list every position is NONE: one dispatch still writes them.
      const listWindows = right.validRows > 0 ? spans(right.validRows, run.spanWindow) : [{ first: 0, count: 0 }];
      for (const out of overlapping(outWindows, 0, totals.left)) {
        const rows = Math.min(out.count, totals.left - out.first);
        listWindows.forEach((list, k) => {
          steps.dispatch(gather!, SPAN_PARAMS, [
            [13, run.words(outIndex, out.first, rows)],
            [14, list.count === 0 ? run.words(run.dummy, 0, 4) : run.words(sorted, list.first, list.count)],
            [15, run.words(outRight, out.first, rows)],
          ], [rows, 0, out.first, rows, list.first, list.count, k === 0 ? 1 : 0, 0], run.groups(rows));
        });
      }
    }
    if (probed.unmatched !== null && probed.tailOffsets !== null && totals.tail > 0) {
      for (const span of right.windows) {
        for (const out of overlapping(outWindows, totals.left, n)) {
          steps.dispatch(tail!, SPAN_PARAMS, [
            [10, run.words(probed.unmatched, span.first, span.count)],
            [12, run.words(outLeft, out.first, out.count)],
            [15, run.words(outRight, out.first, out.count)],
            [16, run.words(probed.tailOffsets, span.first, span.count)],
          ], [span.count, span.first, out.first, out.count, 0, 0, 0, totals.left], run.groups(span.count));
        }
      }
    }
    await steps.submit();
  } finally {
    steps.release();
  }
  const leftMap = new Int32Array(await gpu.read(outLeft.buffer, 0, n * 4));
  const rightMap = lists === null ? new Int32Array(n).fill(-1) : new Int32Array(await gpu.read(outRight.buffer, 0, n * 4));
  return { left: leftMap, right: rightMap };
}
