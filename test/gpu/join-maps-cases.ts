/**
 * What the GPU join suites share: random join keys (a pool of keys both sides draw from, with
 * duplicates, skew, nulls, keys only one side has, and word values at the 32-bit extremes),
 * keys that share a hash, and the twin check: `joinMapsGpu` must give exactly the maps
 * `joinMaps` gives, in the same order.
 */
import { expect } from 'vitest';
import { joinMaps } from '../../src/cpu/kernels/join-maps.js';
import type { GatherMaps, JoinHow, KeyWords } from '../../src/cpu/kernels/key-words.js';
import { joinMapsGpuRun, type JoinMapsGpuOptions, type JoinMapsGpuRun } from '../../src/gpu/kernels/join-maps.js';
import { collidingKey } from '../../src/gpu/kernels/join/join-hash.js';
import type { GpuContext } from '../../src/gpu/gpu-context.js';
import type { Random } from '../util/random.js';

export const HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer', 'semi', 'anti'];

/** Word values that stress comparisons: 0, all ones, the sign bit, and their neighbours. */
const EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];

function randomWord(rnd: Random): number {
  return rnd.next() < 0.3 ? EXTREMES[rnd.int(0, EXTREMES.length - 1)]! : rnd.int(0, 0xffffffff);
}

/** `count` different keys of `width` words. */
export function keyPool(rnd: Random, count: number, width: number): Uint32Array[] {
  const seen = new Set<string>();
  const pool: Uint32Array[] = [];
  while (pool.length < count) {
    const key = Uint32Array.from({ length: width }, () => randomWord(rnd));
    const name = key.join(',');
    if (!seen.has(name)) {
      seen.add(name);
      pool.push(key);
    }
  }
  return pool;
}

export interface SideOptions {
  /** Share of null keys (default 0.1). */
  nulls?: number;
  /** Share of rows that take pool[0] (default 0). */
  skew?: number;
}

/** `rows` keys drawn from `pool` (uniformly, apart from the skew), some of them null. */
export function sideFrom(rnd: Random, pool: readonly Uint32Array[], rows: number, options: SideOptions = {}): KeyWords {
  const width = pool[0]?.length ?? 1;
  const nulls = options.nulls ?? 0.1;
  const skew = options.skew ?? 0;
  const words = new Uint32Array(rows * width);
  const valid = new Uint8Array(rows);
  let anyNull = false;
  for (let r = 0; r < rows; r++) {
    const key = rnd.next() < skew ? pool[0]! : pool[rnd.int(0, pool.length - 1)]!;
    words.set(key, r * width);
    valid[r] = rnd.next() < nulls ? 0 : 1;
    if (valid[r] === 0) {
      anyNull = true;
      // A null row's words are whatever its columns held: they must not make it match.
      words.set(pool[0]!, r * width);
    }
  }
  return { rows, width, words, valid: anyNull ? valid : null };
}

/**
 * `rows` different keys of `pool` in a random order: a side whose keys never repeat. Some are
 * null, keeping their words (which other rows may hold: they must still not match).
 */
export function uniqueSide(rnd: Random, pool: readonly Uint32Array[], rows: number, nulls = 0.1): KeyWords {
  const width = pool[0]?.length ?? 1;
  const order = Array.from({ length: pool.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const words = new Uint32Array(rows * width);
  order.slice(0, rows).forEach((k, r) => words.set(pool[k]!, r * width));
  const valid = Uint8Array.from({ length: rows }, () => (rnd.next() < nulls ? 0 : 1));
  return { rows, width, words, valid: valid.includes(0) ? valid : null };
}

/**
 * Two sides of a join: `distinct` keys both may hold, plus keys only the left or only the
 * right has, `leftRows` and `rightRows` rows drawn from them.
 * @example
 * const { left, right } = randomSides(rnd, 1000, 300, 2, 50);
 */
export function randomSides(
  rnd: Random, leftRows: number, rightRows: number, width: number, distinct: number, options: SideOptions = {},
): { left: KeyWords; right: KeyWords } {
  const pool = keyPool(rnd, Math.max(3, 2 * distinct), width);
  const shared = pool.slice(0, distinct);
  const leftPool = [...shared, ...pool.slice(distinct, distinct + Math.ceil(distinct / 2))];
  const rightPool = [...shared, ...pool.slice(distinct + Math.ceil(distinct / 2))];
  return { left: sideFrom(rnd, leftPool, leftRows, options), right: sideFrom(rnd, rightPool, rightRows, options) };
}

/**
 * `count` different keys of `width` (at least 2) words that all have the same hash, so that
 * they probe the same slots and only a full compare tells them apart.
 */
export function collidingPool(rnd: Random, count: number, width: number): Uint32Array[] {
  // Key k ends in words no other key ends in; its first word makes its hash key 0's.
  const rest = (k: number): Uint32Array => Uint32Array.from({ length: width - 1 }, (_, j) => (Math.imul(k, 0x9e3779b1) + j) >>> 0);
  const first = new Uint32Array(width);
  first[0] = randomWord(rnd);
  first.set(rest(0), 1);
  return [first, ...Array.from({ length: count - 1 }, (_, k) => collidingKey(first, rest(k + 1)))];
}

/** The first index where two maps differ (-1: none), for a message that says where. */
function firstDifference(a: GatherMaps, b: GatherMaps): number {
  const n = Math.min(a.left.length, b.left.length);
  for (let i = 0; i < n; i++) if (a.left[i] !== b.left[i] || a.right[i] !== b.right[i]) return i;
  return a.left.length === b.left.length ? -1 : n;
}

/**
 * Runs both twins on the same keys and requires the same maps, pair for pair, and every device
 * buffer the GPU join borrowed given back.
 * @example
 * const run = await expectTwins(gpu, left, right, 'outer', 'outer, 100 rows');
 */
export async function expectTwins(
  gpu: GpuContext, left: KeyWords, right: KeyWords, how: JoinHow, what: string, options: JoinMapsGpuOptions = {},
): Promise<JoinMapsGpuRun> {
  const want = joinMaps(left, right, how);
  const inUse = gpu.pool.snapshot().bytesInUse;
  const got = await joinMapsGpuRun(gpu, left, right, how, options);
  expect(gpu.pool.snapshot().bytesInUse, `${what}: device bytes still lent after the join`).toBe(inUse);
  const at = firstDifference(got.maps, want);
  const show = (m: GatherMaps): string => (at < 0 ? '' : `(${m.left[at]}, ${m.right[at]}) of ${m.left.length}`);
  expect(at, `${what}: first difference at pair ${at}: GPU ${show(got.maps)}, CPU ${show(want)}`).toBe(-1);
  return got;
}
