/**
 * joinMaps against nested loops: random key words (1 to 4 words a row — up to three take the
 * narrow table, four the KeyTable — few distinct values so that keys repeat, extreme words, null
 * keys), every `how`, compared pair by pair in the exact order the contract fixes (the GPU twin
 * produces the same). Larger joins (many distinct keys, so the narrow build and probe split both
 * sides into runs by hash) against a Map of the right rows by key.
 */
import { describe, expect, it } from 'vitest';
import { joinMaps } from '../../src/cpu/kernels/join-maps.js';
import type { JoinHow, KeyWords } from '../../src/cpu/kernels/key-words.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer', 'semi', 'anti'];
const EXTREMES = [0, 1, 0xffffffff, 0x80000000, 0x7fffffff];

interface KeyGen {
  rows: number;
  width: number;
  /** Distinct values per word. */
  distinct: number;
  nullRate: number;
  /** Share of rows that take one hot key. */
  skew?: number;
}

function randomKeys(rnd: Random, g: KeyGen): KeyWords {
  const { rows, width } = g;
  const words = new Uint32Array(rows * width);
  const hot = Array.from({ length: width }, () => rnd.int(0, g.distinct - 1));
  for (let r = 0; r < rows; r++) {
    const isHot = g.skew !== undefined && rnd.next() < g.skew;
    for (let k = 0; k < width; k++) {
      const v = isHot ? hot[k]! : rnd.int(0, g.distinct - 1);
      words[r * width + k] = v < EXTREMES.length ? EXTREMES[v]! : v * 2654435761;
    }
  }
  let valid: Uint8Array | null = null;
  if (g.nullRate > 0) {
    valid = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      valid[r] = rnd.next() < g.nullRate ? 0 : 1;
      // A null key's words are 0, as keyWords writes them: they must still never match.
      if (valid[r] === 0) words.fill(0, r * width, (r + 1) * width);
    }
  }
  return { rows, width, words, valid };
}

/** The contract's pairs, given each left row's matching right rows (ascending). */
function contractPairs(leftRows: number, rightRows: number, how: JoinHow, matchesOf: (l: number) => readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  const matchedRight = new Set<number>();
  for (let l = 0; l < leftRows; l++) {
    const matches = matchesOf(l);
    if (how === 'semi' || how === 'anti') {
      if ((matches.length > 0) === (how === 'semi')) out.push([l, -1]);
      continue;
    }
    for (const r of matches) {
      out.push([l, r]);
      matchedRight.add(r);
    }
    if (matches.length === 0 && (how === 'left' || how === 'outer')) out.push([l, -1]);
  }
  if (how === 'right' || how === 'outer') for (let r = 0; r < rightRows; r++) if (!matchedRight.has(r)) out.push([-1, r]);
  return out;
}

/** The contract's output, by nested loops. */
function reference(left: KeyWords, right: KeyWords, how: JoinHow): [number, number][] {
  const w = left.width;
  const isValid = (k: KeyWords, r: number): boolean => k.valid === null || k.valid[r] === 1;
  const equal = (l: number, r: number): boolean => {
    if (!isValid(left, l) || !isValid(right, r)) return false;
    for (let k = 0; k < w; k++) if (left.words[l * w + k] !== right.words[r * w + k]) return false;
    return true;
  };
  return contractPairs(left.rows, right.rows, how, (l) => {
    const matches: number[] = [];
    for (let r = 0; r < right.rows; r++) if (equal(l, r)) matches.push(r);
    return matches;
  });
}

/** The contract's output through a Map of the right rows by key (for joins too large for nested loops). */
function mapReference(left: KeyWords, right: KeyWords, how: JoinHow): [number, number][] {
  const w = left.width;
  const keyOf = (k: KeyWords, r: number): string | null => (k.valid !== null && k.valid[r] === 0 ? null : k.words.subarray(r * w, (r + 1) * w).join(','));
  const byKey = new Map<string, number[]>();
  for (let r = 0; r < right.rows; r++) {
    const key = keyOf(right, r);
    if (key === null) continue;
    const rows = byKey.get(key);
    if (rows === undefined) byKey.set(key, [r]);
    else rows.push(r);
  }
  return contractPairs(left.rows, right.rows, how, (l) => {
    const key = keyOf(left, l);
    return key === null ? [] : byKey.get(key) ?? [];
  });
}

function expectJoin(left: KeyWords, right: KeyWords, how: JoinHow, label: string, want = reference(left, right, how)): void {
  const maps = joinMaps(left, right, how);
  expect(maps.left.length, `${label}: left and right maps differ in length`).toBe(maps.right.length);
  const got = Array.from(maps.left, (l, i): [number, number] => [l, maps.right[i]!]);
  expect(got.length, `${label}: pairs`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i]![0] !== want[i]![0] || got[i]![1] !== want[i]![1]) {
      expect.fail(`${label}: pair ${i} is (${got[i]!.join(', ')}), want (${want[i]!.join(', ')})`);
    }
  }
}

