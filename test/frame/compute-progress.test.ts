/**
 * compute({ progress }) on a fake stream: a line per finished stage, and a summary with the
 * figures of that computation alone (its tasks per device, the bytes it spilled), not the
 * client's running totals.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/client.js';
import type { TaskEvent } from '../../src/exec/executor.js';
import { fromArrays } from '../../src/frame/index.js';
import type { ProgressStream } from '../../src/frame/progress.js';
import { col } from '../../src/plan/expr.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const ROWS = 100_000;

class FakeStream implements ProgressStream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

interface Summary { ok: boolean; tasks: number; gpu: number; cpu: number; sync: number; spilledMB: number; heldMB: number }

function summaryOf(text: string): Summary {
  const m = /(done in|failed after) [\d.]+ s: (\d+) tasks \(gpu (\d+), cpu (\d+), sync (\d+)\); spilled ([\d.]+) MB; peak memory ([\d.]+) MB held, [\d.]+ MB resident\n$/.exec(text);
  if (m === null) throw new Error(`no summary at the end of: ${JSON.stringify(text)}`);
  return { ok: m[1] === 'done in', tasks: Number(m[2]), gpu: Number(m[3]), cpu: Number(m[4]), sync: Number(m[5]), spilledMB: Number(m[6]), heldMB: Number(m[7]) };
}

describe(`compute({ progress }) (seed ${seed})`, () => {
  let client: Client;
  let spillDir: string;
  beforeAll(async () => {
    spillDir = await mkdtemp(join(tmpdir(), 'dusk-progress-'));
    // 12 bytes a row: 1.2 MB persisted against a 300 kB limit.
    client = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu', memoryLimit: 300_000, spillDir });
  });
  afterAll(async () => {
    await client.close();
    await rm(spillDir, { recursive: true, force: true });
  });

  const frame = (): ReturnType<typeof fromArrays> => {
    const random = new Random(seed);
    const k = new Int32Array(ROWS);
    const v = new Float64Array(ROWS);
    for (let i = 0; i < ROWS; i++) {
      k[i] = random.int(0, 9);
      v[i] = random.int(0, 100);
    }
    return fromArrays({ k, v }, { npartitions: 8 });
  };

  it('reports each computation on its own', async () => {
    const df = frame();
    const tasks: TaskEvent[] = [];
    client.on('task', (e) => tasks.push(e));
    const first = new FakeStream(false);
    await df.groupBy('k').sum('v').compute({ progress: first });
    expect(first.text).toMatch(/^stage 1\/1: 8 partitions in [\d.]+ s\n/);
    expect(summaryOf(first.text)).toMatchObject({ ok: true, tasks: tasks.length, cpu: tasks.length, gpu: 0, sync: 0, spilledMB: 0 });

    const persisted = await df.persist();
    await client.memory.flush();
    const ranBefore = tasks.length;
    const spilledBefore = client.stats().bytesSpilled;
    expect(spilledBefore).toBeGreaterThan(0);
    const second = new FakeStream(false);
    await persisted.filter(col('v').gt(50)).compute({ progress: second });
    const spilled = client.stats().bytesSpilled - spilledBefore;
    const summary = summaryOf(second.text);
    // Its own tasks, not the client's total (which includes the first query and the persist).
    expect(summary.tasks).toBe(tasks.length - ranBefore);
    expect(client.stats().tasks.cpu).toBeGreaterThan(summary.cpu);
    // Reading spilled partitions back spilled others: this query's bytes, not the client's.
    expect(spilled).toBeGreaterThan(0);
    expect(Math.abs(summary.spilledMB - spilled / 1e6)).toBeLessThanOrEqual(0.051);
    expect(summary.spilledMB * 1e6).toBeLessThan(client.stats().bytesSpilled);
    expect(summary.heldMB).toBeGreaterThan(0);
    await persisted.unpersist();
  });

  it('draws a bar on a terminal and says when the computation failed', async () => {
    const out = new FakeStream(true);
    const failing = frame().assign({ small: col('v').mul(1e6).cast('int8') }).groupBy('k').sum('small');
    await expect(failing.compute({ progress: out })).rejects.toMatchObject({ code: 'TASK_FAILED' });
    expect(summaryOf(out.text).ok).toBe(false);
    const bar = new FakeStream(true);
    await frame().filter(col('k').eq(1)).compute({ progress: bar });
    expect(bar.text).toContain('\rstage 1/1 [');
    expect(bar.text).toContain('8/8 partitions');
    expect(summaryOf(bar.text)).toMatchObject({ ok: true, tasks: 8, cpu: 8 });
  });
});
