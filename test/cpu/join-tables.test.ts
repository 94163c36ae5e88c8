/**
 * joinTables and joinSchema: the output schema (names, suffixes, clashes, the types of
 * coalesced keys), and the joined rows against nested loops over boxed rows — in the exact
 * contract order, cell by cell (-0 and NaN kept apart by Object.is) — for every `how`, one and
 * several keys, keys of different types on the two sides, tables in several batches whose
 * dictionaries differ; takeRows with -1; and a few joins against DuckDB as sorted row sets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { joinSchema, joinTables, tableJoinMaps, type JoinSpec } from '../../src/cpu/kernels/join-tables.js';
import type { JoinHow } from '../../src/cpu/kernels/key-words.js';
import { takeRows } from '../../src/cpu/kernels/take-rows.js';
import { DuskError, PlanError, SchemaError } from '../../src/errors.js';
import { makeVector } from '../util/columns.js';
import { sqlPath, useDuckDB } from '../util/duckdb.js';
import { Random, testSeed } from '../util/random.js';
import { buildTable, keyString, randomCells, tableRows, type Cell, type ColType, type ColumnSpec } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);
const HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer', 'semi', 'anti'];
const SUFFIXES: [string, string] = ['_x', '_y'];

function schemaOf(fields: Record<string, arrow.DataType>): arrow.Schema {
  return new arrow.Schema(Object.entries(fields).map(([name, type]) => new arrow.Field(name, type, true)));
}

function spec(how: JoinHow, leftOn: string[], rightOn = leftOn): JoinSpec {
  return { how, leftOn, rightOn, suffixes: SUFFIXES };
}

describe('joinSchema', () => {
  const dict = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const left = schemaOf({ k: new arrow.Int32(), a: new arrow.Utf8(), v: new arrow.Float64() });
  const right = schemaOf({ v: new arrow.Int8(), k: new arrow.Int64(), b: dict });

  it('an `on` key appears once, at the left key place, in the type the join gives it', () => {
    const names = (how: JoinHow): string[] => joinSchema(left, right, spec(how, ['k'])).fields.map((f) => f.name);
    const keyType = (how: JoinHow): string => String(joinSchema(left, right, spec(how, ['k'])).fields[0]!.type);
    for (const how of ['inner', 'left', 'right', 'outer'] as const) expect(names(how)).toEqual(['k', 'a', 'v_x', 'v_y', 'b']);
    expect(names('semi')).toEqual(['k', 'a', 'v']);
    expect(names('anti')).toEqual(['k', 'a', 'v']);
    expect([keyType('inner'), keyType('left'), keyType('right'), keyType('outer')]).toEqual(['Int32', 'Int32', 'Int64', 'Int64']);
  });

  it('keys with different names both appear; crossed names are suffixed', () => {
    const l = schemaOf({ a: new arrow.Int32(), b: new arrow.Int32() });
    const r = schemaOf({ b: new arrow.Int32(), a: new arrow.Int32() });
    expect(joinSchema(l, r, spec('inner', ['a'], ['a'])).fields.map((f) => f.name)).toEqual(['a', 'b_x', 'b_y']);
    expect(joinSchema(l, r, spec('inner', ['a', 'b'], ['b', 'a'])).fields.map((f) => f.name)).toEqual(['a_x', 'b_x', 'b_y', 'a_y']);
    expect(joinSchema(left, right, spec('left', ['k'], ['v'])).fields.map((f) => f.name)).toEqual(['k_x', 'a', 'v_x', 'v_y', 'k_y', 'b']);
  });

  it('outer keys widen: ints to the type holding both, float32 with float64, strings to Utf8', () => {
    const cases: [arrow.DataType, arrow.DataType, string][] = [
      [new arrow.Int32(), new arrow.Uint32(), 'Int64'],
      [new arrow.Uint8(), new arrow.Uint16(), 'Uint16'],
      [new arrow.Int8(), new arrow.Uint8(), 'Int16'],
      [new arrow.Int64(), new arrow.Uint64(), 'Int64'],
      [new arrow.Float32(), new arrow.Float64(), 'Float64'],
      [dict, new arrow.Utf8(), 'Utf8'],
      [new arrow.LargeUtf8(), new arrow.Utf8(), 'Utf8'],
      [dict, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), String(dict)],
      [dict, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16()), 'Utf8'],
      [new arrow.TimestampMillisecond(), new arrow.TimestampMillisecond(), 'Timestamp<MILLISECOND>'],
    ];
    for (const [a, b, want] of cases) {
      expect(String(joinSchema(schemaOf({ k: a }), schemaOf({ k: b }), spec('outer', ['k'])).fields[0]!.type), `${String(a)} with ${String(b)}`).toBe(want);
    }
  });

  it('an outer key of two dictionaries stays a dictionary, on one dictionary of both sides\' strings', () => {
    const t = (values: (string | null)[]): arrow.Table => new arrow.Table({ k: arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())) });
    const got = joinTables(t(['a', 'b', null, 'a']), t(['c', 'a', null]), spec('outer', ['k']));
    expect(got.schema.fields[0]!.type.typeId).toBe(arrow.Type.Dictionary);
    expect(tableRows(got).map((r) => r[0])).toEqual(['a', 'b', null, 'a', 'c', null]);
  });

  it('columns from the side that may be missing are nullable', () => {
    const l = new arrow.Schema([new arrow.Field('k', new arrow.Int32(), false), new arrow.Field('a', new arrow.Int32(), false)]);
    const r = new arrow.Schema([new arrow.Field('k', new arrow.Int32(), false), new arrow.Field('b', new arrow.Int32(), false)]);
    const nullable = (how: JoinHow): boolean[] => joinSchema(l, r, spec(how, ['k'])).fields.map((f) => f.nullable);
    expect(nullable('inner')).toEqual([false, false, false]);
    expect(nullable('left')).toEqual([false, false, true]);
    expect(nullable('right')).toEqual([false, true, false]);
    expect(nullable('outer')).toEqual([false, true, true]);
  });

  it('a suffixed name that meets another column is a JOIN_COLUMN_CLASH', () => {
    const l = schemaOf({ k: new arrow.Int32(), v: new arrow.Int32(), v_x: new arrow.Int32() });
    const r = schemaOf({ k: new arrow.Int32(), v: new arrow.Int32() });
    expect(() => joinSchema(l, r, spec('inner', ['k']))).toThrow(expect.objectContaining({ code: 'JOIN_COLUMN_CLASH', message: expect.stringContaining("'v_x'") }));
    expect(() => joinSchema(l, r, spec('semi', ['k']))).not.toThrow();
    expect(() => joinSchema(l, r, { ...spec('inner', ['k']), suffixes: ['', ''] })).toThrow(PlanError);
  });

  it('unknown keys are SchemaErrors, keys that do not compare PlanErrors', () => {
    expect(() => joinSchema(left, right, spec('inner', ['nope'], ['k']))).toThrow(SchemaError);
    expect(() => joinSchema(left, right, spec('inner', ['k'], ['nope']))).toThrow(/on the right/);
    expect(() => joinSchema(left, right, spec('inner', ['a'], ['k']))).toThrow(expect.objectContaining({ code: 'JOIN_KEY_TYPE' }));
  });
});

/** Key equality as the join sees it: nulls never match, ints by value, NaN = NaN, -0 = 0. */
function keyEqual(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return false;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) ? Number.isNaN(b) : a === b;
  if (typeof a !== typeof b && typeof a !== 'string' && typeof b !== 'string') return BigInt(a as number) === BigInt(b as number);
  return a === b;
}