describe(`joinMaps against nested loops (seed ${seed})`, () => {
  const rnd = new Random(seed);
  const SIZES: [number, number][] = [[0, 0], [0, 5], [5, 0], [1, 1], [127, 128], [128, 129], [129, 127], [300, 40], [40, 300]];

  for (const how of HOWS) {
    it(`${how}: sizes around the workgroup, widths 1 to 4, nulls`, () => {
      for (const [nl, nr] of SIZES) {
        for (const width of [1, 2, 3, 4]) {
          const distinct = rnd.int(1, 12);
          const left = randomKeys(rnd, { rows: nl, width, distinct, nullRate: rnd.next() < 0.5 ? 0 : 0.2 });
          const right = randomKeys(rnd, { rows: nr, width, distinct, nullRate: rnd.next() < 0.5 ? 0 : 0.2 });
          expectJoin(left, right, how, `${how} ${nl}x${nr} width ${width} distinct ${distinct}`);
        }
      }
    });

    it(`${how}: many-to-many with a hot key holding half the rows`, () => {
      const left = randomKeys(rnd, { rows: 400, width: 1, distinct: 50, nullRate: 0.05, skew: 0.5 });
      const right = randomKeys(rnd, { rows: 300, width: 1, distinct: 50, nullRate: 0.05, skew: 0.5 });
      expectJoin(left, right, how, `${how} skewed`);
    });

    it(`${how}: many distinct keys (both sides split into runs), widths 1 to 3, duplicates, nulls`, () => {
      for (const width of [1, 2, 3]) {
        for (const [nl, nr, distinct] of [[30_000, 25_000, 40_000], [20_000, 30_000, 12_000], [15_000, 20_000, 1 << 30]] as [number, number, number][]) {
          const nullRate = rnd.next() < 0.5 ? 0 : 0.05;
          // One word of the key varies; the others repeat a few values, so keys of width 2 and 3 still differ only there.
          const left = randomKeys(rnd, { rows: nl, width, distinct: 3, nullRate });
          const right = randomKeys(rnd, { rows: nr, width, distinct: 3, nullRate });
          for (const k of [left, right]) {
            for (let r = 0; r < k.rows; r++) if (k.valid === null || k.valid[r] === 1) k.words[r * width] = distinct === 1 << 30 ? (r * 2654435761) >>> 0 : rnd.int(0, distinct - 1);
          }
          const label = `${how} ${nl}x${nr} width ${width} distinct ${distinct} null rate ${nullRate}`;
          expectJoin(left, right, how, label, mapReference(left, right, how));
        }
      }
    });

    it(`${how}: all keys null on one side or both`, () => {
      const some = randomKeys(rnd, { rows: 60, width: 2, distinct: 3, nullRate: 0 });
      const none = randomKeys(rnd, { rows: 50, width: 2, distinct: 3, nullRate: 1 });
      expectJoin(some, none, how, `${how} right all null`);
      expectJoin(none, some, how, `${how} left all null`);
      expectJoin(none, none, how, `${how} both all null`);
    });
  }

  it('keys that differ only in their last word do not match', () => {
    const left: KeyWords = { rows: 2, width: 3, words: Uint32Array.of(7, 7, 1, 7, 7, 2), valid: null };
    const right: KeyWords = { rows: 2, width: 3, words: Uint32Array.of(7, 7, 2, 7, 7, 3), valid: null };
    const maps = joinMaps(left, right, 'outer');
    expect([...maps.left]).toEqual([0, 1, -1]);
    expect([...maps.right]).toEqual([-1, 0, 1]);
  });

  it('a large build side that grows its table many times keeps every key', () => {
    const n = 200_000;
    const words = new Uint32Array(n);
    for (let i = 0; i < n; i++) words[i] = (i * 7919) >>> 0;
    const probe = new Uint32Array(n);
    for (let i = 0; i < n; i++) probe[i] = ((n - 1 - i) * 7919 + (i % 2)) >>> 0;
    const maps = joinMaps({ rows: n, width: 1, words: probe, valid: null }, { rows: n, width: 1, words, valid: null }, 'inner');
    expect(maps.left.length).toBe(n / 2);
    let wrong = 0;
    for (let i = 0; i < maps.left.length; i++) {
      if (words[maps.right[i]!] !== probe[maps.left[i]!] || maps.left[i]! % 2 !== 0 || (i > 0 && maps.left[i]! <= maps.left[i - 1]!)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('keys of different widths are refused', () => {
    const one: KeyWords = { rows: 1, width: 1, words: Uint32Array.of(1), valid: null };
    const two: KeyWords = { rows: 1, width: 2, words: Uint32Array.of(1, 0), valid: null };
    expect(() => joinMaps(one, two, 'inner')).toThrow(/words per row/);
  });
});
