/**
 * Task retries and crashed workers: a worker thread killed mid-task is replaced and its task
 * runs again with the same result; a task failing twice succeeds with `retries: 2` and fails
 * with a TaskError (attempts, cause) when retries run out; deterministic errors are never
 * retried; `compute({ retries })` overrides the client's; a final failure cancels the rest of
 * the computation, abandoning a task that would never answer. Faults are staged through the
 * executor's test hook (`injectFaults`), which counts every attempt.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerFault } from '../../src/cpu/worker.js';
import {
  Client, col, DuskError, fromArrays, IoError, SchemaError, TaskError, WorkerError, readCsv,
} from '../../src/index.js';
import { errorToData } from '../../src/errors.js';
import { injectFaults, type TaskAttempt } from '../../src/exec/executor.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const ROWS = 24_000;
const PARTITIONS = 12;
let client: Client;
let dir: string;
let k: Int32Array;
let v: Int32Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dusk-retries-'));
  const random = new Random(seed);
  k = Int32Array.from({ length: ROWS }, () => random.int(0, 40));
  v = Int32Array.from({ length: ROWS }, () => random.int(-1000, 1000));
  client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu' });
});
afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => injectFaults(null));

/** Rows as sorted JSON lines, so results compare whatever their row order. */
function rows(table: arrow.Table): string[] {
  return table.toArray().map((r) => JSON.stringify(r, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))).sort();
}

/** The groupBy the tests run: partials per partition, two tree merges and a finalize. */
function grouped(): Promise<arrow.Table> {
  return fromArrays({ k, v }, { npartitions: PARTITIONS }).groupBy('k').agg({ v: ['sum', 'count', 'min'] }).compute();
}

/** The same groupBy in plain JS: the reference whatever the executor does. */
function reference(): string[] {
  const groups = new Map<number, { sum: bigint; count: bigint; min: number }>();
  for (let i = 0; i < ROWS; i++) {
    const g = groups.get(k[i]!) ?? { sum: 0n, count: 0n, min: Infinity };
    g.sum += BigInt(v[i]!);
    g.count++;
    g.min = Math.min(g.min, v[i]!);
    groups.set(k[i]!, g);
  }
  return [...groups].map(([key, g]) => JSON.stringify({ k: key, v_sum: `${g.sum}n`, v_count: `${g.count}n`, v_min: g.min })).sort();
}

/** Stages `fault` on the listed attempts of matching tasks and records every attempt. */
function stage(plan: { match: (a: TaskAttempt) => boolean; attempts: number[]; fault: WorkerFault }[]): TaskAttempt[] {
  const seen: TaskAttempt[] = [];
  injectFaults((a) => {
    seen.push(a);
    return plan.find((p) => p.match(a) && p.attempts.includes(a.attempt))?.fault ?? null;
  });
  return seen;
}

const crash: WorkerFault = { kind: 'crash' };
const flaky: WorkerFault = { kind: 'throw', error: errorToData(new Error('flaky disk read')) };
const partition = (i: number) => (a: TaskAttempt): boolean => a.family === 'partition' && a.partition === i;

async function failure(run: Promise<unknown>): Promise<TaskError> {
  const error = await run.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TaskError);
  return error as TaskError;
}