interface Side {
  table: arrow.Table;
  rows: Cell[][];
}

function side(columns: ColumnSpec[]): Side {
  const n = columns[0]!.values.length;
  const chunks = n < 4 ? [n] : [rnd.int(1, n - 2), 1];
  if (chunks.length === 2) chunks.push(n - chunks[0]! - 1);
  return { table: buildTable(rnd, columns, chunks), rows: Array.from({ length: n }, (_, i) => columns.map((c) => c.values[i]!)) };
}

/** The joined rows by nested loops, each cell converted to the output column's type. */
function reference(l: Side, r: Side, s: JoinSpec): Cell[][] {
  const out = joinSchema(l.table.schema, r.table.schema, s);
  const li = s.leftOn.map((n) => l.table.schema.fields.findIndex((f) => f.name === n));
  const ri = s.rightOn.map((n) => r.table.schema.fields.findIndex((f) => f.name === n));
  const pairs: [number, number][] = [];
  const matched = new Set<number>();
  l.rows.forEach((lr, a) => {
    const hits = r.rows.flatMap((rr, b) => (li.every((x, k) => keyEqual(lr[x]!, rr[ri[k]!]!)) ? [b] : []));
    if (s.how === 'semi' || s.how === 'anti') {
      if ((hits.length > 0) === (s.how === 'semi')) pairs.push([a, -1]);
      return;
    }
    for (const b of hits) {
      pairs.push([a, b]);
      matched.add(b);
    }
    if (hits.length === 0 && (s.how === 'left' || s.how === 'outer')) pairs.push([a, -1]);
  });
  if (s.how === 'right' || s.how === 'outer') r.rows.forEach((_, b) => matched.has(b) || pairs.push([-1, b]));
  const merged = new Map(s.leftOn.flatMap((n, k) => (n === s.rightOn[k] ? [[li[k]!, ri[k]!] as const] : [])));
  const sources: ((a: number, b: number) => Cell)[] = l.table.schema.fields.map((_, j) => {
    const m = merged.get(j);
    const fromLeft = (a: number): Cell => (a < 0 ? null : l.rows[a]![j]!);
    if (m === undefined || s.how === 'semi' || s.how === 'anti' || s.how === 'inner' || s.how === 'left') return fromLeft;
    const fromRight = (_: number, b: number): Cell => (b < 0 ? null : r.rows[b]![m]!);
    return s.how === 'right' ? fromRight : (a, b) => (a >= 0 ? fromLeft(a) : fromRight(a, b));
  });
  if (s.how !== 'semi' && s.how !== 'anti') {
    const mergedRight = new Set(merged.values());
    r.table.schema.fields.forEach((_, j) => mergedRight.has(j) || sources.push((_, b) => (b < 0 ? null : r.rows[b]![j]!)));
  }
  const wide = out.fields.map((f) => f.type.typeId === arrow.Type.Int && (f.type as arrow.Int).bitWidth === 64);
  return pairs.map(([a, b]) => sources.map((f, j) => {
    const c = f(a, b);
    return wide[j] && c !== null ? BigInt(c as number) : c;
  }));
}

