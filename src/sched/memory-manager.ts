/**
 * The memory manager: the one place that knows how many bytes of Arrow data the engine holds,
 * and that moves tables to disk and back to keep that number under `limit`.
 *
 * State flows per key: `hold` puts a table in memory (counted with `tableBytes`); when the
 * bytes held exceed the limit, the least recently used unpinned tables are written to a spill
 * directory of this manager's own (Arrow IPC stream, via a temporary name and a rename) and
 * dropped from memory once the file is complete; `get` reads a spilled table back; `release`
 * (by its last consumer) or `discard` forgets the key, its memory and its file; `close` deletes
 * the directory and everything in it. A table written to disk and read back keeps its file as a
 * clean copy, so spilling it again costs no write (tables are immutable).
 *
 * How the scheduler is meant to use it:
 *
 *   manager.hold(task.key, output, { consumers: dependents.length });   // task finished
 *   manager.pin(input.key); const t = await manager.get(input.key);     // task starts
 *   ...run the task on t...
 *   manager.unpin(input.key); manager.release(input.key);               // task done with it
 *   try { ... } finally { await manager.close(); }                      // client closes
 *
 * Pin before `get` so that a table just read back cannot be spilled again while the task runs.
 * Spills run in the background; `flush()` waits for them and throws the first spill failure,
 * which is also emitted as an `'error'` event. A failed spill leaves its table in memory.
 */
import * as arrow from 'apache-arrow';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DuskError, IoError } from '../errors.js';
import { shareTable } from '../exec/ship-table.js';
import { atomicWrite } from '../io/atomic-write.js';
import { isSharedTable, tableBytes } from './table-bytes.js';

export interface MemoryManagerOptions {
  /** Bytes of Arrow data to keep in memory; above it, tables are spilled. `Infinity`: never. */
  limit: number;
  /** Where this manager creates its own spill directory (created if missing). */
  spillDir: string;
}

export interface HoldOptions {
  /** How many `release` calls free the table (default 1); `Infinity` keeps it until `discard`. */
  consumers?: number;
  /** Read back into shared memory; by default, when every buffer of the table is shared. */
  shared?: boolean;
}

export interface MemoryStats {
  limit: number;
  /** Bytes of the tables in memory now. */
  bytesHeld: number;
  /** Bytes moved out of memory to disk, over the manager's life. */
  bytesSpilled: number;
  /** Tables whose only copy is on disk now. */
  spilledNow: number;
  /** The largest `bytesHeld` seen. */
  peakHeld: number;
  /** Spill files on disk now (including clean copies of tables read back). */
  files: number;
}

export interface MemoryEvents {
  /** After every change of the bytes held. */
  memory: MemoryStats;
  /** A table left memory for disk; `written` is false when its clean copy was reused. */
  spill: { key: string; bytes: number; file: string; written: boolean; stats: MemoryStats };
  /** A spilled table was read back into memory. */
  restore: { key: string; bytes: number; file: string; stats: MemoryStats };
  /** A spill failed; its table stays in memory. */
  error: { key: string; error: DuskError };
}

interface Entry {
  readonly key: string;
  readonly id: number;
  readonly shared: boolean;
  table: arrow.Table | null;
  bytes: number;
  consumers: number;
  pins: number;
  lastUsed: number;
  /** A complete spill file holding this table. */
  file: string | null;
  writing: boolean;
  reading: Promise<arrow.Table> | null;
  /** False once released, discarded or closed: completions in flight must then only clean up. */
  live: boolean;
}

