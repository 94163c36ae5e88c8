import * as arrow from 'apache-arrow';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuskError, IoError } from '../../src/errors.js';
import { shareTable } from '../../src/exec/ship-table.js';
import { MemoryManager, type MemoryEvents } from '../../src/sched/memory-manager.js';
import { isSharedTable, tableBytes } from '../../src/sched/table-bytes.js';
import { Random, testSeed } from '../util/random.js';

const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
const listType = new arrow.List(new arrow.Field('item', new arrow.Int32(), true));
const structType = new arrow.Struct([new arrow.Field('x', new arrow.Float64(), true), new arrow.Field('y', new arrow.Utf8(), true)]);

/** A table of every kind of column, `chunks` batches of `rows` rows, each with its own dictionary. */
function sample(rng: Random, rows: number, chunks: number): arrow.Table {
  const maybe = <T>(value: () => T): T | null => (rng.next() < 0.15 ? null : value());
  const batches: arrow.RecordBatch[] = [];
  for (let c = 0; c < chunks; c++) {
    const words = Array.from({ length: 3 }, (_, i) => `w${c}-${i}-€`);
    const n = Array.from({ length: rows });
    const table = new arrow.Table({
      i: arrow.vectorFromArray(n.map(() => maybe(() => rng.int(-1000, 1000))), new arrow.Int32()),
      big: arrow.vectorFromArray(n.map(() => maybe(() => rng.bits64(true))), new arrow.Int64()),
      f: arrow.vectorFromArray(n.map(() => maybe(() => [NaN, -0, Infinity, rng.next()][rng.int(0, 3)]!)), new arrow.Float64()),
      b: arrow.vectorFromArray(n.map(() => maybe(() => rng.next() < 0.5)), new arrow.Bool()),
      s: arrow.vectorFromArray(n.map(() => maybe(() => 'x'.repeat(rng.int(0, 5)))), new arrow.Utf8()),
      d: arrow.vectorFromArray(n.map(() => maybe(() => words[rng.int(0, 2)]!)), dictType),
      l: arrow.vectorFromArray(n.map(() => maybe(() => Array.from({ length: rng.int(0, 3) }, () => rng.int(0, 9)))), listType),
      st: arrow.vectorFromArray(n.map(() => maybe(() => ({ x: rng.next(), y: maybe(() => 'y') }))), structType),
    });
    batches.push(...table.batches);
  }
  return new arrow.Table(batches);
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (value instanceof arrow.Vector) return [...value].map(plain);
  if (value !== null && typeof value === 'object') {
    const json = 'toJSON' in value && typeof value.toJSON === 'function' ? (value.toJSON() as object) : value;
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Values, types, null counts, chunking and dictionaries are all the same. */
function expectSameTable(actual: arrow.Table, expected: arrow.Table): void {
  expect(actual.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual(expected.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`));
  expect(actual.batches.map((b) => b.numRows)).toEqual(expected.batches.map((b) => b.numRows));
  expect(actual.schema.names.map((n) => actual.getChild(n)!.nullCount)).toEqual(expected.schema.names.map((n) => expected.getChild(n)!.nullCount));
  expect(actual.toArray().map(plain)).toEqual(expected.toArray().map(plain));
  const dicts = (t: arrow.Table): unknown[] => (t.getChild('d')?.data ?? []).map((d) => plain(d.dictionary));
  expect(dicts(actual)).toEqual(dicts(expected));
}

const seed = testSeed();
let spillDir = '';
let managers: MemoryManager[] = [];

function manager(limit: number, dir = spillDir): MemoryManager {
  const m = new MemoryManager({ limit, spillDir: dir });
  managers.push(m);
  return m;
}

/** The spill files of the one manager directory under `spillDir` (none if it has none). */
async function spillFiles(dir = spillDir): Promise<string[]> {
  const dirs = (await readdir(dir)).filter((d) => d.startsWith('dusk-spill-'));
  const files: string[] = [];
  for (const d of dirs) files.push(...(await readdir(join(dir, d))));
  return files;
}

function record<K extends keyof MemoryEvents>(m: MemoryManager, name: K): MemoryEvents[K][] {
  const events: MemoryEvents[K][] = [];
  m.on(name, (e) => events.push(e));
  return events;
}

beforeEach(async () => {
  spillDir = await mkdtemp(join(tmpdir(), 'dusk-memory-test-'));
  managers = [];
});

afterEach(async () => {
  for (const m of managers) await m.close().catch(() => undefined);
  await rm(spillDir, { recursive: true, force: true });
});

describe('MemoryManager', () => {
  it(`spills the least recently used tables when holding 4x the limit (seed ${seed})`, async () => {
    const rng = new Random(seed);
    const tables = Array.from({ length: 8 }, () => sample(rng, 50, 3));
    const sizes = tables.map(tableBytes);
    const limit = Math.max(...sizes) * 2;
    const m = manager(limit);
    const spills = record(m, 'spill');
    for (let i = 0; i < 8; i++) m.hold(`t${i}`, tables[i]!);
    expect(m.stats().bytesHeld).toBe(sizes.reduce((a, b) => a + b, 0)); // nothing left memory yet
    await m.flush();
    const stats = m.stats();
    expect(stats.bytesHeld).toBeLessThanOrEqual(limit);
    // Spills finish in any order; which ones: the first held, and only as many as needed to fit.
    const spilled = spills.map((e) => e.key).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    expect(spilled).toEqual(tables.map((_, i) => `t${i}`).slice(0, spilled.length));
    const kept = sizes.slice(spilled.length).reduce((a, b) => a + b, 0);
    expect(kept).toBeLessThanOrEqual(limit);
    expect(kept + sizes[spilled.length - 1]!).toBeGreaterThan(limit);
    expect(stats).toMatchObject({ bytesHeld: kept, spilledNow: spilled.length, files: spilled.length, peakHeld: sizes.reduce((a, b) => a + b, 0) });
    expect(stats.bytesSpilled).toBe(sizes.slice(0, spilled.length).reduce((a, b) => a + b, 0));
    expect((await spillFiles()).length).toBe(spilled.length);
    for (let i = 0; i < 8; i++) expectSameTable(await m.get(`t${i}`), tables[i]!);
  });

  it('takes get() as a use: the table read most recently stays', async () => {
    const t = sample(new Random(seed), 40, 1);
    const m = manager(tableBytes(t) * 2.5);
    const spills = record(m, 'spill');
    m.hold('a', t);
    m.hold('b', t.slice(0)); // equal bytes, another key
    await m.get('a');
    m.hold('c', sample(new Random(seed + 1), 40, 1));
    await m.flush();
    expect(spills.map((e) => e.key)).toEqual(['b']);
  });

  it(`reads back equal tables of every type, chunking, empty and shared (seed ${seed})`, async () => {
    const rng = new Random(seed);
    const many = sample(rng, 30, 7);
    const noStrings = arrow.makeData({ type: new arrow.Utf8(), length: 0, valueOffsets: Int32Array.of(0), data: new Uint8Array(0) });
    const noInts = arrow.makeData({ type: new arrow.Int32(), length: 0, data: new Int32Array(0) });
    const empty = new arrow.Table([new arrow.RecordBatch({ s: noStrings, i: noInts })]); // 0 rows, 4 bytes
    const noBatches = new arrow.Table(many.schema);
    const sliced = many.slice(13, 61);
    const shared = shareTable(sample(rng, 20, 2));
    const m = manager(0);
    const cases: [string, arrow.Table][] = [['many', many], ['empty', empty], ['noBatches', noBatches], ['sliced', sliced], ['shared', shared]];
    for (const [key, table] of cases) m.hold(key, table);
    await m.flush();
    // A table of no bytes stays: spilling it would free nothing.
    expect(tableBytes(noBatches)).toBe(0);
    expect(tableBytes(empty)).toBe(4);
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 4, files: 4 });
    for (const [key, table] of cases) {
      const back = await m.get(key);
      if (key === 'noBatches') expect(back).toBe(table);
      else expect(back).not.toBe(table);
      expectSameTable(back, table);
      if (key === 'many') expect(arrow.DataType.isDictionary(back.getChild('d')!.type)).toBe(true);
    }
    expect(isSharedTable(await m.get('shared'))).toBe(true);
    expect(isSharedTable(await m.get('many'))).toBe(false);
  });

  it('never spills a pinned table, and spills it once unpinned', async () => {
    const rng = new Random(seed);
    const tables = Array.from({ length: 4 }, () => sample(rng, 40, 2));
    const m = manager(0);
    const spills = record(m, 'spill');
    m.hold('p', tables[0]!);
    m.pin('p');
    for (let i = 1; i < 4; i++) m.hold(`t${i}`, tables[i]!);
    await m.flush();
    expect(spills.map((e) => e.key).sort()).toEqual(['t1', 't2', 't3']);
    expect(await m.get('p')).toBe(tables[0]);
    expect(m.stats().bytesHeld).toBe(tableBytes(tables[0]!));
    m.unpin('p');
    await m.flush();
    expect(spills.map((e) => e.key)).toContain('p');
    expect(m.stats().bytesHeld).toBe(0);
    expect(() => m.unpin('p')).toThrow(DuskError);
  });

  it('keeps the file of a table read back as a clean copy, so spilling it again writes nothing', async () => {
    const t = sample(new Random(seed), 40, 2);
    const m = manager(0);
    const spills = record(m, 'spill');
    m.hold('a', t);
    await m.flush();
    m.pin('a');
    const back = await m.get('a');
    expectSameTable(back, t);
    await m.flush();
    expect(m.stats()).toMatchObject({ bytesHeld: tableBytes(back), spilledNow: 0, files: 1 });
    m.unpin('a'); // over the limit again: out at once, the file on disk is still good
    expect(spills.map((e) => [e.key, e.written])).toEqual([['a', true], ['a', false]]);
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 1, files: 1, bytesSpilled: tableBytes(t) + tableBytes(back) });
    await m.flush();
    expect((await spillFiles()).length).toBe(1);
    expectSameTable(await m.get('a'), t);
  });

  it('counts consumers down and deletes the spill file on the last release', async () => {
    const t = sample(new Random(seed), 40, 2);
    const m = manager(0);
    m.hold('a', t, { consumers: 3 });
    await m.flush();
    expect((await spillFiles()).length).toBe(1);
    expect(m.release('a')).toBe(false);
    expect(m.release('a')).toBe(false);
    expect(m.has('a')).toBe(true);
    expectSameTable(await m.get('a'), t);
    expect(m.release('a')).toBe(true);
    expect(m.has('a')).toBe(false);
    await m.flush();
    expect(await spillFiles()).toEqual([]);
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 0, files: 0 });
    expect(() => m.release('a')).toThrow(expect.objectContaining({ code: 'MEMORY_UNKNOWN_KEY' }));
    await expect(m.get('a')).rejects.toMatchObject({ code: 'MEMORY_UNKNOWN_KEY' });
    m.hold('forever', t, { consumers: Infinity });
    for (let i = 0; i < 5; i++) m.release('forever');
    expect(m.discard('forever')).toBe(true);
    expect(m.discard('forever')).toBe(false);
    expect(() => m.hold('x', t, { consumers: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMERS' }));
    expect(() => m.hold('x', t, { consumers: 1.5 })).toThrow(DuskError);
  });

  it('rejects holding a key twice', () => {
    const t = sample(new Random(seed), 5, 1);
    const m = manager(Infinity);
    m.hold('a', t);
    expect(() => m.hold('a', t)).toThrow(expect.objectContaining({ code: 'MEMORY_KEY_HELD' }));
  });

  it('emits memory, spill and restore events with the numbers', async () => {
    const rng = new Random(seed);
    const a = sample(rng, 40, 2);
    const b = sample(rng, 40, 2);
    const [sa, sb] = [tableBytes(a), tableBytes(b)];
    const m = manager(Math.max(sa, sb));
    const memory = record(m, 'memory');
    const spills = record(m, 'spill');
    const restores = record(m, 'restore');
    m.hold('a', a);
    m.hold('b', b);
    expect(memory.map((e) => e.bytesHeld)).toEqual([sa, sa + sb]);
    await m.flush();
    expect(spills).toHaveLength(1);
    expect(spills[0]).toMatchObject({ key: 'a', bytes: sa, written: true, stats: { bytesHeld: sb, bytesSpilled: sa, spilledNow: 1, files: 1 } });
    expect(spills[0]!.file.endsWith('.arrows')).toBe(true);
    expect(memory.at(-1)).toMatchObject({ bytesHeld: sb, peakHeld: sa + sb, limit: Math.max(sa, sb) });
    const back = await m.get('a');
    expect(restores).toEqual([{ key: 'a', bytes: tableBytes(back), file: spills[0]!.file, stats: expect.objectContaining({ spilledNow: 0 }) as unknown }]);
    await m.flush(); // reading 'a' back pushed 'b' out
    expect(spills.map((e) => e.key)).toEqual(['a', 'b']);
    expect(m.stats()).toMatchObject({ bytesHeld: tableBytes(back), spilledNow: 1, bytesSpilled: sa + sb });
    const off = m.on('memory', () => {
      throw new Error('listener broke');
    });
    m.release('a');
    off();
    await expect(m.flush()).rejects.toMatchObject({ code: 'MEMORY_LISTENER_FAILED' });
    await m.flush(); // reported once
  });

  it('returns the in-memory table when get() races a spill, and shares one read between gets', async () => {
    const rng = new Random(seed);
    const a = sample(rng, 40, 3);
    const m = manager(0);
    const restores = record(m, 'restore');
    m.hold('a', a);
    expect(await m.get('a')).toBe(a); // the write has not finished: no wait, same object
    await m.flush();
    // Once the get was over, 'a' was unpinned and over the limit: its spill started again.
    expect(m.stats()).toMatchObject({ spilledNow: 1, files: 1 });
    const [x, y] = await Promise.all([m.get('a'), m.get('a')]);
    expect(x).toBe(y);
    expect(restores).toHaveLength(1);
    expectSameTable(x, a);
  });

  it('frees a table released while its write or its read is in flight', async () => {
    const rng = new Random(seed);
    const a = sample(rng, 40, 2);
    const m = manager(0);
    m.hold('a', a);
    m.release('a'); // its write was scheduled but is now pointless
    m.hold('b', a);
    const written = m.flush();
    await new Promise((r) => setImmediate(r));
    m.release('b'); // released while writing, or just after
    await written;
    await m.flush();
    expect(await spillFiles()).toEqual([]);
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 0, files: 0 });

    m.hold('c', a);
    await m.flush();
    const reading = m.get('c');
    m.release('c');
    m.hold('c', sample(rng, 5, 1)); // a new table under the same key, not touched by the old read
    expectSameTable(await reading, a);
    await m.flush();
    expect(m.stats()).toMatchObject({ spilledNow: 1, files: 1 });
    expect(tableBytes(await m.get('c'))).not.toBe(tableBytes(a));
  });

  it(`stays consistent under random interleavings of hold, get, pin and release (seed ${seed})`, async () => {
    const rng = new Random(seed);
    const pool = Array.from({ length: 6 }, (_, i) => sample(rng, 10 + 10 * i, 1 + (i % 3)));
    const limit = tableBytes(pool[5]!) * 2;
    const m = manager(limit);
    const expected = new Map<string, arrow.Table>();
    const consumers = new Map<string, number>();
    const pinned = new Map<string, arrow.Table>();
    const reads: [Promise<arrow.Table>, arrow.Table][] = [];
    const keys = (): string[] => [...expected.keys()];
    for (let step = 0; step < 300; step++) {
      const op = rng.int(0, 9);
      const live = keys();
      const key = live[rng.int(0, live.length - 1)];
      if (op <= 2 || key === undefined) {
        const k = `k${step}`;
        const table = pool[rng.int(0, pool.length - 1)]!;
        const n = rng.int(1, 3);
        m.hold(k, table, { consumers: n });
        expected.set(k, table);
        consumers.set(k, n);
      } else if (op <= 4) {
        reads.push([m.get(key), expected.get(key)!]);
      } else if (op === 5 && !pinned.has(key)) {
        m.pin(key);
        pinned.set(key, await m.get(key));
      } else if (op === 6 && pinned.has(key)) {
        pinned.delete(key);
        m.unpin(key);
      } else if (op === 7 && !pinned.has(key)) {
        const left = consumers.get(key)! - 1;
        expect(m.release(key)).toBe(left === 0);
        if (left > 0) {
          consumers.set(key, left);
        } else {
          expected.delete(key);
          consumers.delete(key);
        }
      } else if (op === 8) {
        await new Promise((r) => setImmediate(r));
      } else {
        await m.flush();
        const stats = m.stats();
        const pinnedBytes = [...pinned.values()].reduce((s, t) => s + tableBytes(t), 0);
        expect(stats.bytesHeld).toBeLessThanOrEqual(Math.max(limit, pinnedBytes));
        expect((await spillFiles()).length).toBe(stats.files);
      }
    }
    for (const [read, table] of reads) expectSameTable(await read, table);
    for (const [key, table] of expected) expectSameTable(await m.get(key), table);
    for (const key of pinned.keys()) m.unpin(key);
    for (const key of keys()) for (let i = consumers.get(key)!; i > 0; i--) m.release(key);
    await m.flush();
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 0, files: 0 });
    expect(await spillFiles()).toEqual([]);
    await m.close();
    expect(await readdir(spillDir)).toEqual([]);
  });
});

describe('MemoryManager.close', () => {
  it('removes every spill file and its directory, and is idempotent', async () => {
    const rng = new Random(seed);
    const m = manager(0);
    for (let i = 0; i < 4; i++) m.hold(`t${i}`, sample(rng, 30, 2));
    const get = m.get('t0');
    await m.flush();
    expect((await spillFiles()).length).toBeGreaterThan(0);
    const closing = m.close();
    expect(m.close()).toBe(closing);
    await closing;
    await get;
    expect(await readdir(spillDir)).toEqual([]);
    expect(m.stats()).toMatchObject({ bytesHeld: 0, spilledNow: 0, files: 0 });
    await m.close();
    expect(() => m.hold('x', sample(rng, 1, 1))).toThrow(expect.objectContaining({ code: 'MEMORY_CLOSED' }));
    await expect(m.get('t1')).rejects.toMatchObject({ code: 'MEMORY_CLOSED' });
    expect(m.release('t1')).toBe(false);
  });

  it('removes files of writes still in flight when it is called', async () => {
    const rng = new Random(seed);
    const m = manager(0);
    for (let i = 0; i < 6; i++) m.hold(`t${i}`, sample(rng, 200, 3));
    // Let some writes get going; however far they got, close() must clean up after them.
    for (let turn = rng.int(0, 3); turn > 0; turn--) await new Promise((r) => setImmediate(r));
    await m.close();
    expect(await readdir(spillDir)).toEqual([]);
  });

  it('reports an unwritable spillDir as an IoError naming it, keeps the table in memory, and closes cleanly', async () => {
    const notADir = join(spillDir, 'a-file');
    await writeFile(notADir, 'not a directory');
    const t = sample(new Random(seed), 30, 2);
    const m = manager(0, notADir);
    const errors = record(m, 'error');
    m.hold('a', t);
    const failure = await m.flush().then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(IoError);
    expect(failure).toMatchObject({ code: 'SPILL_FAILED' });
    expect((failure as Error).message).toContain(notADir);
    expect((failure as Error).cause).toBeDefined();
    expect(errors).toEqual([{ key: 'a', error: failure }]);
    expect(m.stats()).toMatchObject({ bytesHeld: tableBytes(t), spilledNow: 0, files: 0 });
    expect(await m.get('a')).toBe(t);
    await m.close();
    expect(await readdir(spillDir)).toEqual(['a-file']); // the user's file is left alone
  });

  it('removes everything after a write failed midway through a run', async () => {
    const rng = new Random(seed);
    const m = manager(0);
    m.hold('a', sample(rng, 30, 2));
    await m.flush();
    const [dir] = (await readdir(spillDir)).filter((d) => d.startsWith('dusk-spill-'));
    // The directory is replaced by a file: the next spill cannot write.
    await rm(join(spillDir, dir!), { recursive: true });
    await writeFile(join(spillDir, dir!), 'in the way');
    m.hold('b', sample(rng, 30, 2));
    await expect(m.flush()).rejects.toMatchObject({ code: 'SPILL_FAILED', message: expect.stringContaining(dir!) as unknown });
    await expect(m.get('a')).rejects.toMatchObject({ code: 'SPILL_READ_FAILED' });
    expect(m.has('b')).toBe(true);
    await m.close();
    expect(await readdir(spillDir)).toEqual([]);
  });
});
