/**
 * The shuffle layer with scheduler 'gpu' against DuckDB on the same Parquet files: join buckets
 * get their gather maps from the GPU hash join (every kind, broadcast and hash, string and
 * multi-column keys), sort buckets with one 32/64-bit key are ordered by the GPU radix sort
 * (nulls first and last, NaN, descending); every such bucket ran on the GPU, none fell back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { col, readParquet, type DataFrame } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { useClient } from '../util/gpu.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-shuffle-gpu-');
const t = useClient({ scheduler: 'gpu' });
let left: string;

beforeAll(async () => {
  left = (await writeDataset(await duck.connection(), tmp.dir, 3000, seed, 500)).parquet;
});
afterAll(() => tmp.remove());

const frame = (): DataFrame => readParquet(left, { blocksize: '10kB' });
const L = ['row_id', 'id1', 'id4', 'id5', 'v1', 'v2', 'v3', 'vn', 'flag', 'word'];
const R = ['id4', 'id1', 'id5', 'v3', 'row_id'];

describe(`shuffles on the GPU path (seed ${seed})`, () => {
  const onGpu = async (run: () => Promise<void>): Promise<void> => {
    const before = t.client.stats();
    await run();
    const after = t.client.stats();
    expect(after.tasks.gpu).toBeGreaterThan(before.tasks.gpu);
    expect(after.gpuFallbacks).toEqual(before.gpuFallbacks);
    t.countGpuCheck();
  };

  for (const how of ['inner', 'left', 'right', 'outer', 'semi', 'anti'] as const) {
    it(`merge ${how}: a self-join on id4 and on (id1, id5), hash and broadcast`, async () => {
      const r = frame().filter(col('v1').ge(3)).select('id4', 'id1', 'id5', 'v3', 'row_id');
      for (const [on, broadcast] of [[['id4'], false], [['id1', 'id5'], undefined]] as const) {
        const df = frame().merge(r, { on: [...on], how, ...(broadcast === undefined ? {} : { broadcast }) });
        expect(df.explain()).toMatch(/device: gpu \(GPU hash join/);
        await onGpu(async () => {
          const got = await df.compute();
          const cond = on.map((k) => `l.${k} = r.${k}`).join(' AND ');
          const src = `read_parquet(${sqlPath(left)})`;
          const rsrc = `(SELECT id4, id1, id5, v3, row_id FROM ${src} WHERE v1 >= 3)`;
          let sql: string;
          if (how === 'semi' || how === 'anti') sql = `SELECT l.* FROM ${src} l ${how.toUpperCase()} JOIN ${rsrc} r ON ${cond}`;
          else {
            const keyOf = (c: string): string => (how === 'right' ? `r.${c}` : how === 'outer' ? `coalesce(l.${c}, r.${c})` : `l.${c}`);
            const cols = L.map((c) => (on.includes(c as never) ? `${keyOf(c)} AS ${c}` : R.includes(c) ? `l.${c} AS ${c}_x` : `l.${c}`));
            const rcols = R.filter((c) => !on.includes(c as never)).map((c) => `r.${c} AS ${c}_y`);
            const kind = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', outer: 'FULL JOIN' }[how];
            sql = `SELECT ${[...cols, ...rcols].join(', ')} FROM ${src} l ${kind} ${rsrc} r ON ${cond}`;
          }
          expectSameRows(got, await duckRows(await duck.connection(), sql), { what: `gpu ${how} ${on.join(',')}` });
        });
      }
    });
  }

  for (const [name, by, ascending, nullsLast, order] of [
    ['int64 ascending', 'id5', true, true, 'id5 NULLS LAST'],
    ['float64 with NaN, descending', 'vn', false, true, 'vn DESC NULLS LAST'],
    ['int32, nulls first', 'v1', true, false, 'v1 NULLS FIRST'],
  ] as const) {
    it(`sortValues ${name}`, async () => {
      const df = frame().sortValues(by, { ascending, nullsLast });
      expect(df.explain()).toMatch(/device: gpu \(GPU radix sort/);
      await onGpu(async () => {
        const got = await df.compute();
        expectSameRows(got, await duckRows(await duck.connection(), `SELECT * FROM read_parquet(${sqlPath(left)}) ORDER BY ${order}, row_id`), { ordered: true, what: `gpu sort ${name}` });
      });
    });
  }

  it('sorts on strings or several keys stay on the CPU, and explain says why', () => {
    expect(frame().sortValues('word').explain()).toMatch(/device: cpu \(the GPU radix sort takes 32- and 64-bit keys/);
    expect(frame().sortValues(['v1', 'v3']).explain()).toMatch(/device: cpu \(the GPU radix sort takes one key/);
  });
});
