/**
 * distinctRows against a boxed reference: random tables (few distinct values so keys repeat,
 * nulls in any key column, NaN, -0, ±Infinity, int64 extremes, strings in chunks with their own
 * dictionaries), key words from keyWords, and the rows kept compared with a Map from a canonical
 * key string (nulls equal each other, -0 = 0, every NaN alike) for keep first, last and false.
 */
import { describe, expect, it } from 'vitest';
import { distinctRows } from '../../src/cpu/kernels/distinct-rows.js';
import { KeyInterner, keyEncodings, keyWords, type KeyWords } from '../../src/cpu/kernels/key-words.js';
import { Random, testSeed } from '../util/random.js';
import { buildTable, keyString, randomCells, type Cell, type ColType, type ColumnSpec } from './group-by-reference.js';

const seed = testSeed();
const rnd = new Random(seed);
const KEEPS = ['first', 'last', false] as const;

function reference(rows: readonly Cell[][], keep: 'first' | 'last' | false): number[] {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = keyString(r);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [i]);
    else g.push(i);
  });
  const kept: number[] = [];
  for (const g of groups.values()) {
    if (keep === 'first') kept.push(g[0]!);
    else if (keep === 'last') kept.push(g[g.length - 1]!);
    else if (g.length === 1) kept.push(g[0]!);
  }
  return kept.sort((a, b) => a - b);
}

/** Key cells of the given types, n rows, with a few values each so that rows repeat. */
function keyColumns(types: readonly ColType[], n: number, nullRate: number): ColumnSpec[] {
  return types.map((type, j) => {
    let values = randomCells(rnd, type, n, { distinct: rnd.int(1, 4), nullRate, specials: true });
    if (type === 'int64') values = values.map((v) => (v === 0n ? -(2n ** 63n) : v === null || rnd.next() < 0.9 ? v : 2n ** 63n - 1n));
    if (type === 'float64') values = values.map((v) => (v === null || rnd.next() < 0.9 ? v : [Infinity, -Infinity, -0][rnd.int(0, 2)]!));
    return { name: `k${j}`, type, values };
  });
}

function keysOf(columns: ColumnSpec[], chunks: number[]): KeyWords {
  const table = buildTable(rnd, columns, chunks);
  const vectors = columns.map((c) => table.getChild(c.name)!);
  const types = vectors.map((v) => v.type);
  const names = columns.map((c) => c.name);
  return keyWords(vectors, keyEncodings(types, types, { left: names, right: names }), new KeyInterner());
}

function expectDistinct(types: readonly ColType[], n: number, nullRate: number, label: string): void {
  const columns = keyColumns(types, n, nullRate);
  const cut = n > 2 ? rnd.int(1, n - 1) : n;
  const keys = keysOf(columns, cut === n ? [n] : [cut, n - cut]);
  const rows = Array.from({ length: n }, (_, i) => columns.map((c) => c.values[i]!));
  for (const keep of KEEPS) {
    const got = distinctRows(keys, keep);
    expect(got).toBeInstanceOf(Uint32Array);
    expect([...got], `${label}, keep ${String(keep)}`).toEqual(reference(rows, keep));
  }
}

describe(`distinctRows against a boxed reference (seed ${seed})`, () => {
  const TYPE_SETS: ColType[][] = [
    ['int32'], ['int64'], ['uint64'], ['float64'], ['float32'], ['dict'], ['utf8'], ['bool'],
    ['int32', 'dict'], ['float64', 'int8', 'bool'], ['dict', 'utf8', 'uint16'],
  ];
  for (const types of TYPE_SETS) {
    it(`keys [${types.join(', ')}]: empty, one row, 127/128/129 rows, nulls`, () => {
      for (const n of [0, 1, 2, 127, 128, 129, 500]) {
        for (const nullRate of [0, 0.3]) expectDistinct(types, n, nullRate, `[${types.join(', ')}] ${n} rows, null rate ${nullRate}`);
      }
    });
  }

  it('nulls in different key columns are different keys; the same null pattern is one key', () => {
    const columns: ColumnSpec[] = [
      { name: 'a', type: 'int32', values: [null, 0, null, null, 0, null, 1] },
      { name: 'b', type: 'int32', values: [1, null, 2, 1, null, null, null] },
    ];
    const keys = keysOf(columns, [7]);
    expect([...distinctRows(keys, 'first')]).toEqual([0, 1, 2, 5, 6]);
    expect([...distinctRows(keys, 'last')]).toEqual([2, 3, 4, 5, 6]);
    expect([...distinctRows(keys, false)]).toEqual([2, 5, 6]);
  });

  it('KeyWords without null flags: rows with nulls stay apart from valid rows with the same words', () => {
    const keys: KeyWords = { rows: 5, width: 1, words: Uint32Array.of(0, 0, 5, 0, 5), valid: Uint8Array.of(1, 0, 1, 0, 1) };
    expect([...distinctRows(keys, 'first')]).toEqual([0, 1, 2]);
    expect([...distinctRows(keys, false)]).toEqual([0]);
  });

  it('many duplicates of a few keys over many rows', () => {
    const n = 50_000;
    const words = new Uint32Array(n);
    for (let i = 0; i < n; i++) words[i] = i % 3 === 0 ? 7 : (i * 2654435761) % 1000;
    const keys: KeyWords = { rows: n, width: 1, words, valid: null };
    const first = distinctRows(keys, 'first');
    const last = distinctRows(keys, 'last');
    const seen = new Map<number, [number, number, number]>();
    for (let i = 0; i < n; i++) {
      const s = seen.get(words[i]!);
      if (s === undefined) seen.set(words[i]!, [i, i, 1]);
      else {
        s[1] = i;
        s[2]++;
      }
    }
    expect([...first]).toEqual([...seen.values()].map((s) => s[0]).sort((a, b) => a - b));
    expect([...last]).toEqual([...seen.values()].map((s) => s[1]).sort((a, b) => a - b));
    expect([...distinctRows(keys, false)]).toEqual([...seen.values()].filter((s) => s[2] === 1).map((s) => s[0]).sort((a, b) => a - b));
  });
});
