/**
 * The DataFrame queries the DuckDB comparison suites run (frame-queries.test.ts on the CPU
 * schedulers, frame-queries-gpu.test.ts with scheduler 'gpu'): each with the SQL that DuckDB
 * runs on the same file, `{t}` standing for the file.
 */
import { col, type DataFrame } from '../../src/index.js';

export interface Query {
  name: string;
  dusk: (df: DataFrame) => DataFrame;
  sql: string;
  ordered?: boolean;
  rel?: number;
}

export const QUERIES: Query[] = [
  { name: 'filter + select', dusk: (df) => df.filter(col('v1').gt(2)).select('row_id', 'id1', 'v3'), sql: 'SELECT row_id, id1, v3 FROM {t} WHERE v1 > 2' },
  { name: 'assign computed columns', dusk: (df) => df.assign({ w: col('v1').mul(col('v3')), big: col('v2').add(col('id5')) }).select('row_id', 'w', 'big'), sql: 'SELECT row_id, v1 * v3 AS w, v2 + id5 AS big FROM {t}' },
  { name: 'rename and drop', dusk: (df) => df.rename({ v1: 'x' }).drop('v2', 'v3', 'vn', 'word', 'flag').filter(col('x').eq(3)), sql: 'SELECT row_id, id1, id4, id5, v1 AS x FROM {t} WHERE v1 = 3' },
  { name: 'a filter that removes every row', dusk: (df) => df.filter(col('v1').gt(100)).select('id1', 'v1'), sql: 'SELECT id1, v1 FROM {t} WHERE v1 > 100' },
  { name: 'string predicates', dusk: (df) => df.filter(col('word').startsWith('g').or(col('word').isIn(['beta', '']))).select('row_id', 'word'), sql: "SELECT row_id, word FROM {t} WHERE starts_with(word, 'g') OR word IN ('beta', '')" },
  { name: 'groupBy string key: sum', dusk: (df) => df.groupBy('id1').sum('v1'), sql: 'SELECT id1, sum(v1) AS v1 FROM {t} GROUP BY id1' },
  {
    name: 'groupBy two keys: several aggregates',
    dusk: (df) => df.groupBy(['id1', 'id4']).agg({ v1: 'sum', v3: ['mean', 'std', 'count'] }),
    sql: 'SELECT id1, id4, sum(v1) AS v1, avg(v3) AS v3_mean, stddev_samp(v3) AS v3_std, count(v3) AS v3_count FROM {t} GROUP BY id1, id4',
    rel: 1e-9,
  },
  {
    name: 'groupBy int64 key: min max var of int64 and float',
    dusk: (df) => df.groupBy('id5').agg({ v2: ['min', 'max', 'sum', 'var'], v3: ['min', 'max'] }),
    sql: 'SELECT id5, min(v2) AS v2_min, max(v2) AS v2_max, sum(v2) AS v2_sum, var_samp(v2) AS v2_var, min(v3) AS v3_min, max(v3) AS v3_max FROM {t} GROUP BY id5',
    rel: 1e-9,
  },
  {
    name: 'groupBy bool key: nunique, first, last',
    dusk: (df) => df.groupBy('flag').agg({ word: ['nunique', 'first', 'last'], v1: 'first' }),
    sql: `SELECT flag, count(DISTINCT word) AS word_nunique,
            arg_min(word, row_id) FILTER (WHERE word IS NOT NULL) AS word_first,
            arg_max(word, row_id) FILTER (WHERE word IS NOT NULL) AS word_last,
            arg_min(v1, row_id) FILTER (WHERE v1 IS NOT NULL) AS v1
          FROM {t} GROUP BY flag`,
  },
  { name: 'groupBy size', dusk: (df) => df.groupBy('id4').size(), sql: 'SELECT id4, count(*) AS size FROM {t} GROUP BY id4' },
  { name: 'groupBy sorted', dusk: (df) => df.groupBy('id1', { sort: true }).mean('v3'), sql: 'SELECT id1, avg(v3) AS v3 FROM {t} GROUP BY id1 ORDER BY id1 NULLS LAST', ordered: true },
  { name: 'filter then groupBy', dusk: (df) => df.filter(col('v3').gt(10).and(col('flag'))).groupBy(['id4', 'flag']).agg({ v2: 'sum', v3: 'max' }), sql: 'SELECT id4, flag, sum(v2) AS v2, max(v3) AS v3 FROM {t} WHERE v3 > 10 AND flag GROUP BY id4, flag' },
  {
    name: 'whole-frame agg',
    dusk: (df) => df.agg({ v3: ['sum', 'min', 'max', 'mean', 'std'], v2: 'sum', v1: 'count' }),
    sql: 'SELECT sum(v3) AS v3_sum, min(v3) AS v3_min, max(v3) AS v3_max, avg(v3) AS v3_mean, stddev_samp(v3) AS v3_std, sum(v2) AS v2, count(v1) AS v1 FROM {t}',
    rel: 1e-9,
  },
  { name: 'whole-frame agg of nothing', dusk: (df) => df.filter(col('v1').lt(0)).agg({ v3: ['sum', 'count', 'std'] }), sql: 'SELECT sum(v3) AS v3_sum, count(v3) AS v3_count, stddev_samp(v3) AS v3_std FROM {t} WHERE v1 < 0' },
  {
    // The filter is fused into the aggregate as a mask (no rows are gathered), from the scan's predicate and from an op after assign.
    name: 'filter then whole-frame agg',
    dusk: (df) => df.filter(col('v3').lt(50).and(col('v1').gt(2))).agg({ v3: ['sum', 'mean', 'std', 'min'], v2: ['sum', 'count'], word: ['nunique', 'max'] }),
    sql: 'SELECT sum(v3) AS v3_sum, avg(v3) AS v3_mean, stddev_samp(v3) AS v3_std, min(v3) AS v3_min, sum(v2) AS v2_sum, count(v2) AS v2_count, count(DISTINCT word) AS word_nunique, max(word) AS word_max FROM {t} WHERE v3 < 50 AND v1 > 2',
    rel: 1e-9,
  },
  {
    name: 'assign, filter, whole-frame agg',
    dusk: (df) => df.assign({ w: col('v3').mul(2) }).filter(col('w').gt(30).or(col('flag').isNull())).agg({ w: ['sum', 'count'], v1: 'count' }),
    sql: 'SELECT sum(v3 * 2) AS w_sum, count(v3 * 2) AS w_count, count(v1) AS v1 FROM {t} WHERE v3 * 2 > 30 OR flag IS NULL',
    rel: 1e-12,
  },
  { name: 'valueCounts', dusk: (df) => df.valueCounts('id1'), sql: 'SELECT id1, count(*) AS count FROM {t} GROUP BY id1 ORDER BY count DESC, id1 ASC NULLS LAST', ordered: true },
  {
    name: 'NaN and Infinity in sum, mean, min, max',
    dusk: (df) => df.groupBy('id4').agg({ vn: ['sum', 'mean', 'min', 'max', 'count'] }),
    // Values of ±5e5 cancel to sums near 0: DuckDB's plain sum loses digits there, its fsum
    // does not (but fsum turns an infinite sum into NaN, so it is used on finite groups only).
    sql: `SELECT id4, CASE WHEN bool_or(NOT isfinite(vn)) THEN sum(vn) ELSE fsum(vn) END AS vn_sum,
            CASE WHEN bool_or(NOT isfinite(vn)) THEN avg(vn) ELSE fsum(vn) / count(vn) END AS vn_mean,
            min(vn) AS vn_min, max(vn) AS vn_max, count(vn) AS vn_count FROM {t} GROUP BY id4`,
    rel: 1e-12,
  },
  { name: 'NaN in predicates (NaN above +Infinity)', dusk: (df) => df.filter(col('vn').gt(1e300)).select('row_id', 'vn'), sql: 'SELECT row_id, vn FROM {t} WHERE vn > 1e300' },
  { name: 'groupBy after a computed key', dusk: (df) => df.assign({ bucket: col('v1').mod(2) }).groupBy('bucket').agg({ v3: 'mean' }), sql: 'SELECT v1 % 2 AS bucket, avg(v3) AS v3 FROM {t} GROUP BY bucket', rel: 1e-12 },
];