describe('crashed workers', () => {
  it('the groupBy reference matches an undisturbed run', async () => {
    expect(rows(await grouped())).toEqual(reference());
  });

  it('a worker killed mid-task (a partition and the final merge) is replaced and the result is unchanged', async () => {
    const seen = stage([
      { match: partition(3), attempts: [1], fault: crash },
      // Bucket 0's final merge (each bucket of the grouped partials is finalized on its own).
      { match: (a) => a.family === 'merge' && a.operator.endsWith('→finalize') && a.partition === 0, attempts: [1], fault: crash },
    ]);
    expect(rows(await grouped())).toEqual(reference());
    expect(seen.filter(partition(3)).map((a) => a.attempt)).toEqual([1, 2]);
    expect(seen.filter((a) => a.operator.endsWith('→finalize') && a.partition === 0).map((a) => a.attempt)).toEqual([1, 2]);
    // The partitions that did not crash ran once.
    expect(seen.filter((a) => a.family === 'partition')).toHaveLength(PARTITIONS + 1);
  });

  it('a crash in a row-keeping stage reading in-memory tables gives the same rows', async () => {
    const df = fromArrays({ k, v }, { npartitions: PARTITIONS }).filter(col('v').gt(500)).assign({ w: col('v').mul(2) });
    const want = rows(await df.compute());
    expect(want.length).toBeGreaterThan(0);
    const seen = stage([{ match: partition(0), attempts: [1], fault: crash }, { match: partition(7), attempts: [1], fault: crash }]);
    expect(rows(await df.compute())).toEqual(want);
    expect(seen.filter((a) => a.attempt === 2).map((a) => a.partition).sort()).toEqual([0, 7]);
  });

  it('with retries spent, a crash is a TaskError whose cause is WORKER_CRASHED, and the pool still works after', async () => {
    stage([{ match: partition(5), attempts: [1], fault: crash }]);
    const error = await failure(fromArrays({ k, v }, { npartitions: PARTITIONS }).groupBy('k').sum('v').compute({ retries: 0 }));
    expect(error.attempts).toBe(1);
    expect(error.partition).toBe(5);
    expect(error.device).toBe('cpu');
    expect(error.cause).toBeInstanceOf(WorkerError);
    expect((error.cause as WorkerError).code).toBe('WORKER_CRASHED');
    injectFaults(null);
    expect(rows(await grouped())).toEqual(reference());
  });
});

