/**
 * The CPU group-by against DuckDB: one random table (keys with nulls, NaN and -0; values of
 * every type) written to Parquet, `SELECT keys, agg(v) ... GROUP BY ALL` in DuckDB, and the same
 * aggregates in Dusk computed over three partitions (each with its own dictionaries) merged.
 * Values are finite here (DuckDB raises on infinite variances); the reference suite covers NaN
 * and infinities. first/last are DuckDB's arg_min/arg_max over a row number, nulls filtered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  finalizeGroupBy, mergeGroupPartials, partialGroupBy, type AggFn, type AggRequest,
} from '../../src/cpu/kernels/group-by.js';
import { makeVector } from '../util/columns.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { Random, testSeed } from '../util/random.js';
import {
  ALL_TYPES, buildTable, keyString, randomCells, sameCell, tableRows, type Cell, type ColType, type ColumnSpec,
} from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);
const N = 3000;
const dir = mkdtempSync(join(tmpdir(), 'dusk-groupby-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

const keyCols: ColumnSpec[] = [
  { name: 'k_int', type: 'int32', values: randomCells(rnd, 'int32', N, { distinct: 8, nullRate: 0.05 }) },
  { name: 'k_str', type: 'dict', values: randomCells(rnd, 'dict', N, { distinct: 6, nullRate: 0.05 }) },
  { name: 'k_f', type: 'float64', values: randomCells(rnd, 'float64', N, { distinct: 5, specials: true, nullRate: 0.05 }) },
  { name: 'k_b', type: 'bool', values: randomCells(rnd, 'bool', N, { nullRate: 0.05 }) },
];
const valueCols: ColumnSpec[] = ALL_TYPES.map((type) => ({
  name: `v_${type}`,
  type,
  values: randomCells(rnd, type, N, { nullRate: 0.2 }).map((v) => (typeof v === 'number' && rnd.next() < 0.02 ? -0 : v)),
}));
const rowNumbers = Array.from({ length: N }, (_, i) => i);

/** The plain Arrow table DuckDB reads (dictionary columns as plain strings). */
function plainVector(c: ColumnSpec): arrow.Vector {
  if (c.type === 'bool') return arrow.vectorFromArray(c.values as (boolean | null)[], new arrow.Bool());
  if (c.type === 'utf8' || c.type === 'dict') return arrow.vectorFromArray(c.values as (string | null)[], new arrow.Utf8());
  return makeVector(c.type, c.values as (number | bigint | null)[]);
}

const file = join(dir, 'data.parquet');
const plain = new arrow.Table({
  rn: arrow.vectorFromArray(rowNumbers, new arrow.Int32()),
  ...Object.fromEntries([...keyCols, ...valueCols].map((c) => [c.name, plainVector(c)])),
});
writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(plain, 'stream'))));

const SQL: Record<AggFn, (c: string) => string> = {
  sum: (c) => `sum(${c})`,
  mean: (c) => `avg(${c})`,
  count: (c) => `count(${c})`,
  size: () => 'count(*)',
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  var: (c) => `var_samp(${c})`,
  std: (c) => `stddev_samp(${c})`,
  nunique: (c) => `count(DISTINCT ${c})`,
  first: (c) => `arg_min(${c}, rn) FILTER (WHERE ${c} IS NOT NULL)`,
  last: (c) => `arg_max(${c}, rn) FILTER (WHERE ${c} IS NOT NULL)`,
};

function aggsFor(type: ColType, column: string): AggRequest[] {
  const numeric = type !== 'bool' && type !== 'utf8' && type !== 'dict';
  const fns: AggFn[] = ['count', 'nunique', 'min', 'max', 'first', 'last', ...(numeric ? (['sum', 'mean', 'var', 'std'] as AggFn[]) : [])];
  return fns.map((fn) => ({ fn, column }));
}

const AGGS: AggRequest[] = [{ fn: 'size', column: null }, ...valueCols.flatMap((c) => aggsFor(c.type, c.name))];

/** Dusk's result over three partitions, each its own table with its own dictionaries, merged. */
function dusk(keys: string[]): arrow.Table {
  const all = [...keyCols, ...valueCols];
  const cuts = [0, 900, 2200, N];
  const parts = cuts.slice(1).map((to, i) => {
    const t = buildTable(rnd, all.map((c) => ({ ...c, values: c.values.slice(cuts[i], to) })), [Math.floor((to - cuts[i]) / 2), Math.ceil((to - cuts[i]) / 2)]);
    return partialGroupBy(t, keys, AGGS);
  });
  return finalizeGroupBy(mergeGroupPartials(parts, keys, AGGS), keys, AGGS, AGGS.map((_, i) => `a${i}`));
}

/** Float results from DuckDB are compared to 1e-9 (DuckDB's own sums are not compensated). */
function agrees(got: Cell, want: Cell): boolean {
  if (typeof want === 'number' && typeof got === 'number') {
    return sameCell(got, { value: want, tol: 1e-9 * Math.max(1, Math.abs(want)) });
  }
  if (typeof want === 'bigint' && typeof got === 'bigint') return got === want;
  if (typeof want === 'bigint' || typeof got === 'bigint') return BigInt(got as number) === BigInt(want as number);
  return got === want;
}

describe(`group-by against DuckDB (seed ${seed})`, () => {
  const KEY_SETS: string[][] = [[], ['k_int'], ['k_str'], ['k_f', 'k_b'], ['k_str', 'k_int']];
  for (const keys of KEY_SETS) {
    it(`GROUP BY ${keys.length === 0 ? '()' : keys.join(', ')}`, async () => {
      const conn = await duck.connection();
      const select = [...keys, ...AGGS.map((a) => SQL[a.fn](a.column ?? ''))].join(', ');
      const sql = `SELECT ${select} FROM read_parquet(${sqlPath(file)})${keys.length > 0 ? ' GROUP BY ALL' : ''}`;
      const reader = await conn.runAndReadAll(sql);
      const want = new Map<string, Cell[]>();
      for (const row of reader.getRowsJS() as Cell[][]) want.set(keyString(row.slice(0, keys.length)), row);
      const got = tableRows(dusk(keys));
      expect(got.length).toBe(want.size);
      for (const row of got) {
        const k = keyString(row.slice(0, keys.length));
        const w = want.get(k);
        if (w === undefined) expect.fail(`group ${k} is not in DuckDB's result`);
        AGGS.forEach((a, j) => {
          const g = row[keys.length + j];
          const d = w[keys.length + j];
          if (!agrees(g, d)) expect.fail(`group ${k}: ${a.fn}(${a.column ?? ''}): Dusk ${String(g)}, DuckDB ${String(d)}`);
        });
      }
    });
  }
});
