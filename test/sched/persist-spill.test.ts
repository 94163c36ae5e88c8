/**
 * persist() under a memory limit several times smaller than the data: the client's memory
 * manager spills persisted partitions to its spill directory and reads them back for each
 * query, the answers stay those of the unpersisted source (itself checked against DuckDB), and
 * unpersist(), close() and a failed
 * run leave no file behind. Also the client's 'task', 'memory' and 'spill' events.
 */
import type * as arrow from 'apache-arrow';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client, type ClientEvents } from '../../src/client.js';
import { TaskError } from '../../src/errors.js';
import type { TaskEvent } from '../../src/exec/executor.js';
import type { DataFrame } from '../../src/frame/data-frame.js';
import { fromArrays } from '../../src/frame/index.js';
import { col } from '../../src/plan/expr.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { Random, testSeed } from '../util/random.js';
import { duckRows, expectSameRows } from '../frame/frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const ROWS = 200_000;
const PARTITIONS = 16;
/** 16 bytes a row: 3.2 MB of data, four times the limit. */
const LIMIT = 800_000;

function source(random: Random): DataFrame {
  const id = new Int32Array(ROWS);
  const k = new Int32Array(ROWS);
  const v = new Float64Array(ROWS);
  const w = new Int32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    id[i] = i;
    k[i] = random.int(0, 99);
    // Whole numbers, so sums are exact whatever the order of the additions.
    v[i] = random.int(-1000, 1000);
    w[i] = random.int(0, 1 << 20);
  }
  return fromArrays({ id, k, v, w }, { npartitions: PARTITIONS });
}

/** Rows as plain values (bigints as numbers), sorted by `by`. */
function rows(table: arrow.Table, by: string): Record<string, number | null>[] {
  const out = table.toArray().map((r: Record<string, unknown>) => {
    const row: Record<string, number | null> = {};
    for (const f of table.schema.fields) {
      const x = r[f.name];
      row[f.name] = x === null ? null : Number(x);
    }
    return row;
  });
  return out.sort((a, b) => a[by]! - b[by]!);
}

