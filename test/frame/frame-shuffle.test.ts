/**
 * The shuffle layer against DuckDB on the same Parquet files: merge (every kind, broadcast and
 * hash, many-to-many, multi-key, string keys from differing dictionaries, int32 against int64
 * keys, skew, an empty side), dropDuplicates (each keep), sortValues (ints, floats with NaN and
 * nulls, strings, several keys with mixed directions, nulls first), repartition and
 * mapPartitions — on the CPU workers and on the main thread ('sync').
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, col, readParquet, when, type DataFrame } from '../../src/index.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { testSeed } from '../util/random.js';
import { duckRows, expectSameRows, tempDir, writeDataset } from './frame-oracle.js';
import { join } from 'node:path';

const seed = testSeed();
const duck = useDuckDB();
const tmp = tempDir('dusk-shuffle-');
let left: string;
let right: string;

beforeAll(async () => {
  const c = await duck.connection();
  left = (await writeDataset(c, tmp.dir, 6000, seed, 700)).parquet;
  await c.run(`CREATE OR REPLACE TABLE r AS SELECT range::INTEGER AS r_id,
      CASE WHEN random() < 0.05 THEN NULL ELSE (random() * 60)::INTEGER END AS id4,
      CASE WHEN random() < 0.05 THEN NULL ELSE 'id' || lpad(CAST((random() * 25)::INTEGER AS VARCHAR), 3, '0') END AS id1,
      CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 4)::INTEGER + 1 END AS v1,
      CASE WHEN random() < 0.05 THEN NULL ELSE ((random() * 9)::BIGINT - 4) * 1000000000000 END AS k5,
      round(random() * 100, 3) AS w
    FROM range(800)`);
  right = join(tmp.dir, 'right.parquet');
  await c.run(`COPY r TO ${sqlPath(right)} (FORMAT parquet, ROW_GROUP_SIZE 100)`);
});
afterAll(() => tmp.remove());

const L = ['row_id', 'id1', 'id4', 'id5', 'v1', 'v2', 'v3', 'vn', 'flag', 'word'];
const R = ['r_id', 'id4', 'id1', 'v1', 'k5', 'w'];

/** DuckDB's SELECT list for a Dusk merge: keys once (coalesced as the contract says), clashing names suffixed. */
function joinSql(how: string, leftOn: string[], rightOn: string[]): string {
  const on = leftOn.map((k, i) => `l.${k} = r.${rightOn[i]}`).join(' AND ');
  const from = `read_parquet(${sqlPath(left)}) l`;
  const to = `read_parquet(${sqlPath(right)}) r`;
  if (how === 'semi' || how === 'anti') return `SELECT l.* FROM ${from} ${how.toUpperCase()} JOIN ${to} ON ${on}`;
  const same = leftOn.filter((k, i) => k === rightOn[i]);
  const select: string[] = [];
  for (const c of L) {
    if (same.includes(c)) select.push(`${how === 'right' ? `r.${c}` : how === 'outer' ? `coalesce(l.${c}, r.${c})` : `l.${c}`} AS ${c}`);
    else select.push(R.includes(c) && !same.includes(c) ? `l.${c} AS ${c}_x` : `l.${c}`);
  }
  for (const c of R) {
    if (same.includes(c)) continue;
    select.push(L.includes(c) ? `r.${c} AS ${c}_y` : `r.${c}`);
  }
  const kind = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', outer: 'FULL JOIN' }[how]!;
  return `SELECT ${select.join(', ')} FROM ${from} ${kind} ${to} ON ${on}`;
}

