/**
 * takeRows and takeColumns against Arrow's own row reads: tables in several batches (some empty,
 * some sliced), indices ascending (as kept rows and a join's left side come), random, repeated
 * and -1 for a row of nulls; takeColumns gathering only the columns asked, in their order.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { takeColumns, takeRows } from '../../src/cpu/kernels/take-rows.js';
import { DuskError } from '../../src/errors.js';
import { Random, testSeed } from '../util/random.js';
import { buildTable, keyString, randomCells, tableRows, type Cell, type ColType } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);
const TYPES: ColType[] = ['int32', 'int64', 'float64', 'bool', 'utf8', 'dict'];

function table(chunks: number[]): arrow.Table {
  const n = chunks.reduce((a, b) => a + b, 0);
  return buildTable(rnd, TYPES.map((type, j) => ({ name: `c${j}`, type, values: randomCells(rnd, type, n, { nullRate: 0.2, specials: true }) })), chunks);
}

function expectRows(got: Cell[][], all: Cell[][], indices: Int32Array, label: string): void {
  expect(got.length, label).toBe(indices.length);
  got.forEach((row, i) => {
    const want = indices[i]! < 0 ? row.map(() => null) : all[indices[i]!]!;
    expect(keyString(row), `${label}: row ${i} (index ${indices[i]})`).toBe(keyString(want));
  });
}

describe(`takeRows across batches (seed ${seed})`, () => {
  it('ascending, random, repeated and -1 indices over batches with empty ones between', () => {
    for (const chunks of [[40], [30, 0, 50, 1, 0, 49], [0, 0, 129], [64, 64]]) {
      const t = table(chunks);
      const n = t.numRows;
      const all = tableRows(t);
      const ascending = Int32Array.from({ length: n }, (_, i) => i).filter(() => rnd.next() < 0.6);
      const random = Int32Array.from({ length: 2 * n }, () => rnd.int(0, n - 1));
      const gaps = Int32Array.from({ length: n }, () => rnd.int(-1, n - 1));
      expectRows(tableRows(takeRows(t, ascending)), all, ascending, `${chunks.join('/')}: ascending`);
      expectRows(tableRows(takeRows(t, random)), all, random, `${chunks.join('/')}: random`);
      expectRows(tableRows(takeRows(t, gaps, { nullRows: true })), all, gaps, `${chunks.join('/')}: with -1`);
      expect(() => takeRows(t, Int32Array.of(n))).toThrow(DuskError);
    }
  });

  it('takeColumns gathers the columns asked, in their order, as takeRows does', () => {
    const t = table([50, 0, 79]);
    const indices = Int32Array.from({ length: 200 }, () => rnd.int(-1, 128));
    const whole = takeRows(t, indices, { nullRows: true });
    const picked = takeColumns(t, indices, [4, 1, 4], { nullRows: true });
    expect(picked.length).toBe(3);
    [4, 1, 4].forEach((j, k) => {
      const want = [...whole.getChildAt(j)!].map((v) => keyString([v as Cell]));
      expect([...new arrow.Vector([picked[k]!])].map((v) => keyString([v as Cell])), `column ${j}`).toEqual(want);
    });
    expect(takeColumns(t, indices, [], { nullRows: true })).toEqual([]);
  });
});