function expectJoin(l: Side, r: Side, s: JoinSpec, label: string): void {
  const got = joinTables(l.table, r.table, s);
  expect(got.schema.fields.map((f) => `${f.name}:${String(f.type)}`), label).toEqual(joinSchema(l.table.schema, r.table.schema, s).fields.map((f) => `${f.name}:${String(f.type)}`));
  const want = reference(l, r, s);
  const rows = tableRows(got);
  expect(rows.length, `${label}: rows`).toBe(want.length);
  rows.forEach((row, i) => row.forEach((c, j) => {
    if (!Object.is(c, want[i]![j])) expect.fail(`${label}: row ${i}, column ${got.schema.fields[j]!.name}: got ${String(c)}, want ${String(want[i]![j])}`);
  }));
}

interface Case {
  name: string;
  left: [string, ColType][];
  right: [string, ColType][];
  leftOn: string[];
  rightOn: string[];
}

const CASES: Case[] = [
  { name: 'one int key', left: [['k', 'int32'], ['v', 'float64'], ['s', 'dict']], right: [['v', 'int64'], ['k', 'int32'], ['w', 'utf8']], leftOn: ['k'], rightOn: ['k'] },
  { name: 'int32 with int64', left: [['k', 'int32'], ['x', 'uint64']], right: [['k', 'int64'], ['y', 'bool']], leftOn: ['k'], rightOn: ['k'] },
  { name: 'uint8 with uint32', left: [['k', 'uint8']], right: [['k', 'uint32'], ['y', 'float32']], leftOn: ['k'], rightOn: ['k'] },
  { name: 'dictionary with plain strings, other names', left: [['a', 'dict'], ['v', 'int16']], right: [['b', 'utf8'], ['v', 'dict']], leftOn: ['a'], rightOn: ['b'] },
  { name: 'float32 and dictionary with float64 and dictionary', left: [['f', 'float32'], ['s', 'dict'], ['v', 'int8']], right: [['s', 'dict'], ['f', 'float64']], leftOn: ['f', 's'], rightOn: ['f', 's'] },
  { name: 'crossed names', left: [['p', 'int16'], ['q', 'int32']], right: [['q', 'int64'], ['p', 'int8']], leftOn: ['p', 'q'], rightOn: ['q', 'p'] },
];

