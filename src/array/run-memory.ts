/**
 * `RunMemory`: the block memory of one graph run. Before a task is posted it gets its target:
 * an output block that is one contiguous run of the computed array is made in place there (the
 * array the user receives); any other block gets a buffer lent by the client's `BlockPool`,
 * and an output block among them is also copied into its box of the array by the task itself,
 * so the workers, not the main thread, assemble the result. A chain that feeds a reduction is
 * lent a scratch block for the task's duration.
 *
 * A lent buffer goes back to the pool only when nothing can read it any more: a result's once
 * its last reader has finished (`drop`) or the run is over (`close`), a scratch block once its
 * task has succeeded. An attempt that failed may have left a worker writing (an abandoned task
 * is ended asynchronously), so its buffers are forgotten, never lent again. Memory in the user's
 * array is never pooled.
 */
import { ARRAY_DTYPE_BYTES, type ArrayData, type ArrayDType, type Placement, sizeOf, viewData } from '../cpu/kernels/array-block.js';
import { blockSpec, type ArrayTask } from '../cpu/kernels/array-task.js';
import type { BlockPool } from './block-pool.js';

/** Where an output block goes: its box of the computed array, and whether that box is one run. */
export interface Destination extends Placement {
  contiguous: boolean;
}

export class RunMemory {
  /** Lent buffers holding results, by task key. */
  private readonly held = new Map<string, SharedArrayBuffer>();
  /** Lent scratch blocks of tasks in flight, by task key. */
  private readonly scratch = new Map<string, SharedArrayBuffer>();
  /** Output blocks their tasks write into the computed array. */
  private readonly written = new Set<string>();
  private closed = false;

  /**
   * Starts a run on `pool`; `places` are the output blocks' destinations by task key (only keys
   * that one output block alone refers to).
   *
   * @example
   * const memory = new RunMemory(blockPoolFor(ctx.pool), places);
   * try { await runGraph(graph, keys, { ctx, mode, memory }); } finally { memory.close(); }
   */
  constructor(private readonly pool: BlockPool, private readonly places: ReadonlyMap<string, Destination> = new Map()) {
    pool.beginRun();
  }

  /**
   * `task` (the one under `key`) with its target set.
   *
   * @example
   * const posted = memory.prepare(task.key, task.build(get));
   */
  prepare(key: string, task: ArrayTask): ArrayTask {
    let out: ArrayTask = task;
    const spec = blockSpec(task);
    const n = spec === null ? 0 : sizeOf(spec.shape);
    if (spec !== null && n > 0) {
      const dest = this.places.get(key);
      if (dest !== undefined && dest.contiguous) {
        out = { ...task, out: dest.data.subarray(dest.base, dest.base + n) };
      } else {
        const data = this.lend(key, this.held, spec.dtype, n);
        if (data !== undefined) out = { ...out, out: data };
        if (dest !== undefined) out = { ...out, place: { data: dest.data, base: dest.base, strides: dest.strides, shape: dest.shape } };
      }
      if (dest !== undefined) this.written.add(key);
    }
    if (out.kind === 'reduce' && 'kind' in out.input && out.input.out === undefined) {
      const chain = out.input;
      const size = sizeOf(chain.shape);
      const data = size === 0 ? undefined : this.lend(key, this.scratch, chain.dtype, size);
      if (data !== undefined) out = { ...out, input: { ...chain, out: data } };
    }
    return out;
  }

  /** Whether the task under `key` writes its block into the computed array itself. */
  placed(key: string): boolean {
    return this.written.has(key);
  }

  /** The task under `key` succeeded: its scratch block goes back. */
  settled(key: string): void {
    this.giveBack(this.scratch, key);
  }

  /** An attempt of the task under `key` failed: what it was lent is forgotten, never lent again. */
  abandoned(key: string): void {
    for (const map of [this.held, this.scratch]) {
      const buffer = map.get(key);
      if (buffer === undefined) continue;
      map.delete(key);
      this.pool.forget(buffer);
    }
    this.written.delete(key);
  }

  /** Nothing reads the result under `key` any more. */
  drop(key: string): void {
    this.giveBack(this.held, key);
  }

  /**
   * Ends the run: every result still held goes back (call it once the results the caller read
   * are copied out), and the pool may trim what it keeps.
   *
   * @example
   * memory.close();
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const map of [this.held, this.scratch]) for (const key of [...map.keys()]) this.giveBack(map, key);
    this.pool.endRun();
  }

  /** A typed array over a lent buffer, or undefined when the block is too small to pool. */
  private lend(key: string, map: Map<string, SharedArrayBuffer>, dtype: ArrayDType, length: number): ArrayData | undefined {
    const bytes = length * ARRAY_DTYPE_BYTES[dtype];
    if (bytes < this.pool.minBytes) return undefined;
    // A retried task's earlier attempt was abandoned, so its buffer is not on this map any more.
    const buffer = this.pool.acquire(bytes);
    map.set(key, buffer);
    return viewData(dtype, buffer, length);
  }

  private giveBack(map: Map<string, SharedArrayBuffer>, key: string): void {
    const buffer = map.get(key);
    if (buffer === undefined) return;
    map.delete(key);
    this.pool.release(buffer);
  }
}
