/**
 * How a grouped aggregate's partials are combined (run-stage's aggregateOnCpu / combinePartials):
 * over several partitions, each partition task splits its partial into buckets by key hash;
 * when a partition has SPLIT_GROUPS groups or more every bucket is merged and finalized in a
 * task of its own, else all partials are merged at once (in a tree when they are many). Checked
 * on the worker pool and on the main thread against a plain reference, first/last included (they depend on the merges
 * keeping partition order), with groups just below and exactly at the threshold, more
 * partitions than one merge takes, empty partitions, all-null keys, one group, int64 and
 * string keys.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, col, fromArrays, type DataFrame } from '../../src/index.js';
import { SPLIT_GROUPS } from '../../src/exec/run-stage.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
let pool: Client;

beforeAll(async () => {
  pool = await Client.create({ gpu: 'off', workers: 2, scheduler: 'cpu' });
});
afterAll(async () => {
  await pool.close();
});

/** Runs `run` on the worker pool, then on the main thread (a frame computes on the newest open client). */
async function onBoth(run: (where: string) => Promise<void>): Promise<void> {
  await run('pool');
  const sync = await Client.create({ gpu: 'off', workers: 1, scheduler: 'sync' });
  try {
    await run('sync');
  } finally {
    await sync.close();
  }
}

type Key = string | number | bigint | null;

/** The aggregates every case runs, as the reference computes them from (key, value) rows. */
interface Expected {
  sum: bigint;
  count: bigint;
  first: number | null;
  last: number | null;
  min: number | null;
}