describe('retries', () => {
  it('a task that fails twice then succeeds with retries: 2 (client option) succeeds', async () => {
    const two = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', retries: 2 });
    try {
      expect(two.retries).toBe(2);
      const seen = stage([{ match: partition(2), attempts: [1, 2], fault: flaky }]);
      expect(rows(await grouped())).toEqual(reference());
      expect(seen.filter(partition(2)).map((a) => a.attempt)).toEqual([1, 2, 3]);
    } finally {
      await two.close();
    }
  });

  it('with retries exhausted the TaskError names operator, partition, device and attempts, and keeps the last error as cause', async () => {
    const seen = stage([{ match: partition(2), attempts: [1, 2], fault: flaky }]);
    const error = await failure(grouped());
    expect(seen.filter(partition(2)).map((a) => a.attempt)).toEqual([1, 2]);
    expect(error.attempts).toBe(2);
    expect(error.partition).toBe(2);
    expect(error.device).toBe('cpu');
    expect(error.operator).toMatch(/groupBy/);
    expect(error.message).toMatch(/groupBy failed on partition 2 \(cpu\) after 2 attempts: .*flaky disk read/);
    expect(error.cause).toBeInstanceOf(WorkerError);
    expect(((error.cause as WorkerError).cause as Error).message).toBe('flaky disk read');
  });

  it('compute({ retries }) overrides the client for that call only', async () => {
    const seen = stage([{ match: partition(4), attempts: [1, 2, 3], fault: crash }]);
    expect(rows(await fromArrays({ k, v }, { npartitions: PARTITIONS }).groupBy('k').agg({ v: ['sum', 'count', 'min'] }).compute({ retries: 3 }))).toEqual(reference());
    expect(seen.filter(partition(4)).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const again = stage([{ match: partition(4), attempts: [1, 2, 3], fault: crash }]);
    expect((await failure(grouped())).attempts).toBe(2);
    expect(again.filter(partition(4)).map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('persist takes the same override', async () => {
    const seen = stage([{ match: partition(1), attempts: [1, 2], fault: flaky }]);
    const kept = await fromArrays({ k, v }, { npartitions: PARTITIONS }).persist({ retries: 2 });
    expect(await kept.count()).toBe(ROWS);
    expect(seen.filter(partition(1)).map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('bad retries values are refused', async () => {
    await expect(fromArrays({ k }).compute({ retries: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(fromArrays({ k }).compute({ retries: 1.5 })).rejects.toThrow(/retries must be a non-negative integer/);
    await expect(Client.create({ gpu: 'off', workers: 1, retries: Number.NaN })).rejects.toBeInstanceOf(DuskError);
  });

  it('the sync scheduler retries on the main thread too', async () => {
    const sync = await Client.create({ gpu: 'off', workers: 1, scheduler: 'sync' });
    try {
      const seen = stage([{ match: partition(6), attempts: [1], fault: crash }, { match: partition(8), attempts: [1], fault: flaky }]);
      expect(rows(await grouped())).toEqual(reference());
      expect(seen.filter((a) => a.attempt === 2).map((a) => a.partition).sort()).toEqual([6, 8]);
    } finally {
      await sync.close();
    }
  });
});

describe('deterministic errors are not retried', () => {
  const cases: [string, Error][] = [
    ['a CSV value of the wrong type', new IoError('CSV_TYPE', 'x.csv: line 3, column "a": "oops" is not an int32')],
    ['an unknown column', new SchemaError('NO_COLUMN', "no column 'zz'")],
    ['an int64 overflow', new DuskError('OVERFLOW', 'sum of v does not fit in int64')],
  ];
  for (const [what, cause] of cases) {
    it(`${what}: one attempt, whatever retries allows`, async () => {
      const seen = stage([{ match: partition(9), attempts: [1, 2, 3, 4], fault: { kind: 'throw', error: errorToData(cause) } }]);
      const error = await failure(fromArrays({ k, v }, { npartitions: PARTITIONS }).groupBy('k').sum('v').compute({ retries: 3 }));
      expect(seen.filter(partition(9)).map((a) => a.attempt)).toEqual([1]);
      expect(error.attempts).toBe(1);
      expect(error.cause).toBeInstanceOf(cause.constructor);
      expect((error.cause as DuskError).code).toBe((cause as DuskError).code);
    });
  }

  it('a real CSV_TYPE error from a worker runs once', async () => {
    const lines = ['a,b'];
    // Past the 10,000 rows that types are inferred from, so 'a' is an integer column.
    for (let i = 0; i < 20_000; i++) lines.push(`${i},${i % 3}`);
    lines.push('oops,1');
    const path = join(dir, 'bad.csv');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const seen = stage([]);
    const error = await failure(readCsv(path, { blocksize: '30kB' }).agg({ a: 'sum' }).compute({ retries: 3 }));
    expect((error.cause as IoError).code).toBe('CSV_TYPE');
    expect(error.attempts).toBe(1);
    expect(seen.filter(partition(error.partition))).toHaveLength(1);
  });
});

describe('a final failure cancels the computation', () => {
  it('stops starting partitions and abandons one that would never answer', async () => {
    const many = 60;
    const seen = stage([
      { match: partition(0), attempts: [1], fault: { kind: 'throw', error: errorToData(new DuskError('OVERFLOW', 'sum of v does not fit in int64')) } },
      { match: partition(1), attempts: [1], fault: { kind: 'hang' } },
    ]);
    // Without cancellation the hung partition would hold compute() until the test timed out.
    const error = await failure(fromArrays({ k, v }, { npartitions: many }).groupBy('k').sum('v').compute());
    expect(error.partition).toBe(0);
    expect((error.cause as DuskError).code).toBe('OVERFLOW');
    expect(new Set(seen.filter((a) => a.family === 'partition').map((a) => a.partition)).size).toBeLessThan(many);
    expect(seen.filter((a) => a.family === 'merge')).toHaveLength(0);
    injectFaults(null);
    // The thread running the hung task was ended and replaced: the pool works on.
    expect(rows(await grouped())).toEqual(reference());
  });
});