/** Files under `dir`, recursively (the manager makes one directory of its own inside). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

let spillDir: string;
let client: Client;

beforeEach(async () => {
  spillDir = await mkdtemp(join(tmpdir(), 'dusk-persist-spill-'));
});
afterEach(async () => {
  await client.close();
  await rm(spillDir, { recursive: true, force: true });
});

for (const scheduler of ['cpu', 'sync'] as const) {
  describe(`persist under a small memoryLimit (scheduler ${scheduler}, seed ${seed})`, () => {
    it('spills, reads back, and answers as the source does, query after query', async () => {
      client = await Client.create({ gpu: 'off', workers: 2, scheduler, memoryLimit: LIMIT, spillDir });
      const spills: ClientEvents['spill'][] = [];
      let memoryEvents = 0;
      client.on('spill', (e) => spills.push(e));
      client.on('memory', () => memoryEvents++);
      const df = source(new Random(seed));
      const persisted = await df.persist();
      expect(persisted.npartitions).toBe(PARTITIONS);
      await client.memory.flush();
      expect(client.stats().bytesSpilled).toBeGreaterThan(0);
      expect(client.stats().bytesHeld).toBeLessThanOrEqual(LIMIT);
      expect(spills.length).toBeGreaterThan(0);
      expect(spills.every((e) => e.key.startsWith('persist-') && e.bytes > 0)).toBe(true);
      expect(memoryEvents).toBeGreaterThan(0);
      expect((await filesUnder(spillDir)).length).toBeGreaterThan(0);

      const grouped = (f: DataFrame): DataFrame => f.groupBy('k').agg({ v: 'sum', w: ['min', 'max', 'count'] });
      const filtered = (f: DataFrame): DataFrame => f.filter(col('v').gt(500).and(col('k').lt(50)));
      const wantGrouped = rows(await grouped(df).compute(), 'k');
      const wantFiltered = rows(await filtered(df).compute(), 'id');
      const wantCount = await filtered(df).count();
      // The unpersisted answers are DuckDB's on the same data (written out as Parquet).
      const file = join(spillDir, 'source');
      await df.toParquet(file);
      const c = await duck.connection();
      const from = `read_parquet(${sqlPath(join(file, '*.parquet'))})`;
      expectSameRows(await grouped(df).compute(), await duckRows(c, `SELECT k, sum(v) AS v, min(w) AS w_min, max(w) AS w_max, count(w) AS w_count FROM ${from} GROUP BY k`), { what: 'grouped source vs DuckDB' });
      expectSameRows(await filtered(df).compute(), await duckRows(c, `SELECT * FROM ${from} WHERE v > 500 AND k < 50`), { what: 'filtered source vs DuckDB' });
      await rm(file, { recursive: true, force: true });
      expect(wantGrouped).toHaveLength(100);
      expect(wantFiltered.length).toBeGreaterThan(0);

      let spilled = client.stats().bytesSpilled;
      for (let round = 0; round < 3; round++) {
        const spillsBefore = spills.length;
        expect(rows(await grouped(persisted).compute(), 'k')).toEqual(wantGrouped);
        expect(rows(await filtered(persisted).compute(), 'id')).toEqual(wantFiltered);
        expect(await filtered(persisted).count()).toBe(wantCount);
        expect(await persisted.count()).toBe(ROWS);
        await client.memory.flush();
        // Each round read spilled partitions back and spilled others again to stay under the limit.
        expect(client.stats().bytesSpilled).toBeGreaterThan(spilled);
        expect(spills.length).toBeGreaterThan(spillsBefore);
        expect(client.stats().bytesHeld).toBeLessThanOrEqual(LIMIT);
        spilled = client.stats().bytesSpilled;
      }

      await persisted.unpersist();
      await client.memory.flush();
      expect(await filesUnder(spillDir)).toEqual([]);
      expect(client.stats().bytesHeld).toBe(0);
      await expect(persisted.compute()).rejects.toMatchObject({ code: 'UNPERSISTED' });
      await client.close();
      expect(await readdir(spillDir)).toEqual([]);
    });

    it('holds each partition as its task finishes, so the data never gathers in memory whole', async () => {
      client = await Client.create({ gpu: 'off', workers: 2, scheduler, memoryLimit: LIMIT, spillDir });
      let peak = 0;
      client.on('memory', (e) => {
        peak = Math.max(peak, e.bytesHeld);
      });
      const df = source(new Random(seed + 1));
      const persisted = await df.persist();
      const partitionBytes = (ROWS / PARTITIONS) * 16;
      // The limit, plus the partitions of the tasks in flight (workers × 2) and one being held.
      expect(peak).toBeLessThanOrEqual(LIMIT + 5 * partitionBytes);
      expect(peak).toBeLessThan(ROWS * 16);
      expect(persisted.npartitions).toBe(PARTITIONS);
      expect(rows(await persisted.compute(), 'id')).toEqual(rows(await df.compute(), 'id'));
    });
  });
}

describe(`closing the client (seed ${seed})`, () => {
  it('removes the spill files of frames never unpersisted', async () => {
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', memoryLimit: LIMIT, spillDir });
    const persisted = await source(new Random(seed)).persist();
    expect(await persisted.groupBy('k').sum('v').count()).toBe(100);
    await client.memory.flush();
    expect((await filesUnder(spillDir)).length).toBeGreaterThan(0);
    const other = await Client.create({ gpu: 'off', workers: 1, scheduler: 'sync' });
    try {
      await client.close();
      expect(await readdir(spillDir)).toEqual([]);
      // Its partitions went with the client that persisted them.
      await expect(persisted.count()).resolves.toBe(ROWS);
      await expect(persisted.compute()).rejects.toMatchObject({ code: 'UNPERSISTED' });
    } finally {
      await other.close();
    }
  });

  it('removes them after a query on the persisted frame failed', async () => {
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', memoryLimit: LIMIT, spillDir });
    const persisted = await source(new Random(seed)).persist();
    await client.memory.flush();
    // int8 cannot hold w (up to 2^20): the cast raises in the first partition it meets.
    const failing = persisted.assign({ small: col('w').cast('int8') }).groupBy('k').sum('small');
    const error = await failing.compute().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((await filesUnder(spillDir)).length).toBeGreaterThan(0);
    // The failed run left nothing pinned: the frame still answers, under the limit.
    expect(await persisted.filter(col('k').eq(3)).count()).toBeGreaterThan(0);
    await client.memory.flush();
    expect(client.stats().bytesHeld).toBeLessThanOrEqual(LIMIT);
    await client.close();
    expect(await readdir(spillDir)).toEqual([]);
  });
});

describe(`task events (seed ${seed})`, () => {
  it('one per partition and merge task, counted like stats().tasks', async () => {
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', spillDir });
    const df = source(new Random(seed));
    const events: TaskEvent[] = [];
    const off = client.on('task', (e) => events.push(e));
    const before = client.stats().tasks.cpu;
    await df.groupBy('k').sum('v').compute();
    const ran = client.stats().tasks.cpu - before;
    expect(events).toHaveLength(ran);
    const partitions = events.filter((e) => e.kind === 'partition');
    expect(partitions.map((e) => e.done)).toEqual(Array.from({ length: PARTITIONS }, (_, i) => i + 1));
    expect(new Set(partitions.map((e) => e.partition))).toEqual(new Set(Array.from({ length: PARTITIONS }, (_, i) => i)));
    expect(partitions.every((e) => e.total === PARTITIONS && e.stage === 0 && e.device === 'cpu' && e.ms >= 0)).toBe(true);
    // 16 partials: two merges of 8, then the finalize.
    const merges = events.filter((e) => e.kind === 'merge');
    expect(merges.map((e) => e.operator.split('→').pop())).toEqual(['merge', 'merge', 'finalize']);
    off();
    await df.count();
    await df.filter(col('k').eq(1)).count();
    expect(events).toHaveLength(ran);
  });

  it('a listener that throws does not fail the computation and is reported once', async () => {
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'sync', spillDir });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      let calls = 0;
      client.on('task', () => {
        calls++;
        throw new Error('listener broke');
      });
      const df = source(new Random(seed));
      expect(await df.filter(col('k').lt(10)).count()).toBeGreaterThan(0);
      expect(await df.groupBy('k').sum('v').count()).toBe(100);
      expect(calls).toBeGreaterThan(PARTITIONS);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/'task' listener .*listener broke/);
    } finally {
      warn.mockRestore();
    }
  });
});
