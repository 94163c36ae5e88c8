/**
 * merge, executed. Both sides are computed first; then a side that may be broadcast for this
 * `how` (the right one for inner/left/semi/anti, the left one for inner/right) and is no larger
 * than the threshold is put in shared memory once and joined to each partition of the other
 * side, which keeps its partitioning. Otherwise both sides are split by key hash into P buckets
 * (pieces held in the store, spilled above the memory limit) and each bucket is joined on its
 * own: equal keys meet in one bucket, whatever their partition or dictionary.
 */
import * as arrow from 'apache-arrow';
import { concatTables, emptyTable } from '../concat-tables.js';
import { encodeSchema, shareTable } from '../ship-table.js';
import type { Shuffle } from '../../plan/stage.js';
import { joinSchema } from '../../cpu/kernels/join-tables.js';
import type { ShuffleRun } from './run-shuffle.js';
import type { ShuffleResult } from './run-shuffle-task.js';
import type { ShuffleTask } from '../shuffle-task.js';
import { gpuJoinBucket } from './gpu-bucket.js';
import { bucketCount, splitAll } from './split-all.js';

type JoinShuffle = Extract<Shuffle, { kind: 'join' }>;

/** Whether a bucket with these sides' row counts can produce rows. */
function bucketMatters(how: JoinShuffle['spec']['how'], leftRows: number, rightRows: number): boolean {
  switch (how) {
    case 'inner':
    case 'semi':
      return leftRows > 0 && rightRows > 0;
    case 'left':
    case 'anti':
      return leftRows > 0;
    case 'right':
      return rightRows > 0;
    case 'outer':
      return leftRows > 0 || rightRows > 0;
  }
}

function keySchema(schema: arrow.Schema, keys: readonly string[]): Uint8Array {
  return encodeSchema(new arrow.Schema(keys.map((k) => schema.fields.find((f) => f.name === k)!)));
}

export async function runJoin(shuffle: JoinShuffle, run: ShuffleRun): Promise<arrow.Table[]> {
  const { spec } = shuffle;
  const outSchema = joinSchema(shuffle.left.schema, shuffle.right.schema, spec);
  // Both sides at once: the pool takes tasks from either.
  const [left, right] = await Promise.all([run.materialize(shuffle.left, 1), run.materialize(shuffle.right, 1)]);
  const leftSchema = encodeSchema(shuffle.left.schema);
  const rightSchema = encodeSchema(shuffle.right.schema);

  /** Joins one bucket's pieces: on the GPU (gather maps from its hash join) or in a CPU task. */
  const joinBucket = async (step: string, i: number, l: arrow.Table[], r: arrow.Table[], task: (t: ShuffleTask) => Promise<ShuffleResult>): Promise<arrow.Table | null> => {
    const cpu = async (): Promise<arrow.Table | null> => {
      const out = await task({ kind: 'join', left: l, right: r, leftSchema, rightSchema, spec });
      return out.kind === 'table' ? out.table : null;
    };
    if (shuffle.device !== 'gpu') return cpu();
    return run.onGpu(step, i, (gpu) => gpuJoinBucket(gpu, l, r, shuffle.left.schema, shuffle.right.schema, spec), cpu);
  };

  const side = shuffle.broadcastSides.find((s) => (s === 'left' ? left : right).bytes <= shuffle.broadcastBytes);
  if (side !== undefined) {
    const small = side === 'left' ? left : right;
    const large = side === 'left' ? right : left;
    const smallSchema = side === 'left' ? shuffle.left.schema : shuffle.right.schema;
    // One copy in shared memory: every task reads it without shipping it again.
    const whole = await run.store.with(small.keys, async (tables) => shareTable(concatTables(tables, smallSchema)));
    const outs = await run.tasks(`broadcast ${side}`, large.keys.length, (i, task) => run.store.with([large.keys[i]!], async ([part]) => {
      if (!bucketMatters(spec.how, side === 'left' ? whole.numRows : part!.numRows, side === 'left' ? part!.numRows : whole.numRows)) return null;
      const [l, r] = side === 'left' ? [whole, part!] : [part!, whole];
      return joinBucket(`broadcast ${side}`, i, [l], [r], task);
    }));
    const kept = outs.filter((t): t is arrow.Table => t !== null);
    return kept.length > 0 ? kept : [emptyTable(outSchema)];
  }

  const parts = bucketCount(Math.max(left.keys.length, right.keys.length), left.bytes + right.bytes, run.ctx.workers);
  const [leftPieces, rightPieces] = await Promise.all([
    splitAll(run, 'split left', left.keys, { keys: spec.leftOn, parts, against: keySchema(shuffle.right.schema, spec.rightOn), ids: false }),
    splitAll(run, 'split right', right.keys, { keys: spec.rightOn, parts, against: keySchema(shuffle.left.schema, spec.leftOn), ids: false }),
  ]);
  const outs = await run.tasks('join buckets', parts, async (b, task) => {
    const l = leftPieces.map((p) => p[b]!);
    const r = rightPieces.map((p) => p[b]!);
    const leftRows = l.reduce((n, p) => n + p.rows, 0);
    const rightRows = r.reduce((n, p) => n + p.rows, 0);
    const keys = [...l, ...r].map((p) => p.key);
    if (!bucketMatters(spec.how, leftRows, rightRows)) {
      for (const k of keys) run.store.release(k);
      return null;
    }
    return run.store.with(keys, (tables) => joinBucket('join buckets', b, tables.slice(0, l.length), tables.slice(l.length), task));
  });
  const kept = outs.filter((t): t is arrow.Table => t !== null && t.numRows > 0);
  return kept.length > 0 ? kept : [emptyTable(outSchema)];
}
