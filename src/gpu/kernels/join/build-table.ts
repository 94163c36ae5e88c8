/**
 * The build side of the GPU join: the right side's distinct keys in an open-addressing hash
 * table on the device (`shaders/join-build.wgsl`), each right row's slot, and the rows per slot.
 * The table is split into sub-tables that each fit one storage binding; every right row window
 * is dispatched once per sub-table. A table that fills is built again four times larger, so a
 * small estimate of the distinct keys costs time, never a wrong answer.
 */
import { KernelError } from '../../../errors.js';
import type { PooledBuffer } from '../../buffer-pool.js';
import type { DeviceKeys, JoinRun } from './join-run.js';
import { StepList } from './step-list.js';

/** The `@binding` of `params` in join-build.wgsl. */
const PARAMS_BINDING = 6;

/** How a table of `cap` slots splits into sub-tables (the parameters both families read). */
export interface TableShape {
  cap: number;
  /** Slots per sub-table (a power of two) and their log2. */
  subCap: number;
  subBits: number;
  subs: number;
}

/** The built table: per right row its global slot (NONE for a null key), per slot its rows. */
export interface HashTable extends TableShape {
  /** 2 * width words a slot (the key's 16-bit halves, see shaders/lib/join-hash.wgsl). */
  table: PooledBuffer;
  counts: PooledBuffer;
  /** Per slot, one of its rows: the only one when `maxCount` is 1. */
  slotRows: PooledBuffer;
  /** The most right rows one key has (0 or 1: no key repeats). */
  maxCount: number;
  slots: PooledBuffer;
  /** Builds it took (more than one when a table filled). */
  rounds: number;
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, n)));
}

/**
 * The sub-tables of a `cap`-slot table on this run's device.
 * @example
 * tableShape(run, 1 << 20); // { cap: 1048576, subCap: 1048576, subBits: 20, subs: 1 } with large bindings
 */
export function tableShape(run: JoinRun, cap: number): TableShape {
  const subCap = Math.min(cap, run.subMax);
  return { cap, subCap, subBits: Math.log2(subCap), subs: cap / subCap };
}

/**
 * Words 2-5 of `TableParams` (shaders/lib/join-hash.wgsl): the sub-table, its slots, their log2, subs - 1.
 * @example
 * const params = [rows, hasValid, ...subParams(shape, sub), rowBase, 0];
 */
export function subParams(shape: TableShape, sub: number): number[] {
  return [sub, shape.subCap, shape.subBits, shape.subs - 1];
}

/**
 * Inserts every non-null right key, sizing the first table for `estimate` distinct keys.
 * @example
 * const built = await buildTable(run, right, right.validRows);
 */
export async function buildTable(run: JoinRun, right: DeviceKeys, estimate: number): Promise<HashTable> {
  const { gpu, width, label } = run;
  const insert = await gpu.pipeline('join-build', 'insert_main', { WORKGROUP_SIZE: run.wg, KEY_WORDS: width });
  const slotBytes = 2 * width * 4;
  const most = 2 ** Math.floor(Math.log2(gpu.device.limits.maxBufferSize / slotBytes));
  const slots = run.take(right.rows * 4, `${label} right slots`);
  let cap = Math.min(nextPow2(2 * Math.max(1, estimate)), most);
  for (let rounds = 1; ; rounds++) {
    const shape = tableShape(run, cap);
    const table = run.take(cap * slotBytes, `${label} hash table`);
    const counts = run.take(cap * 4, `${label} slot counts`);
    const slotRows = run.take(cap * 4, `${label} slot rows`);
    const full = run.take(16, `${label} table full`);
    const steps = new StepList(gpu, `${label} build`);
    try {
      steps.clear(table.buffer, cap * slotBytes);
      steps.clear(counts.buffer, cap * 4);
      steps.clear(full.buffer, 16);
      for (const span of right.windows) {
        for (let sub = 0; sub < shape.subs; sub++) {
          steps.dispatch(insert, PARAMS_BINDING, [
            [0, run.words(right.keys, span.first, span.count, width)],
            [1, run.validity(right, span)],
            [2, run.words(table, sub * shape.subCap, shape.subCap, 2 * width)],
            [3, run.words(counts, sub * shape.subCap, shape.subCap)],
            [4, run.words(slots, span.first, span.count)],
            [5, run.words(full, 0, 4)],
            [7, run.words(slotRows, sub * shape.subCap, shape.subCap)],
          ], [span.count, right.valid === null ? 0 : 1, ...subParams(shape, sub), span.first], run.groups(span.count));
        }
      }
      await steps.submit();
    } finally {
      steps.release();
    }
    const [isFull, maxCount] = new Uint32Array(await gpu.read(full.buffer, 0, 8));
    run.drop(full);
    if (isFull === 0) return { ...shape, table, counts, slotRows, maxCount: Math.max(maxCount!, right.validRows > 0 ? 1 : 0), slots, rounds };
    run.drop(table);
    run.drop(counts);
    run.drop(slotRows);
    if (cap >= most) {
      throw new KernelError('JOIN_TABLE_FULL', `${label}: ${right.validRows} right keys do not fit a hash table of ${cap} slots`);
    }
    cap = Math.min(cap * 4, most);
  }
}
