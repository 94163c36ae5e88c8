/**
 * The GPU hash groupby at 1e6 groups: 1e6 rows, every row its own group (int32 keys in a shuffled
 * order, so the hash table takes 1e6 distinct inserts), then 1e6 groups over two key columns
 * (int64 + int32) of 2e6 rows; both finalized and compared with the CPU twin.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { partialGroupBy, type AggRequest } from '../../src/cpu/kernels/group-by.js';
import { groupByPartial } from '../../src/gpu/kernels/group-by.js';
import { uploadTable } from '../../src/gpu/upload-table.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';
import { expectSameTable, finalize } from './group-by-cases.js';

const seed = testSeed();
const t = useClient();

function shuffled(n: number, rnd: Random): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe(`GPU groupby with 1e6 groups (seed ${seed})`, () => {
  it('every row its own group', async () => {
    const rnd = new Random(seed);
    const n = 1_000_000;
    const table = new arrow.Table({
      k: arrow.makeVector(shuffled(n, rnd)),
      v: arrow.makeVector(Float64Array.from({ length: n }, () => rnd.next() * 100)),
      w: arrow.makeVector(Int32Array.from({ length: n }, () => rnd.int(-1000, 1000))),
    });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'mean', column: 'w' }, { fn: 'max', column: 'w' }, { fn: 'size', column: null }];
    const resident = uploadTable(t.client.gpu!, table, ['k', 'v', 'w'], '1e6 groups');
    try {
      const r = await groupByPartial(t.client.gpu!, resident, ['k'], aggs);
      if ('unsupported' in r) throw new Error(r.unsupported);
      expect(r.partial.groups).toBe(n);
      expectSameTable(finalize(r.partial, ['k'], aggs), finalize(partialGroupBy(table, ['k'], aggs), ['k'], aggs), aggs, '1e6 own groups');
      t.countGpuCheck();
    } finally {
      resident.release();
    }
  });

  it('two key columns making 1e6 groups of two rows', async () => {
    const rnd = new Random(seed + 1);
    const n = 2_000_000;
    const base = shuffled(1_000_000, rnd);
    const a = new BigInt64Array(n);
    const b = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const g = base[i % 1_000_000]!;
      a[i] = BigInt(g >> 10) * 4_000_000_000n - 2n ** 62n; // beyond 32 bits
      b[i] = g & 1023;
    }
    const table = new arrow.Table({ a: arrow.makeVector(a), b: arrow.makeVector(b), v: arrow.makeVector(Int32Array.from({ length: n }, (_, i) => i % 7)) });
    const aggs: AggRequest[] = [{ fn: 'sum', column: 'v' }, { fn: 'count', column: 'v' }];
    const resident = uploadTable(t.client.gpu!, table, ['a', 'b', 'v'], '1e6 pairs');
    try {
      const r = await groupByPartial(t.client.gpu!, resident, ['a', 'b'], aggs);
      if ('unsupported' in r) throw new Error(r.unsupported);
      expect(r.partial.groups).toBe(1_000_000);
      expectSameTable(finalize(r.partial, ['a', 'b'], aggs), finalize(partialGroupBy(table, ['a', 'b'], aggs), ['a', 'b'], aggs), aggs, '1e6 pair groups');
      t.countGpuCheck();
    } finally {
      resident.release();
    }
  });
});