function columnsFor(cols: [string, ColType][], keys: readonly string[], n: number, distinct: number): ColumnSpec[] {
  return cols.map(([name, type]) => {
    const isKey = keys.includes(name);
    const values = randomCells(rnd, type, n, isKey ? { distinct, nullRate: 0.1, specials: true } : { nullRate: 0.2, specials: true });
    return { name, type, values: type === 'float64' || type === 'float32' ? values.map((v) => (v === 0 && rnd.next() < 0.5 ? -0 : v)) : values };
  });
}

describe(`joinTables against nested loops (seed ${seed})`, () => {
  for (const c of CASES) {
    it(`${c.name}: every how, empty, one row, 127/128/129 rows, many duplicates`, () => {
      for (const [nl, nr] of [[0, 0], [0, 3], [3, 0], [1, 1], [127, 128], [129, 40], [60, 129]] as const) {
        const distinct = rnd.int(1, 6);
        const l = side(columnsFor(c.left, c.leftOn, nl, distinct));
        const r = side(columnsFor(c.right, c.rightOn, nr, distinct));
        for (const how of HOWS) expectJoin(l, r, spec(how, c.leftOn, c.rightOn), `${c.name}, ${how}, ${nl}x${nr}`);
      }
    });
  }

  it('int64 and uint64 keys at their extremes', () => {
    const l = side([{ name: 'k', type: 'int64', values: [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n, null, 5n] }]);
    const r = side([{ name: 'k', type: 'uint64', values: [2n ** 64n - 1n, 0n, 2n ** 63n - 1n, 2n ** 63n, null, 5n] }, { name: 'v', type: 'int32', values: [1, 2, 3, 4, 5, 6] }]);
    for (const how of ['inner', 'left', 'semi', 'anti'] as const) expectJoin(l, r, spec(how, ['k']), `int64 with uint64, ${how}`);
    expect(() => joinTables(l.table, r.table, spec('outer', ['k']))).toThrow(expect.objectContaining({ code: 'OVERFLOW', message: expect.stringContaining("'k'") }));
  });

  it('tables with no batches at all', () => {
    const l = new arrow.Table(schemaOf({ k: new arrow.Int32(), a: new arrow.Utf8() }));
    const r = side([{ name: 'k', type: 'int64', values: [1n, null, 2n] }, { name: 'b', type: 'dict', values: ['x', 'y', null] }]);
    expect(l.batches.length).toBe(0);
    for (const how of HOWS) expectJoin({ table: l, rows: [] }, r, spec(how, ['k']), `no batches on the left, ${how}`);
    for (const how of HOWS) expectJoin(r, { table: l, rows: [] }, spec(how, ['k']), `no batches on the right, ${how}`);
  });

  it('a lookup join (each left row once, in order) keeps the left batches and gathers the right', () => {
    const n = 300;
    const keys = Array.from({ length: n }, (_, i) => (i % 10 === 3 ? null : i));
    const l = side([{ name: 'k', type: 'int32', values: keys }, ...columnsFor([['v', 'float64'], ['s', 'dict']], [], n, 0)]);
    // Every right key once, some left keys missing on the right, rows shuffled.
    const rk = keys.filter((k) => k === null || k % 7 !== 0).map((k) => (k === null ? null : BigInt(k)));
    for (let i = rk.length - 1; i > 0; i--) {
      const j = rnd.int(0, i);
      [rk[i], rk[j]] = [rk[j]!, rk[i]!];
    }
    const r = side([{ name: 'k', type: 'int64', values: rk }, ...columnsFor([['w', 'utf8'], ['u', 'uint64']], [], rk.length, 0)]);
    expect(l.table.batches.length).toBe(3);
    for (const how of ['left', 'inner', 'semi', 'anti', 'outer'] as const) {
      expectJoin(l, r, spec(how, ['k']), `lookup, ${how}`);
      const maps = tableJoinMaps(l.table, r.table, spec(how, ['k']));
      const whole = maps.left.length === n && maps.left.every((x, i) => x === i);
      expect(joinTables(l.table, r.table, spec(how, ['k'])).batches.length, how).toBe(whole ? 3 : 1);
    }
    // An inner join where every left key matches takes the left whole too.
    const matched = side([{ name: 'k', type: 'int32', values: Array.from({ length: 40 }, (_, i) => i * 2) }, { name: 'v', type: 'utf8', values: randomCells(rnd, 'utf8', 40) }]);
    const lookup = side([{ name: 'k', type: 'int64', values: Array.from({ length: 80 }, (_, i) => BigInt(79 - i)) }, { name: 'w', type: 'int8', values: randomCells(rnd, 'int8', 80) }]);
    expectJoin(matched, lookup, spec('inner', ['k']), 'every left key matched');
    expect(joinTables(matched.table, lookup.table, spec('inner', ['k'])).batches.length).toBe(matched.table.batches.length);
  });

  it('takes the maps it is given, in their order', () => {
    const l = side(columnsFor([['k', 'int32'], ['v', 'utf8']], ['k'], 50, 4));
    const r = side(columnsFor([['k', 'int32'], ['w', 'dict']], ['k'], 40, 4));
    const s = spec('outer', ['k']);
    const maps = tableJoinMaps(l.table, r.table, s);
    const reversed = { left: maps.left.slice().reverse(), right: maps.right.slice().reverse() };
    expect(tableRows(joinTables(l.table, r.table, s, maps))).toEqual(tableRows(joinTables(l.table, r.table, s)));
    expect(tableRows(joinTables(l.table, r.table, s, reversed))).toEqual(tableRows(joinTables(l.table, r.table, s)).reverse());
  });
});

