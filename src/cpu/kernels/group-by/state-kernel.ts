/**
 * The interface every aggregate state kind implements (partial over a partition's rows, merge of
 * partials, take of chosen groups, finalize to an Arrow column), and the small helpers they
 * share. `group-by.ts` dispatches on the state's `kind` through one table of these.
 */
import * as arrow from 'apache-arrow';
import type { AggFn, AggState } from './agg-types.js';
import {
  dictionaryIndices, dictionaryNulls, eachChunk, validRuns, validityOf, type Chunks, type ColumnKind,
} from './column-kind.js';
import { nativeGroupBy } from '../native-group-by.js';
import { bitmapBytes } from './plain-column.js';

/** What a partial aggregate reads: one value column, grouped. */
export interface PartialInput {
  fn: AggFn;
  /** The value column's name, for messages. */
  column: string;
  /** The value column (null for size). */
  chunks: Chunks | null;
  kind: ColumnKind | null;
  /** Group of every row, and the number of groups. */
  gid: Int32Array;
  groups: number;
  /** Rows per group (computed once per partition, shared by the aggregates). */
  sizes: Float64Array;
}

export interface StateKernel<S extends AggState> {
  partial(input: PartialInput): S;
  /** Merges states whose rows, concatenated in order, belong to groups `gid`. */
  merge(states: readonly S[], gid: Int32Array, groups: number): S;
  /**
   * The state of groups `rows`, in that order; with `into`, its arrays are taken there (a split
   * bucket's: shared memory, posted to a merge task and kept for a retry without a copy).
   */
  take(state: S, rows: Int32Array, into?: BucketTakes): S;
  finalize(state: S, fn: AggFn, column: string): arrow.Data;
  buffers(state: S): ArrayBuffer[];
}

/**
 * Non-null values per group: the group sizes less the null rows (rows pointing at a null
 * dictionary entry included), so columns without nulls cost no pass at all: their counts are
 * the sizes array itself, shared by the states (no state array is written after its partial).
 * @example
 * const count = nonNullCounts(input); // group sizes less null rows
 */
export function nonNullCounts(input: PartialInput): Float64Array {
  const dict = input.kind!.kind === 'dict';
  if (input.chunks!.every((d) => validityOf(d) === null && (!dict || dictionaryNulls(d) === null))) return input.sizes;
  const count = input.sizes.slice();
  const { gid } = input;
  eachChunk(input.chunks!, (d, start) => {
    const nullEntry = input.kind!.kind === 'dict' ? dictionaryNulls(d) : null;
    if (nullEntry !== null) {
      const idx = dictionaryIndices(d);
      validRuns(d, (s, e) => {
        for (let i = s; i < e; i++) count[gid[start + i]] -= nullEntry[idx[i]];
      });
    }
    if (validityOf(d) === null) return;
    let from = 0;
    const nulls = (to: number): void => {
      for (let i = from; i < to; i++) count[gid[start + i]]--;
    };
    validRuns(d, (s, e) => {
      nulls(s);
      from = e;
    });
    nulls(d.length);
  });
  return count;
}

/**
 * a[rows[j]] for every j; with `into`, taken there (see BucketTakes).
 * @example
 * const picked = takeF64(state.count, Int32Array.of(2, 0));
 */
export function takeF64(a: Float64Array, rows: Int32Array, into?: BucketTakes): Float64Array {
  if (into !== undefined) return into.take(a, rows);
  return gatherF64(a, rows, new Float64Array(rows.length));
}

function gatherF64(a: Float64Array, rows: Int32Array, out: Float64Array): Float64Array {
  // Past a few dozen rows the native gather repays its call.
  const native = rows.length >= 64 ? nativeGroupBy() : null;
  if (native !== null) native.takeDoubles(a, rows, out);
  else for (let j = 0; j < rows.length; j++) out[j] = a[rows[j]];
  return out;
}

/**
 * The state arrays of one bucket of a split, taken into shared memory (posting them to another
 * thread then copies nothing, however often they are posted), once per source array: states
 * sharing an array (the counts of columns without nulls) share its take, and sources that are
 * all +0 (the high limbs of small integer sums) share one array of zeros, which is never
 * written, so its pages are never touched. `zeroSources` is shared by the buckets of a split,
 * so each source is scanned once.
 * @example
 * const into = new BucketTakes(new Map());
 * const state = intSumKernel.take(s, rows, into);
 */
export class BucketTakes {
  private readonly taken = new Map<Float64Array, Float64Array>();
  private zeros: Float64Array | null = null;

  constructor(private readonly zeroSources: Map<Float64Array, boolean>) {}

  take(a: Float64Array, rows: Int32Array): Float64Array {
    let out = this.taken.get(a);
    if (out !== undefined) return out;
    let zero = this.zeroSources.get(a);
    if (zero === undefined) this.zeroSources.set(a, (zero = allPositiveZero(a)));
    out = zero
      ? (this.zeros ??= sharedF64(rows.length))
      : gatherF64(a, rows, sharedF64(rows.length));
    this.taken.set(a, out);
    return out;
  }
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

/** Whether every element is +0 (not -0, not NaN). */
function allPositiveZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 || 1 / a[i] < 0) return false;
  return true;
}

/**
 * A validity bitmap with bit g set where count[g] > min, or null when every bit is.
 * @example
 * const valid = validWhere(count, 1); // var: null below two values
 */
export function validWhere(count: Float64Array, min: number): { bitmap: Uint8Array | null; nulls: number } {
  const bitmap = new Uint8Array(bitmapBytes(count.length));
  let nulls = 0;
  for (let g = 0; g < count.length; g++) {
    if (count[g] > min) bitmap[g >> 3] |= 1 << (g & 7);
    else nulls++;
  }
  return { bitmap: nulls > 0 ? bitmap : null, nulls };
}

/**
 * Float64 Arrow data (null where the bitmap says).
 * @example
 * return float64Data(means, validWhere(count, 0));
 */
export function float64Data(values: Float64Array, valid: { bitmap: Uint8Array | null; nulls: number }): arrow.Data {
  return arrow.makeData({
    type: new arrow.Float64(),
    length: values.length,
    nullCount: valid.nulls,
    nullBitmap: valid.bitmap ?? new Uint8Array(0),
    data: values,
  });
}

/**
 * Int64 Arrow data from its 32-bit words (low word first), null where the bitmap says.
 * @example
 * return int64Data(words, { bitmap: null, nulls: 0 });
 */
export function int64Data(words: Uint32Array, valid: { bitmap: Uint8Array | null; nulls: number }): arrow.Data {
  return arrow.makeData({
    type: new arrow.Int64(),
    length: words.length / 2,
    nullCount: valid.nulls,
    nullBitmap: valid.bitmap ?? new Uint8Array(0),
    data: new BigInt64Array(words.buffer, words.byteOffset, words.length / 2),
  });
}

/**
 * Non-negative integer counts (below 2^53) as int64 data.
 * @example
 * return countsData(state.count);
 */
export function countsData(count: Float64Array): arrow.Data {
  const words = new Uint32Array(count.length * 2);
  for (let g = 0; g < count.length; g++) {
    const c = count[g];
    const lo = c % 4294967296;
    words[2 * g] = lo;
    words[2 * g + 1] = (c - lo) / 4294967296;
  }
  return int64Data(words, { bitmap: null, nulls: 0 });
}

/**
 * Where each state's rows start in the concatenation, and the total.
 * @example
 * offsetsOf([3, 0, 2]); // [0, 3, 3]
 */
export function offsetsOf(lengths: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const n of lengths) {
    out.push(at);
    at += n;
  }
  return out;
}
