/**
 * The data a hash group-by passes between its stages: the aggregate requests, the partial state
 * of one partition (one row per group), and the plain columns those states keep values in.
 * Everything here is plain data (typed arrays, arrays of primitives, plain objects) so that a
 * partial can cross a worker boundary by structured clone with its buffers transferred; only the
 * group keys travel as an Arrow table, which the engine ships itself.
 */
import type * as arrow from 'apache-arrow';
import type { NumericArray, NumericDType } from '../../../dtype.js';

export type AggFn = 'sum' | 'mean' | 'count' | 'min' | 'max' | 'std' | 'var' | 'size' | 'nunique' | 'first' | 'last';

/** One aggregate of a group-by: `column` is null only for 'size'. */
export interface AggRequest {
  fn: AggFn;
  column: string | null;
}

/** The element type of a plain column: strings are always plain Utf8 here. */
export type PlainType = NumericDType | 'bool' | 'utf8';

/**
 * One column as the typed arrays of its Arrow layout, starting at row 0 and owning its buffers
 * (never a view into an input table), so it can be transferred and turned back into Arrow
 * without copying.
 */
export interface PlainColumn {
  type: PlainType;
  length: number;
  /** Arrow validity bitmap (bit i is row i, LSB first), or null when no row is null. */
  validity: Uint8Array | null;
  /** Numbers: the values in their own dtype. bool: the bit-packed values. utf8: the UTF-8 bytes. */
  values: NumericArray | Uint8Array;
  /** utf8 only: `length + 1` byte offsets into `values`; null for the other types. */
  offsets: Int32Array | null;
}

/** count (non-null values) and size (rows) per group. */
export interface CountState {
  kind: 'count';
  count: Float64Array;
}

/**
 * Exact integer sums (for sum and mean of integer columns): per group the non-null count and the
 * total as three limbs, total = l2·2^64 + l1·2^32 + l0 with l0, l1 in [0, 2^32) and l2 a signed
 * integer held exactly in a double, so partials never overflow (up to about 2^117).
 */
export interface IntSumState {
  kind: 'int-sum';
  count: Float64Array;
  l0: Float64Array;
  l1: Float64Array;
  l2: Float64Array;
}

/**
 * Float sums (for sum and mean of float columns): per group the non-null count and the sum as a
 * double-double hi + lo. NaN and ±Infinity propagate through hi as IEEE addition does (a running
 * sum of finite values that overflows is ±Infinity, as in DuckDB); lo is meaningful only while
 * hi is finite.
 */
export interface FloatSumState {
  kind: 'float-sum';
  count: Float64Array;
  hi: Float64Array;
  lo: Float64Array;
}

/** var and std: per group count, mean and M2 (Welford within a partition, Chan across them). */
export interface MomentsState {
  kind: 'moments';
  count: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

/**
 * min, max, first and last: the chosen value of each group (null when the group has none), in
 * the input's type (Dictionary strings as plain Utf8).
 */
export interface PickState {
  kind: 'pick';
  fn: 'min' | 'max' | 'first' | 'last';
  values: PlainColumn;
}

/**
 * nunique: the distinct non-null values of every group, as pairs (group[j], values row j), each
 * pair once (NaN once, -0 and 0 once).
 */
export interface DistinctState {
  kind: 'distinct';
  groups: number;
  group: Int32Array;
  values: PlainColumn;
}

/** The partial state of one aggregate: which kind depends on the function and the input type. */
export type AggState = CountState | IntSumState | FloatSumState | MomentsState | PickState | DistinctState;

/**
 * Partial aggregation state of one partition: one row per group, the key values in `keys` (an
 * Arrow table of the key columns, empty of columns when there are no keys) and one state per
 * request, row g of every state belonging to group g.
 */
export interface GroupPartial {
  keys: arrow.Table;
  groups: number;
  states: AggState[];
}
