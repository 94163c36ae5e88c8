/**
 * hashPartition: every row lands in exactly one part, in its original relative order, with all
 * its columns; and rows with equal keys land in the same part even when their tables were split
 * separately — other key widths (int32 / int64 / uint8), float32 against float64 (-0, NaN),
 * strings from different dictionaries against plain strings, separate interners, the join's
 * encodings on one side and the default on the other — and null keys, held equal, meet too.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { hashPartition } from '../../src/cpu/kernels/hash-partition.js';
import { KeyInterner, keyEncodings } from '../../src/cpu/kernels/key-words.js';
import { PlanError, SchemaError } from '../../src/errors.js';
import { Random, testSeed } from '../util/random.js';
import { buildTable, keyString, tableRows, type Cell, type ColType, type ColumnSpec } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);

/** The canonical key of a cell in any of the paired types (ints by value, floats by value). */
function canon(c: Cell): Cell {
  return typeof c === 'bigint' && c >= BigInt(Number.MIN_SAFE_INTEGER) && c <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c) : c;
}

const POOLS: Record<string, Cell[]> = {
  int: [0, 1, -1, 5, 100, -100, 127],
  float: [0, -0, Number.NaN, 1.5, -2.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  string: ['apple', '', 'banana', '日本', 'a much longer string than twenty bytes', 'b'],
  bool: [true, false],
};

function poolOf(type: ColType): Cell[] {
  if (type === 'float32' || type === 'float64') return POOLS.float!;
  if (type === 'utf8' || type === 'dict') return POOLS.string!;
  if (type === 'bool') return POOLS.bool!;
  const ints = POOLS.int!.filter((v) => !(type[0] === 'u' && (v as number) < 0));
  return type === 'int64' || type === 'uint64' ? ints.map((v) => BigInt(v as number)) : ints;
}

/** A table of key columns of `types` plus a row id, n rows in a few chunks. */
function makeTable(types: readonly ColType[], n: number): { table: arrow.Table; keys: string[]; rows: Cell[][] } {
  const cols: ColumnSpec[] = types.map((type, j) => {
    const pool = poolOf(type);
    return { name: `k${j}`, type, values: Array.from({ length: n }, () => (rnd.next() < 0.1 ? null : pool[rnd.int(0, pool.length - 1)]!)) };
  });
  cols.push({ name: 'id', type: 'int32', values: Array.from({ length: n }, (_, i) => i) });
  const cuts = n < 3 ? [n] : [rnd.int(1, n - 2), 1];
  if (cuts.length === 2) cuts.push(n - cuts[0]! - 1);
  const table = buildTable(rnd, cols, cuts);
  const rows = Array.from({ length: n }, (_, i) => types.map((_, j) => canon(cols[j]!.values[i]!)));
  return { table, keys: types.map((_, j) => `k${j}`), rows };
}

/** Checks that the parts hold every row once, in order, and returns each row's part. */
function partOfRows(table: arrow.Table, parts: arrow.Table[], label: string): Int32Array {
  const n = table.numRows;
  const where = new Int32Array(n).fill(-1);
  const all = tableRows(table);
  parts.forEach((p, k) => {
    expect(p.schema.fields.map((f) => String(f.type)), label).toEqual(table.schema.fields.map((f) => String(f.type)));
    let last = -1;
    const idAt = p.schema.fields.findIndex((f) => f.name === 'id');
    for (const row of tableRows(p)) {
      const id = row[idAt] as number;
      if (where[id] !== -1) expect.fail(`${label}: row ${id} is in parts ${where[id]} and ${k}`);
      if (id <= last) expect.fail(`${label}: part ${k} has row ${id} after row ${last}`);
      last = id;
      where[id] = k;
      expect(keyString(row), `${label}: row ${id}`).toBe(keyString(all[id]!));
    }
  });
  for (let i = 0; i < n; i++) if (where[i] === -1) expect.fail(`${label}: row ${i} is in no part`);
  return where;
}

/** Equal keys (nulls equal) in the same part, within and across the two tables. */
function expectColocated(a: { rows: Cell[][]; where: Int32Array }, b: { rows: Cell[][]; where: Int32Array }, label: string): void {
  const partOfKey = new Map<string, number>();
  for (const side of [a, b]) {
    side.rows.forEach((r, i) => {
      const k = keyString(r);
      const p = partOfKey.get(k);
      if (p === undefined) partOfKey.set(k, side.where[i]!);
      else if (p !== side.where[i]) expect.fail(`${label}: key ${k} is in parts ${p} and ${side.where[i]}`);
    });
  }
}

describe(`hashPartition (seed ${seed})`, () => {
  const PAIRS: [ColType[], ColType[]][] = [
    [['int32'], ['int64']],
    [['uint8'], ['int16']],
    [['uint64'], ['int32']],
    [['float32'], ['float64']],
    [['dict'], ['utf8']],
    [['dict'], ['dict']],
    [['bool'], ['bool']],
    [['int32', 'dict'], ['int64', 'utf8']],
    [['float64', 'uint32', 'bool'], ['float32', 'int64', 'bool']],
  ];
  for (const [lt, rt] of PAIRS) {
    it(`[${lt.join(', ')}] and [${rt.join(', ')}] split apart send equal keys to one part`, () => {
      for (const n of [0, 1, 127, 128, 129, 400]) {
        for (const parts of [1, 2, 7]) {
          const l = makeTable(lt, n);
          const r = makeTable(rt, n + 5);
          const label = `${n} rows, ${parts} parts`;
          const lp = hashPartition(l.table, l.keys, parts);
          // The right side as a join would split it: with the pair's encodings, on its own interner.
          const enc = keyEncodings(rt.map((_, j) => r.table.getChild(`k${j}`)!.type), lt.map((_, j) => l.table.getChild(`k${j}`)!.type), { left: r.keys, right: l.keys });
          const rp = hashPartition(r.table, r.keys, parts, enc, new KeyInterner());
          expect(lp.length).toBe(parts);
          expect(rp.length).toBe(parts);
          expectColocated({ rows: l.rows, where: partOfRows(l.table, lp, `${label} left`) }, { rows: r.rows, where: partOfRows(r.table, rp, `${label} right`) }, label);
        }
      }
    });
  }

  it('timestamp keys (hashed through their key words) split apart meet; an int64 key next to them is read straight', () => {
    const make = (n: number, chunks: number[]): { table: arrow.Table; rows: Cell[][] } => {
      const ts = Array.from({ length: n }, () => (rnd.next() < 0.1 ? null : rnd.int(0, 20) * 1000));
      const k = Array.from({ length: n }, () => (rnd.next() < 0.1 ? null : BigInt(rnd.int(-3, 3)) * (2n ** 62n)));
      const batches: arrow.RecordBatch[] = [];
      let at = 0;
      for (const len of chunks) {
        const part = new arrow.Table({
          ts: arrow.vectorFromArray(ts.slice(at, at + len), new arrow.TimestampMillisecond()),
          k: arrow.vectorFromArray(k.slice(at, at + len), new arrow.Int64()),
          id: arrow.vectorFromArray(Array.from({ length: len }, (_, i) => at + i), new arrow.Int32()),
        });
        batches.push(...part.batches);
        at += len;
      }
      return { table: new arrow.Table(batches), rows: ts.map((t, i) => [t, k[i] === null ? null : String(k[i])]) };
    };
    const a = make(300, [100, 200]);
    const b = make(250, [250]);
    for (const parts of [2, 5]) {
      const label = `${parts} parts`;
      const ap = hashPartition(a.table, ['ts', 'k'], parts);
      const bp = hashPartition(b.table, ['ts', 'k'], parts, undefined, new KeyInterner());
      expectColocated({ rows: a.rows, where: partOfRows(a.table, ap, `${label} a`) }, { rows: b.rows, where: partOfRows(b.table, bp, `${label} b`) }, label);
    }
  });

  it('writes the parts\' fixed-width columns in shared memory (the pieces go to other threads next)', () => {
    const { table, keys } = makeTable(['int64', 'utf8'], 200);
    for (const part of hashPartition(table, keys, 3)) {
      const d = part.getChild('id')!.data[0]!;
      expect(d.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('spreads distinct keys over the parts', () => {
    const n = 4000;
    const table = new arrow.Table({ k: arrow.vectorFromArray(Int32Array.from({ length: n }, (_, i) => i)) });
    const sizes = hashPartition(table, ['k'], 8).map((p) => p.numRows);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
    for (const s of sizes) expect(s).toBeGreaterThan(n / 8 / 2);
  });

  it('a dictionary column whose chunks have different dictionaries stays a dictionary', () => {
    const { table, keys } = makeTable(['dict'], 300);
    for (const part of hashPartition(table, keys, 3)) {
      expect(part.schema.fields[0]!.type.typeId).toBe(arrow.Type.Dictionary);
      expect(part.batches.length).toBe(1);
    }
  });

  it('a table with no batches gives empty parts of its schema', () => {
    const schema = new arrow.Schema([new arrow.Field('k', new arrow.Utf8(), true), new arrow.Field('v', new arrow.Float64(), true)]);
    const parts = hashPartition(new arrow.Table(schema), ['k'], 3);
    expect(parts.map((p) => p.numRows)).toEqual([0, 0, 0]);
    for (const p of parts) expect(p.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Float64']);
  });

  it('refuses unknown columns and bad part counts', () => {
    const { table } = makeTable(['int32'], 10);
    expect(() => hashPartition(table, ['nope'], 2)).toThrow(SchemaError);
    expect(() => hashPartition(table, ['k0'], 0)).toThrow(PlanError);
    expect(() => hashPartition(table, ['k0'], 1.5)).toThrow(PlanError);
  });
});
