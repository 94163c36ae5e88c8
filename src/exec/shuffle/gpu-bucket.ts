/**
 * The GPU path of the shuffle's bucket tasks (scheduler 'gpu'), on the main thread where the
 * device lives: a join bucket's key words go to the GPU hash join, which answers with the
 * gather maps the CPU twin would give, and the rows are gathered on the host; a sort bucket's
 * one 32/64-bit key goes to the GPU radix sort, nulls kept apart and placed first or last.
 */
import type * as arrow from 'apache-arrow';
import { joinTables, type JoinSpec } from '../../cpu/kernels/join-tables.js';
import { KeyInterner, keyEncodings, keyWords } from '../../cpu/kernels/key-words.js';
import { sortKeyWords } from '../../cpu/kernels/sort-key-words.js';
import { nullsApart, pickWords, placeNulls } from '../../cpu/kernels/sort-rows.js';
import { takeRows } from '../../cpu/kernels/take-rows.js';
import type { GpuContext } from '../../gpu/gpu-context.js';
import { joinMapsGpu } from '../../gpu/kernels/join-maps.js';
import { radixSortGpu } from '../../gpu/kernels/radix-sort.js';
import type { SortKey } from '../../plan/logical-plan.js';
import { bucket } from '../shuffle-task.js';

/**
 * Joins one bucket's pieces with the gather maps from the GPU.
 *
 * @example
 * const out = await gpuJoinBucket(gpu, leftPieces, rightPieces, leftSchema, rightSchema, spec);
 */
export async function gpuJoinBucket(gpu: GpuContext, leftPieces: arrow.Table[], rightPieces: arrow.Table[], leftSchema: arrow.Schema, rightSchema: arrow.Schema, spec: JoinSpec): Promise<arrow.Table> {
  const left = bucket(leftPieces, leftSchema);
  const right = bucket(rightPieces, rightSchema);
  const l = spec.leftOn.map((c) => left.getChild(c)!);
  const r = spec.rightOn.map((c) => right.getChild(c)!);
  const encodings = keyEncodings(l.map((v) => v.type), r.map((v) => v.type), { left: spec.leftOn, right: spec.rightOn });
  const interner = new KeyInterner();
  const maps = await joinMapsGpu(gpu, keyWords(l, encodings, interner), keyWords(r, encodings, interner), spec.how);
  return joinTables(left, right, spec, maps);
}

/**
 * Sorts one bucket's pieces (in partition order) by one fixed-width key with the GPU radix sort; stable.
 *
 * @example
 * const sorted = await gpuSortBucket(gpu, pieces, schema, { column: 'v', descending: false }, true);
 */
export async function gpuSortBucket(gpu: GpuContext, pieces: arrow.Table[], schema: arrow.Schema, key: SortKey, nullsLast: boolean): Promise<arrow.Table> {
  const table = bucket(pieces, schema);
  const n = table.numRows;
  const { words, width, nulls } = sortKeyWords(table.getChild(key.column)!, key.descending);
  if (nulls.length === 0) return takeRows(table, await radixSortGpu(gpu, words, width, n, 'sortValues'));
  // The null rows are left out of the sort and put first or last, in their order.
  const apart = nullsApart(n, nulls, null);
  const valid = apart.valid!;
  const sorted = (await radixSortGpu(gpu, pickWords(words, width, valid), width, valid.length, 'sortValues')).map((k) => valid[k]!);
  const order = placeNulls(sorted, apart.nulls, nullsLast);
  return takeRows(table, order);
}
