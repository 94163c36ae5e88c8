/**
 * What one shuffle keeps between its tasks — its materialized inputs and the pieces its splits
 * make — held in the client's memory manager, so that a shuffle larger than `memoryLimit`
 * spills to disk and still completes. Each table is held for a known number of readers and
 * freed after the last; whatever is left when the shuffle ends (it failed, or was cancelled)
 * is discarded then. Without a memory manager (kernel-level tests) tables are kept as they are.
 */
import type * as arrow from 'apache-arrow';
import type { MemoryManager } from '../../sched/memory-manager.js';

let stores = 0;

export class ShuffleStore {
  private readonly prefix = `shuffle-${++stores}`;
  private readonly keys = new Set<string>();
  private readonly plain = new Map<string, arrow.Table>();
  private next = 0;

  constructor(private readonly memory: MemoryManager | undefined) {}

  /**
   * Holds `table` for `readers` reads; returns its key.
   *
   * @example
   * const key = store.hold(piece, 1); const t = await store.read(key); store.done(key);
   */
  hold(table: arrow.Table, readers = 1): string {
    const key = `${this.prefix}-${this.next++}`;
    this.keys.add(key);
    if (this.memory === undefined) this.plain.set(key, table);
    else this.memory.hold(key, table, { consumers: readers });
    return key;
  }

  /** The table under `key`, read back from disk if it was spilled; kept in memory until `done`. */
  async read(key: string): Promise<arrow.Table> {
    if (this.memory === undefined) return this.plain.get(key)!;
    this.memory.pin(key);
    return this.memory.get(key);
  }

  /** One reader of `key` is done with it (after `read`). */
  done(key: string): void {
    if (this.memory === undefined) return;
    if (!this.memory.has(key)) return;
    this.memory.unpin(key);
    if (this.memory.release(key)) this.keys.delete(key);
  }

  /** One reader of `key` will not read it after all (an empty bucket): its hold is released unread. */
  release(key: string): void {
    if (this.memory === undefined || !this.memory.has(key)) return;
    if (this.memory.release(key)) this.keys.delete(key);
  }

  /** Reads several keys, runs `use` on them, then marks them done (also when `use` fails). */
  async with<T>(keys: readonly string[], use: (tables: arrow.Table[]) => Promise<T>): Promise<T> {
    const read: string[] = [];
    try {
      const tables: arrow.Table[] = [];
      for (const k of keys) {
        tables.push(await this.read(k));
        read.push(k);
      }
      return await use(tables);
    } finally {
      for (const k of read) this.done(k);
    }
  }

  /**
   * Frees everything still held and waits until its spill files are gone (the end of the
   * shuffle, whatever happened). After a failure (`failed`), a spill error met while cleaning up
   * is not thrown: the failure that ended the shuffle is the one to report.
   */
  async close(failed: boolean): Promise<void> {
    for (const k of this.keys) this.memory?.discard(k);
    this.keys.clear();
    this.plain.clear();
    const flushed = this.memory?.flush();
    if (failed) await flushed?.catch(() => undefined);
    else await flushed;
  }
}