for (const scheduler of ['cpu', 'sync'] as const) {
  describe(`shuffles against DuckDB (scheduler ${scheduler}, seed ${seed})`, () => {
    let client: Client;
    beforeAll(async () => {
      client = await Client.create({ gpu: 'off', workers: 2, scheduler });
    });
    afterAll(async () => client.close());
    const l = (): DataFrame => readParquet(left, { blocksize: '10kB' });
    const r = (): DataFrame => readParquet(right, { blocksize: '2kB' });
    const check = async (df: DataFrame, sql: string, what: string, ordered = false): Promise<void> => {
      const want = await duckRows(await duck.connection(), sql);
      expectSameRows(await df.compute(), want, { ordered, what });
    };

    for (const how of ['inner', 'left', 'right', 'outer', 'semi', 'anti'] as const) {
      for (const broadcast of [undefined, false] as const) {
        it(`merge ${how} on id4 (many-to-many, null keys; broadcast ${String(broadcast)})`, async () => {
          expect(l().npartitions).toBeGreaterThan(2);
          expect(r().npartitions).toBeGreaterThan(2);
          await check(l().merge(r(), { on: 'id4', how, ...(broadcast === undefined ? {} : { broadcast }) }), joinSql(how, ['id4'], ['id4']), `${how} id4`);
        });
      }
    }

    it('merge on two keys, one of them strings from differing dictionaries', async () => {
      for (const how of ['inner', 'outer'] as const) {
        await check(l().merge(r(), { on: ['id1', 'id4'], how, broadcast: false }), joinSql(how, ['id1', 'id4'], ['id1', 'id4']), `${how} id1,id4`);
      }
    });

    it('merge int64 keys against int64 keys with other names (leftOn/rightOn), and a skewed key', async () => {
      await check(l().merge(r(), { leftOn: 'id5', rightOn: 'k5', how: 'left', broadcast: false }), joinSql('left', ['id5'], ['k5']), 'left id5=k5');
      // Half the left rows share one key: one bucket gets them all.
      const skewed = l().assign({ id4: when(col('v1').le(2)).then(7).otherwise(col('id4')) });
      const sql = `SELECT count(*) AS n FROM (SELECT CASE WHEN v1 <= 2 THEN 7 ELSE id4 END AS id4 FROM read_parquet(${sqlPath(left)})) l JOIN read_parquet(${sqlPath(right)}) r ON l.id4 = r.id4`;
      const got = await skewed.merge(r(), { on: 'id4', broadcast: false }).count();
      const want = await duckRows(await duck.connection(), sql);
      expect(got).toBe(Number(want.rows[0]![0]));
    });

    it('merge with an empty side', async () => {
      const none = r().filter(col('r_id').lt(0));
      expect(await l().merge(none, { on: 'id4' }).count()).toBe(0);
      expect(await l().merge(none, { on: 'id4', how: 'left' }).count()).toBe(6000);
      expect(await none.merge(l(), { on: 'id4', how: 'outer', broadcast: false }).count()).toBe(6000);
      expect(await l().merge(none, { on: 'id4', how: 'anti' }).count()).toBe(6000);
    });

    for (const keep of ['first', 'last', false] as const) {
      it(`dropDuplicates keep ${String(keep)} (in row order)`, async () => {
        const window = keep === false ? 'count(*) OVER (PARTITION BY id1, id4) = 1' : `row_number() OVER (PARTITION BY id1, id4 ORDER BY row_id ${keep === 'last' ? 'DESC' : ''}) = 1`;
        await check(l().dropDuplicates({ subset: ['id1', 'id4'], keep }), `SELECT * FROM read_parquet(${sqlPath(left)}) QUALIFY ${window} ORDER BY row_id`, `dropDuplicates ${String(keep)}`, true);
      });
    }

    it('dropDuplicates on every column, and on floats with NaN', async () => {
      await check(l().select('id4', 'v1').dropDuplicates(), `SELECT id4, v1 FROM read_parquet(${sqlPath(left)}) QUALIFY row_number() OVER (PARTITION BY id4, v1 ORDER BY row_id) = 1 ORDER BY row_id`, 'distinct all', true);
      await check(l().dropDuplicates({ subset: 'vn', keep: 'last' }).select('row_id', 'vn'), `SELECT row_id, vn FROM read_parquet(${sqlPath(left)}) QUALIFY row_number() OVER (PARTITION BY vn ORDER BY row_id DESC) = 1 ORDER BY row_id`, 'distinct vn', true);
    });

    const sorts: [string, (df: DataFrame) => DataFrame, string][] = [
      ['an int64 column', (df) => df.sortValues('id5'), 'id5 NULLS LAST'],
      ['floats with NaN, ±Infinity and nulls, descending', (df) => df.sortValues('vn', { ascending: false }), 'vn DESC NULLS LAST'],
      ['strings', (df) => df.sortValues('word'), 'word NULLS LAST'],
      ['several keys, mixed directions', (df) => df.sortValues(['id1', 'v3', 'flag'], { ascending: [true, false, true] }), 'id1 NULLS LAST, v3 DESC NULLS LAST, flag NULLS LAST'],
      ['nulls first', (df) => df.sortValues(['v1', 'id4'], { ascending: [false, true], nullsLast: false }), 'v1 DESC NULLS FIRST, id4 NULLS FIRST'],
    ];
    for (const [name, sort, order] of sorts) {
      it(`sortValues: ${name} (stable: ties keep row order)`, async () => {
        await check(sort(l()), `SELECT * FROM read_parquet(${sqlPath(left)}) ORDER BY ${order}, row_id`, `sort ${name}`, true);
      });
    }

    it('sortValues after a filter, then head', async () => {
      const got = await l().filter(col('v1').gt(1)).sortValues('v3', { ascending: false }).head(25);
      const want = await duckRows(await duck.connection(), `SELECT * FROM read_parquet(${sqlPath(left)}) WHERE v1 > 1 ORDER BY v3 DESC NULLS LAST, row_id LIMIT 25`);
      expectSameRows(got, want, { ordered: true, what: 'filter sort head' });
    });

    it('repartition keeps the rows in order', async () => {
      for (const npartitions of [1, 3, 17]) {
        const df = l().repartition({ npartitions });
        expect(df.npartitions).toBe(npartitions);
        await check(df.select('row_id', 'word'), `SELECT row_id, word FROM read_parquet(${sqlPath(left)}) ORDER BY row_id`, `repartition ${npartitions}`, true);
      }
      await check(l().repartition({ partitionSize: '20kB' }).select('row_id'), `SELECT row_id FROM read_parquet(${sqlPath(left)}) ORDER BY row_id`, 'repartition size', true);
    });
  });
}