function reference(keys: readonly Key[], values: readonly (number | null)[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  keys.forEach((k, i) => {
    const id = keyId(k);
    let e = out.get(id);
    if (e === undefined) out.set(id, (e = { sum: 0n, count: 0n, first: null, last: null, min: null }));
    const v = values[i];
    if (v === null) return;
    e.sum += BigInt(v);
    e.count++;
    e.first ??= v;
    e.last = v;
    e.min = e.min === null || v < e.min ? v : e.min;
  });
  return out;
}

function keyId(k: Key): string {
  return k === null ? 'null' : `${typeof k}:${String(k)}`;
}

/** The frame's groupBy, one row per group keyed like the reference. */
async function grouped(df: DataFrame): Promise<Map<string, Expected>> {
  const t = await df.groupBy('k').agg({ v: ['sum', 'count', 'first', 'last', 'min'] }).compute();
  const out = new Map<string, Expected>();
  for (const r of t.toArray() as { k: Key; v_sum: bigint | null; v_count: bigint; v_first: number | null; v_last: number | null; v_min: number | null }[]) {
    const id = keyId(r.k);
    expect(out.has(id), `group ${id} comes out once`).toBe(false);
    out.set(id, { sum: r.v_sum ?? 0n, count: r.v_count, first: r.v_first, last: r.v_last, min: r.v_min });
  }
  return out;
}

/** Runs the same groupBy on the worker pool and on the main thread; both must give the reference. */
async function check(make: () => DataFrame, keys: readonly Key[], values: readonly (number | null)[]): Promise<void> {
  const want = reference(keys, values);
  await onBoth(async (name) => {
    const got = await grouped(make());
    expect(got.size, `${name}: groups`).toBe(want.size);
    for (const [id, e] of want) expect(got.get(id), `${name}: group ${id}`).toEqual(e);
  });
}

/** Every key 0..groups-1 once per partition, shuffled, so each partition's partial has `groups` groups. */
function everyKeyPerPartition(rnd: Random, groups: number, partitions: number): { k: Int32Array; v: Int32Array } {
  const k = new Int32Array(groups * partitions);
  for (let p = 0; p < partitions; p++) {
    const perm = Int32Array.from({ length: groups }, (_, i) => i);
    for (let i = groups - 1; i > 0; i--) {
      const j = rnd.int(0, i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    k.set(perm, p * groups);
  }
  return { k, v: Int32Array.from(k, () => rnd.int(-1000, 1000)) };
}

function fromColumns(k: arrow.Vector | ArrayLike<unknown>, v: arrow.Vector | ArrayLike<unknown>, npartitions: number): DataFrame {
  return fromArrays({ k, v }, { npartitions });
}

describe(`grouped partials combined bucket by bucket (seed ${seed})`, () => {
  it.each([
    ['one below the threshold: every partial merged at once, in a tree', SPLIT_GROUPS - 1],
    ['exactly at the threshold: one merge per bucket', SPLIT_GROUPS],
  ])('%s', async (_label, groups) => {
    const rnd = new Random(seed + groups);
    // More partitions than one merge takes, so that the two paths differ.
    const partitions = 9;
    const { k, v } = everyKeyPerPartition(rnd, groups, partitions);
    const operators: string[] = [];
    const off = pool.on('task', (e) => void operators.push(e.operator));
    try {
      await check(() => fromColumns(k, v, partitions), Array.from(k), Array.from(v));
    } finally {
      off();
    }
    const merges = operators.filter((o) => o.endsWith('→merge')).length;
    const finals = operators.filter((o) => o.endsWith('→finalize')).length;
    expect(operators.filter((o) => o.endsWith('→split'))).toEqual([]);
    // Many groups: one finalize per bucket (2 workers, 4 buckets). Fewer: all partials at once,
    // 9 partitions × 4 buckets being more than one merge takes, after a level of merges.
    if (groups >= SPLIT_GROUPS) {
      expect(finals).toBe(4);
      expect(merges).toBe(0);
    } else {
      expect(finals).toBe(1);
      expect(merges).toBeGreaterThan(0);
    }
  });

  it('more partitions than one merge takes, some of them empty after a filter, keep first/last in row order', async () => {
    const rnd = new Random(seed + 1);
    const n = 3000;
    const k = Int32Array.from({ length: n }, () => rnd.int(0, 50));
    // Rows 1000..1999 are all filtered out: the partitions there give empty partials.
    const v = Int32Array.from({ length: n }, (_, i) => (i >= 1000 && i < 2000 ? -1 : rnd.int(0, 1000)));
    const kept = Array.from(v.keys()).filter((i) => v[i]! >= 0);
    await check(() => fromColumns(k, v, 30).filter(col('v').ge(0)), kept.map((i) => k[i]!), kept.map((i) => v[i]!));
  });

  it('a filter that removes every row gives no groups', async () => {
    const k = Int32Array.from({ length: 100 }, (_, i) => i % 7);
    const v = Int32Array.from({ length: 100 }, (_, i) => i);
    await onBoth(async (name) => {
      const t = await fromColumns(k, v, 4).filter(col('v').gt(1000)).groupBy('k').agg({ v: ['sum', 'first'] }).compute();
      expect(t.numRows, name).toBe(0);
    });
  });

  it('all-null keys form one group; one group over every partition', async () => {
    const rnd = new Random(seed + 2);
    const n = 500;
    const values = Array.from({ length: n }, () => (rnd.int(0, 10) === 0 ? null : rnd.int(-100, 100)));
    const nullKeys = arrow.vectorFromArray(Array.from({ length: n }, () => null), new arrow.Int32());
    const v = arrow.vectorFromArray(values, new arrow.Int32());
    await check(() => fromColumns(nullKeys, v, 5), Array.from({ length: n }, () => null), values);
    const one = new Int32Array(n).fill(7);
    await check(() => fromColumns(one, v, 5), Array.from(one), values);
  });

  it('int64 keys at the extremes and string keys with nulls, over many groups', async () => {
    const rnd = new Random(seed + 3);
    const n = SPLIT_GROUPS + 1000;
    const big = [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n];
    const k64 = BigInt64Array.from({ length: n }, (_, i) => (i < big.length ? big[i]! : BigInt(rnd.int(0, SPLIT_GROUPS * 2)) * 3_000_000_007n));
    const v = Int32Array.from({ length: n }, () => rnd.int(-5, 5));
    await check(() => fromColumns(k64, v, 3), Array.from(k64), Array.from(v));
    const strings = Array.from({ length: n }, () => (rnd.int(0, 50) === 0 ? null : `s${rnd.int(0, SPLIT_GROUPS * 2)}`));
    const ks = arrow.vectorFromArray(strings, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    await check(() => fromColumns(ks, v, 3), strings, Array.from(v));
  });
});