/** Reads a spill file into one buffer, shared when the table must stay readable by workers. */
async function readSpill(file: string, shared: boolean): Promise<arrow.Table> {
  const handle = await open(file, 'r');
  let bytes: Uint8Array;
  try {
    const { size } = await handle.stat();
    bytes = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    for (let done = 0; done < size; ) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) throw new Error(`${file} ended after ${done} of ${size} bytes`);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  // The table's buffers are views into `bytes`; shareTable then copies only what Arrow copied.
  const table = arrow.tableFromIPC(bytes);
  return shared ? shareTable(table) : table;
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Counts the Arrow tables the engine holds and spills the least recently used to disk above a
 * limit. See the module comment for the intended use by the scheduler.
 *
 * @example
 * const memory = new MemoryManager({ limit: 512e6, spillDir: os.tmpdir() });
 * memory.hold('scan-0', table, { consumers: 2 });
 * const t = await memory.get('scan-0');   // read back transparently if it was spilled
 * memory.release('scan-0'); memory.release('scan-0');   // freed, its spill file deleted
 * await memory.close();
 */
export class MemoryManager {
  readonly limit: number;
  readonly spillDir: string;
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<Promise<unknown>>();
  // Keyed by event name; each set holds listeners of that name's event type only (see on()).
  private readonly listeners = new Map<keyof MemoryEvents, Set<(event: never) => void>>();
  private directory: Promise<string> | null = null;
  private closing: Promise<void> | null = null;
  private closed = false;
  private failure: DuskError | null = null;
  private clock = 0;
  private nextId = 0;
  private bytesHeld = 0;
  private bytesWriting = 0;
  private bytesSpilled = 0;
  private spilledNow = 0;
  private peakHeld = 0;
  private files = 0;

  constructor(options: MemoryManagerOptions) {
    if (!(options.limit >= 0)) throw new DuskError('INVALID_MEMORY_LIMIT', `memory limit must be a number of bytes >= 0, got ${options.limit}`);
    this.limit = options.limit;
    this.spillDir = options.spillDir;
  }

  /**
   * Starts counting `table` under `key`, then spills the least recently used tables if the bytes
   * held exceed the limit (in the background; this call does not wait for disk).
   *
   * @example
   * memory.hold('groupby-3', partial, { consumers: 1 });
   */
  hold(key: string, table: arrow.Table, options: HoldOptions = {}): void {
    this.assertOpen(key);
    const consumers = options.consumers ?? 1;
    if (this.entries.has(key)) throw new DuskError('MEMORY_KEY_HELD', `${key} is already held; release it before holding it again`);
    if (!(consumers >= 1) || (consumers !== Infinity && !Number.isInteger(consumers))) {
      throw new DuskError('INVALID_CONSUMERS', `consumers of ${key} must be a whole number >= 1 or Infinity, got ${consumers}`);
    }
    const bytes = tableBytes(table);
    const shared = options.shared ?? isSharedTable(table);
    const entry: Entry = { key, id: this.nextId++, shared, table, bytes, consumers, pins: 0, lastUsed: ++this.clock, file: null, writing: false, reading: null, live: true };
    this.entries.set(key, entry);
    this.addHeld(bytes);
    this.rebalance();
  }

  /**
   * The table held under `key`, read back from its spill file if it is on disk (concurrent
   * calls share one read). Marks it as the most recently used.
   *
   * @example
   * memory.pin('scan-0');
   * const t = await memory.get('scan-0');
   */
  async get(key: string): Promise<arrow.Table> {
    const entry = this.entry(key);
    entry.lastUsed = ++this.clock;
    if (entry.table !== null) return entry.table;
    entry.reading ??= this.track(this.readBack(entry));
    return entry.reading;
  }

  /**
   * One consumer of `key` is done; the last one frees its memory and deletes its spill file.
   * Returns whether the table was freed. After `close()` it does nothing.
   *
   * @example
   * if (memory.release('scan-0')) console.log('scan-0 freed');
   */
  release(key: string): boolean {
    if (this.closed) return false;
    const entry = this.entry(key);
    if (--entry.consumers > 0) return false;
    this.forget(entry);
    return true;
  }

  /**
   * Frees `key` whatever consumers remain (a cancelled query, an unpersisted frame); returns
   * whether it was held.
   *
   * @example
   * memory.discard('persist-7');
   */
  discard(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.forget(entry);
    return true;
  }

  /**
   * Keeps `key` in memory (once read back) until as many `unpin` calls: a running task's input.
   *
   * @example
   * memory.pin('scan-0'); try { run(await memory.get('scan-0')); } finally { memory.unpin('scan-0'); }
   */
  pin(key: string): void {
    this.entry(key).pins++;
  }

  /** Undoes one `pin`; spills others if the table's bytes now count against the limit. */
  unpin(key: string): void {
    if (this.closed) return;
    const entry = this.entry(key);
    if (entry.pins === 0) throw new DuskError('MEMORY_NOT_PINNED', `${key} is not pinned`);
    if (--entry.pins === 0) this.rebalance();
  }

  /** Whether `key` is held (in memory or on disk). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The counters; `bytesHeld` and `peakHeld` are what `tableBytes` counts.
   *
   * @example
   * const { bytesHeld, spilledNow } = memory.stats();
   */
  stats(): MemoryStats {
    const { limit, bytesHeld, bytesSpilled, spilledNow, peakHeld, files } = this;
    return { limit, bytesHeld, bytesSpilled, spilledNow, peakHeld, files };
  }

  /**
   * Calls `listener` on each event of that name; returns a function that unsubscribes it. An
   * exception thrown by a listener is kept and thrown by the next `flush()`.
   *
   * @example
   * const off = memory.on('spill', ({ key, bytes }) => log(`spilled ${key}: ${bytes} B`));
   */
  on<K extends keyof MemoryEvents>(name: K, listener: (event: MemoryEvents[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    const listeners = set;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  /**
   * Back-pressure for producers: waits while the bytes held exceed the limit and spills that
   * will bring them down are in flight (never throws; spill failures surface in `flush`).
   *
   * @example
   * memory.hold(key, partition); await memory.room(); // before computing the next partition
   */
  async room(): Promise<void> {
    while (this.bytesHeld > this.limit && this.pending.size > 0) await Promise.race([...this.pending].map((p) => p.catch(() => undefined)));
  }

  /**
   * Waits until no spill write, read or file removal is in flight, then throws the first spill
   * failure (or listener exception) since the last `flush`, if any.
   *
   * @example
   * memory.hold('a', big); await memory.flush(); // 'a' is on disk now, or this threw
   */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw failure;
  }

  /**
   * Forgets every table and deletes the spill directory with all its files, after waiting for
   * the work in flight; also after failed spills. Calling it again is harmless.
   *
   * @example
   * try { await run(); } finally { await memory.close(); }
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown().catch((error: unknown) => {
      this.closing = null; // a later close() tries the removal again
      throw error;
    });
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const entry of [...this.entries.values()]) this.forget(entry);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    const dir = this.directory === null ? null : await this.directory.catch(() => null);
    if (dir === null) return;
    try {
      await rm(dir, { recursive: true, force: true });
    } catch (cause) {
      throw new IoError('SPILL_CLEANUP_FAILED', `cannot remove spill directory ${dir}: ${reasonOf(cause)}`, { cause });
    }
    this.directory = null;
    this.files = 0;
  }

  private assertOpen(key: string): void {
    if (this.closed) throw new DuskError('MEMORY_CLOSED', `the memory manager is closed (while accessing ${key})`);
  }

  private entry(key: string): Entry {
    this.assertOpen(key);
    const entry = this.entries.get(key);
    if (entry === undefined) throw new DuskError('MEMORY_UNKNOWN_KEY', `${key} is not held (never held, or already released)`);
    return entry;
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry.key);
    entry.live = false;
    if (entry.table !== null) {
      entry.table = null;
      this.addHeld(-entry.bytes);
    } else {
      this.spilledNow--;
    }
    // A write in flight removes its own file when it sees the entry is gone; a read in flight
    // still needs the file, so it goes once the read is over.
    const file = entry.file;
    entry.file = null;
    if (file === null) return;
    if (entry.reading === null) this.removeFile(file);
    else void this.track(entry.reading.then(() => this.removeFile(file), () => this.removeFile(file)));
  }

  private addHeld(bytes: number): void {
    this.bytesHeld += bytes;
    this.peakHeld = Math.max(this.peakHeld, this.bytesHeld);
    this.emit('memory', this.stats());
  }

  /** Spills least recently used unpinned tables until the bytes left in memory fit the limit. */
  private rebalance(): void {
    let excess = this.bytesHeld - this.bytesWriting - this.limit;
    if (excess <= 0 || this.closed) return;
    // A table of no bytes (no batches, no rows) frees nothing by going to disk: it stays.
    const victims = [...this.entries.values()].filter((e) => e.table !== null && e.pins === 0 && !e.writing && e.bytes > 0);
    victims.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of victims) {
      if (excess <= 0) break;
      excess -= entry.bytes;
      if (entry.file !== null) this.evict(entry, false);
      else void this.track(this.write(entry));
    }
  }

  /** The table may leave memory only if nothing used or pinned it since its spill began. */
  private stillVictim(entry: Entry, since: number): boolean {
    return entry.live && entry.pins === 0 && entry.lastUsed === since && entry.table !== null;
  }

  private evict(entry: Entry, written: boolean): void {
    const bytes = entry.bytes;
    entry.table = null;
    this.spilledNow++;
    this.bytesSpilled += bytes;
    this.addHeld(-bytes);
    this.emit('spill', { key: entry.key, bytes, file: entry.file ?? '', written, stats: this.stats() });
  }

  /** Writes `entry` to a spill file in the background; never rejects (failures are recorded). */
  private async write(entry: Entry): Promise<void> {
    const since = entry.lastUsed;
    const bytes = entry.bytes;
    entry.writing = true;
    this.bytesWriting += bytes;
    let file: string | null = null;
    try {
      // Let the caller of hold() go on before the synchronous part of serializing.
      await nextTurn();
      if (this.stillVictim(entry, since)) {
        const dir = await this.spillDirectory();
        const table = entry.table;
        if (table !== null && entry.live) {
          file = join(dir, `${entry.id}.arrows`);
          // Assembling the IPC messages is synchronous but copies no column data: the writer
          // yields views of the table's own buffers, which atomicWrite writes out chunk by chunk.
          await atomicWrite(file, () => arrow.RecordBatchStreamWriter.writeAll(table));
        }
      }
    } catch (cause) {
      const where = this.directory === null ? this.spillDir : await this.directory.catch(() => this.spillDir);
      const error = new IoError(
        'SPILL_FAILED',
        `cannot spill ${entry.key} (${bytes} bytes) to ${where}: ${reasonOf(cause)}; check that spillDir is a writable directory with free space`,
        { cause },
      );
      this.failure ??= error;
      this.emit('error', { key: entry.key, error });
      return;
    } finally {
      entry.writing = false;
      this.bytesWriting -= bytes;
    }
    // Not written (used, pinned or released meanwhile): others may have to go instead.
    if (file === null) return this.rebalance();
    this.files++;
    if (!entry.live) return this.removeFile(file);
    entry.file = file;
    if (this.stillVictim(entry, since)) this.evict(entry, true);
    this.rebalance();
  }

  private async readBack(entry: Entry): Promise<arrow.Table> {
    const file = entry.file as string; // a table not in memory always has a complete file
    let table: arrow.Table;
    try {
      table = await readSpill(file, entry.shared);
    } catch (cause) {
      throw new IoError('SPILL_READ_FAILED', `cannot read ${entry.key} back from spill file ${file}: ${reasonOf(cause)}`, { cause });
    } finally {
      entry.reading = null;
    }
    if (!entry.live) return table; // released meanwhile: the caller gets the data, nobody counts it
    entry.table = table;
    entry.bytes = tableBytes(table);
    this.spilledNow--;
    this.addHeld(entry.bytes);
    this.emit('restore', { key: entry.key, bytes: entry.bytes, file, stats: this.stats() });
    this.rebalance();
    return table;
  }

  private spillDirectory(): Promise<string> {
    if (this.directory === null) {
      const made = mkdir(this.spillDir, { recursive: true }).then(() => mkdtemp(join(this.spillDir, 'dusk-spill-')));
      this.directory = made;
      // A failed creation (spillDir is a file, no permission) is tried again by the next spill.
      made.catch(() => {
        if (this.directory === made) this.directory = null;
      });
    }
    return this.directory;
  }

  private removeFile(file: string): void {
    this.files--;
    void this.track(
      rm(file, { force: true }).catch((cause: unknown) => {
        this.failure ??= new IoError('SPILL_CLEANUP_FAILED', `cannot remove spill file ${file}: ${reasonOf(cause)}`, { cause });
      }),
    );
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = (): void => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private emit<K extends keyof MemoryEvents>(name: K, event: MemoryEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as (event: MemoryEvents[K]) => void)(event);
      } catch (cause) {
        this.failure ??= new DuskError('MEMORY_LISTENER_FAILED', `a '${name}' listener threw: ${reasonOf(cause)}`, { cause });
      }
    }
  }
}