describe(`takeRows with -1 (seed ${seed})`, () => {
  it('picks rows of nulls for every column type, across batches', () => {
    const types: ColType[] = ['int8', 'int64', 'uint64', 'float32', 'float64', 'bool', 'utf8', 'dict'];
    const cols = types.map((type, j) => ({ name: `c${j}`, type, values: randomCells(rnd, type, 129, { nullRate: 0.2 }) }));
    const base = buildTable(rnd, cols, [60, 69]);
    const extra = {
      ts: arrow.vectorFromArray(Array.from({ length: 129 }, (_, i) => (i % 5 === 0 ? null : i * 1000)), new arrow.TimestampMillisecond()),
      list: arrow.vectorFromArray(Array.from({ length: 129 }, (_, i) => (i % 7 === 0 ? null : [i, i + 1])), new arrow.List(new arrow.Field('x', new arrow.Int32(), true))),
    };
    const table = base.assign(new arrow.Table(extra));
    const indices = Int32Array.from({ length: 300 }, () => rnd.int(-1, 128));
    indices[0] = -1;
    const got = tableRows(takeRows(table, indices, { nullRows: true }));
    const all = tableRows(table);
    got.forEach((row, i) => {
      const want = indices[i]! < 0 ? row.map(() => null) : all[indices[i]!]!;
      expect(keyString(row.map((c) => (c !== null && typeof c === 'object' ? JSON.stringify([...(c as Iterable<number>)]) : c))), `row ${i} (index ${indices[i]})`)
        .toBe(keyString(want.map((c) => (c !== null && typeof c === 'object' ? JSON.stringify([...(c as Iterable<number>)]) : c))));
    });
    expect(() => takeRows(table, Int32Array.of(-1))).toThrow(DuskError);
  });

  it('an empty table gives all-null rows', () => {
    const empty = new arrow.Table({ a: makeVector('int32', []), s: arrow.vectorFromArray([] as string[], new arrow.Utf8()) });
    const got = takeRows(empty, Int32Array.of(-1, -1), { nullRows: true });
    expect(tableRows(got)).toEqual([[null, null], [null, null]]);
  });
});

