/**
 * Per-thread scratch arrays for the row-sized id arrays of one group-by call (the group ids of
 * the rows, and the codes of a second key column while it is folded in). Fresh memory for every
 * partition costs a page fault per 1024 rows, more than the loops that fill it; these ids never
 * outlive the call that numbers them (no state keeps them, none is transferred), so one array
 * per role is reused. Past `REUSE_ROWS` rows a fresh array is returned instead, so a huge
 * partition does not pin its memory.
 */

/** The roles: row group ids, and the codes of the key column being folded in. */
export type ScratchRole = 'gid' | 'codes';

const REUSE_ROWS = 1 << 24;
const ARRAYS: Record<ScratchRole, Int32Array> = { gid: new Int32Array(0), codes: new Int32Array(0) };

/**
 * An Int32Array of n elements for `role` (contents undefined), valid until the next call for
 * the same role on this thread.
 * @example
 * const gid = scratchIds('gid', n); // every element is written before it is read
 */
export function scratchIds(role: ScratchRole, n: number): Int32Array {
  if (n > REUSE_ROWS) return new Int32Array(n);
  let a = ARRAYS[role];
  if (a.length < n) a = ARRAYS[role] = new Int32Array(Math.min(REUSE_ROWS, Math.max(n, a.length * 2)));
  return a.subarray(0, n);
}
