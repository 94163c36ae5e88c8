/**
 * distinctRows against a boxed reference: random tables (few distinct values so keys repeat,
 * nulls in any key column, NaN, -0, ±Infinity, int64 extremes, strings in chunks with their own
 * dictionaries), key words from keyWords, and the rows kept compared with a Map from a canonical
 * key string (nulls equal each other, -0 = 0, every NaN alike) for keep first, last and false.
 * Keys of up to three words take the narrow table: with many distinct keys it splits the rows
 * into runs by hash, and keys crafted to hash alike (so that the estimate falls short and one
 * run holds most keys) make its tables grow.
 */
import { describe, expect, it } from 'vitest';
import { distinctRows } from '../../src/cpu/kernels/distinct-rows.js';
import { KeyInterner, keyEncodings, keyWords, type KeyWords } from '../../src/cpu/kernels/key-words.js';
import { narrowHash } from '../../src/cpu/kernels/narrow-hashes.js';
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

  it('many distinct keys (the narrow table split into runs): int64 with extremes and nulls, int32 pairs, float64', () => {
    for (const [types, distinct] of [[['int64'], 20_000], [['int32', 'int32'], 150], [['float64'], 30_000], [['int64', 'bool'], 9_000]] as [ColType[], number][]) {
      for (const nullRate of [0, 0.05]) {
        const n = 40_000;
        const columns = types.map((type, j): ColumnSpec => {
          let values = randomCells(rnd, type, n, { distinct, nullRate, specials: true });
          if (type === 'int64') values = values.map((v) => (v === null || rnd.next() < 0.995 ? v : [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n][rnd.int(0, 3)]!));
          return { name: `k${j}`, type, values };
        });
        const keys = keysOf(columns, [n - 1000, 1000]);
        const rows = Array.from({ length: n }, (_, i) => columns.map((c) => c.values[i]!));
        for (const keep of KEEPS) {
          expect([...distinctRows(keys, keep)], `[${types.join(', ')}] null rate ${nullRate}, keep ${String(keep)}`).toEqual(reference(rows, keep));
        }
      }
    }
  });

  it('keys that hash alike: the estimate falls short or one run takes most keys, and the tables grow', () => {
    // Words whose hash has its top 10 bits clear: they share the estimate's first registers and
    // the first run of any split.
    const alike: number[] = [];
    for (let w = 1; alike.length < 15_000; w++) if (narrowHash(w, 0, 0) >>> 22 === 0) alike.push(w);
    const spread = Array.from({ length: 20_000 }, (_, i) => 0x40000000 + i * 7);
    for (const pool of [alike, [...alike, ...spread]]) {
      // Every key twice or more now and then, rows shuffled.
      const words = Uint32Array.from([...pool, ...pool.filter(() => rnd.next() < 0.2)]);
      for (let i = words.length - 1; i > 0; i--) {
        const j = rnd.int(0, i);
        [words[i], words[j]] = [words[j]!, words[i]!];
      }
      const keys: KeyWords = { rows: words.length, width: 1, words, valid: null };
      const rows = Array.from(words, (w) => [w]);
      for (const keep of KEEPS) expect([...distinctRows(keys, keep)], `${pool.length} keys, keep ${String(keep)}`).toEqual(reference(rows, keep));
    }
  });

  it('one key of three words (int64 with nulls), one row, empty', () => {
    const columns: ColumnSpec[] = [{ name: 'k', type: 'int64', values: [null, 2n ** 63n - 1n, null, -(2n ** 63n), 2n ** 63n - 1n, 0n] }];
    const keys = keysOf(columns, [6]);
    expect(keys.valid).not.toBeNull();
    expect([...distinctRows(keys, 'first')]).toEqual([0, 1, 3, 5]);
    expect([...distinctRows(keys, 'last')]).toEqual([2, 3, 4, 5]);
    expect([...distinctRows(keys, false)]).toEqual([3, 5]);
    const one: KeyWords = { rows: 1, width: 2, words: Uint32Array.of(0xffffffff, 0x7fffffff), valid: null };
    for (const keep of KEEPS) expect([...distinctRows(one, keep)]).toEqual([0]);
    const none: KeyWords = { rows: 0, width: 3, words: new Uint32Array(0), valid: null };
    for (const keep of KEEPS) expect([...distinctRows(none, keep)]).toEqual([]);
  });
});