describe(`joinTables against DuckDB (seed ${seed})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dusk-join-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const duck = useDuckDB();
  const N = 600;

  function plain(columns: ColumnSpec[]): arrow.Table {
    return new arrow.Table(Object.fromEntries(columns.map((c) => {
      if (c.type === 'utf8' || c.type === 'dict') return [c.name, arrow.vectorFromArray(c.values as (string | null)[], new arrow.Utf8())];
      if (c.type === 'bool') return [c.name, arrow.vectorFromArray(c.values as (boolean | null)[], new arrow.Bool())];
      return [c.name, makeVector(c.type, c.values as (number | bigint | null)[])];
    })));
  }

  function write(name: string, columns: ColumnSpec[]): string {
    const file = join(dir, `${name}.parquet`);
    writeFileSync(file, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(plain(columns), 'stream'))));
    return file;
  }

  const lc = columnsFor([['k', 'int32'], ['s', 'dict'], ['v', 'float64']], ['k', 's'], N, 9);
  const rc = columnsFor([['s', 'utf8'], ['k', 'int64'], ['v', 'int32'], ['w', 'dict']], ['k', 's'], N / 2, 9);
  const lf = write('l', lc);
  const rf = write('r', rc);
  const l = side(lc);
  const r = side(rc);

  /** DuckDB's query for a join on same-name keys, its columns in Dusk's order. */
  function sql(how: JoinHow, keys: string[]): string {
    const on = keys.map((k) => `l.${k} = r.${k}`).join(' AND ');
    const from = `read_parquet(${sqlPath(lf)}) l`;
    if (how === 'semi' || how === 'anti') return `SELECT l.* FROM ${from} WHERE ${how === 'anti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM read_parquet(${sqlPath(rf)}) r WHERE ${on})`;
    const key = (k: string): string => (how === 'right' ? `r.${k}` : how === 'outer' ? `COALESCE(l.${k}, r.${k})` : `l.${k}`);
    const cols = ['k', 's', 'v'].map((c) => (keys.includes(c) ? key(c) : `l.${c}`));
    for (const c of ['s', 'k', 'v', 'w']) if (!keys.includes(c)) cols.push(`r.${c}`);
    const kind = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', outer: 'FULL OUTER' }[how];
    return `SELECT ${cols.join(', ')} FROM ${from} ${kind} JOIN read_parquet(${sqlPath(rf)}) r ON ${on}`;
  }

  it('float keys (float32 with float64: NaN = NaN, -0 = 0, ±Infinity), left and outer', async () => {
    const infinities = (cols: ColumnSpec[]): ColumnSpec[] => cols.map((c, j) => (j > 0 ? c : { ...c, values: c.values.map((v) => (rnd.next() < 0.1 ? (rnd.next() < 0.5 ? Infinity : -Infinity) : v)) }));
    const fl = infinities(columnsFor([['f', 'float32'], ['a', 'int32']], ['f'], 300, 6));
    const fr = infinities(columnsFor([['f', 'float64'], ['b', 'utf8']], ['f'], 200, 6));
    const [lp, rp] = [write('fl', fl), write('fr', fr)];
    const conn = await duck.connection();
    for (const how of ['left', 'outer'] as const) {
      const key = how === 'outer' ? 'COALESCE(l.f, r.f)' : 'l.f';
      const query = `SELECT ${key}, l.a, r.b FROM read_parquet(${sqlPath(lp)}) l ${how === 'outer' ? 'FULL OUTER' : 'LEFT'} JOIN read_parquet(${sqlPath(rp)}) r ON l.f = r.f`;
      const want = ((await conn.runAndReadAll(query)).getRowsJS() as Cell[][]).map((row) => keyString(row));
      const got = tableRows(joinTables(side(fl).table, side(fr).table, spec(how, ['f']))).map((row) => keyString(row));
      expect(got.sort(), how).toEqual(want.sort());
    }
  });

  for (const keys of [['k'], ['k', 's']]) {
    for (const how of HOWS) {
      it(`${how} join on ${keys.join(', ')}`, async () => {
        const conn = await duck.connection();
        const want = ((await conn.runAndReadAll(sql(how, keys))).getRowsJS() as Cell[][]).map((row) => keyString(row.map((c) => (typeof c === 'bigint' ? Number(c) : c))));
        const got = tableRows(joinTables(l.table, r.table, spec(how, keys))).map((row) => keyString(row.map((c) => (typeof c === 'bigint' ? Number(c) : c))));
        expect(got.length).toBe(want.length);
        expect(got.sort()).toEqual(want.sort());
      });
    }
  }
});
