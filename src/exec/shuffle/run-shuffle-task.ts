/**
 * Runs one shuffle task (src/exec/shuffle-task.ts) on the device the computation uses: a CPU
 * worker, with its input tables shipped as copies (a retry needs them again: most of them are
 * held by the memory manager, not owned by the task) and its output tables moved back, or the
 * main thread under scheduler 'sync'. Transient failures are retried like every other task.
 */
import * as arrow from 'apache-arrow';
import { notePeak, poolOptions, stageOnMainThread, unshipTableLike, withRetries, type ExecContext } from '../executor.js';
import { runShuffleTask, type ShuffleOutput, type ShuffleTask } from '../shuffle-task.js';
import { shipTable, type ShippedTable } from '../ship-table.js';

/** A shuffle task's result, its tables on this thread. */
export type ShuffleResult =
  | { kind: 'tables'; tables: arrow.Table[] }
  | { kind: 'table'; table: arrow.Table }
  | { kind: 'ids'; parts: Int32Array; rows: Int32Array };

function local(output: ShuffleOutput): ShuffleResult {
  switch (output.kind) {
    case 'tables':
      return { kind: 'tables', tables: output.tables.map(unshipTableLike) };
    case 'table':
      return { kind: 'table', table: unshipTableLike(output.table) };
    case 'ids':
      return output;
  }
}

/** `task` with its tables ready to post (shared memory as is, the rest copied). */
function posted(task: ShuffleTask, transfer: ArrayBuffer[]): ShuffleTask {
  const ship = (t: arrow.Table | ShippedTable): ShippedTable => {
    if (!(t instanceof arrow.Table)) return t;
    const s = shipTable(t, 'copy');
    transfer.push(...s.transfer);
    return s.shipped;
  };
  switch (task.kind) {
    case 'hash-split':
    case 'range-split':
    case 'take':
      return task.kind === 'range-split' ? { ...task, table: ship(task.table), boundaries: ship(task.boundaries) } : { ...task, table: ship(task.table) };
    case 'join':
      return { ...task, left: task.left.map(ship), right: task.right.map(ship) };
    case 'sort':
    case 'distinct':
      return { ...task, tables: task.tables.map(ship) };
  }
}

/**
 * Runs `task`, retrying transient failures; a final failure is a TaskError naming `operator`
 * and `partition` that cancels the computation.
 *
 * @example
 * const out = await runShuffle({ kind: 'sort', tables, schema, by, nullsLast: true }, ctx, 'sortValues→sort', 3);
 */
export function runShuffle(task: ShuffleTask, ctx: ExecContext, operator: string, partition: number): Promise<ShuffleResult> {
  return withRetries(ctx, 'shuffle', operator, partition, ctx.device, async ({ fault }) => {
    if (ctx.device === 'sync') {
      ctx.stats.tasks.sync++;
      await stageOnMainThread(fault, ctx);
      const result = local(runShuffleTask(task, false).output);
      notePeak(ctx.stats);
      return result;
    }
    const transfer: ArrayBuffer[] = [];
    const message = posted(task, transfer);
    ctx.stats.tasks.cpu++;
    const unique = [...new Set(transfer)].filter((b) => !(b instanceof SharedArrayBuffer) && b.byteLength > 0);
    const output = await ctx.pool.run('shuffle', message, unique, poolOptions(ctx, fault));
    notePeak(ctx.stats);
    return local(output);
  });
}
