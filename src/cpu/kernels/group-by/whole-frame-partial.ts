/**
 * `wholeFramePartial`: the partial state of aggregates without keys (`df.agg`, and filter then
 * agg) straight from a partition's columns, under an optional selection mask, without gathering
 * the kept rows and without group ids: exactly the `GroupPartial` that
 * `partialGroupBy(filterTable(table, mask), [], aggs)` gives (one group, the same state kinds,
 * the same doubles bit for bit), so merging and finalizing do not change. Each request is decided
 * on its own: count, size, sum, mean, var, std, min, max, first and last of the columns the
 * tally reads (`columnTally`, one pass per column for all its requests) take the fast path;
 * the others (nunique, min/max of strings, dictionaries with null entries, and every request
 * partialGroupBy would refuse) gather their own columns and go through partialGroupBy as before.
 */
import * as arrow from 'apache-arrow';
import { checkMask, filterTable } from '../filter-table.js';
import { partialGroupBy } from '../group-by.js';
import type { AggRequest, AggState, GroupPartial } from './agg-types.js';
import { columnKind, dictionaryNulls, type Chunks, type ColumnKind } from './column-kind.js';
import { columnTally, TALLY_MAX, TALLY_MIN, TALLY_MOMENTS, TALLY_SUM, type ColumnTally } from './column-tally.js';
import { gatherPlain } from './gather-column.js';

/** How a request is answered from its column's tally. */
type Fast =
  | { state: 'size' }
  | { state: 'count' | 'int-sum' | 'float-sum' | 'moments'; column: string; flags: number }
  | { state: 'pick'; fn: 'min' | 'max' | 'first' | 'last'; column: string; flags: number };

/** Whether no chunk's dictionary holds a null entry (rows pointing at one count as null). */
function noNullEntries(chunks: Chunks): boolean {
  return chunks.every((d) => d.length === 0 || dictionaryNulls(d) === null);
}

/** The fast path of one request, or null when it goes through partialGroupBy. */
function fastPath(req: AggRequest, table: arrow.Table): Fast | null {
  if (req.fn === 'size') return { state: 'size' };
  if (req.column === null) return null;
  const vector = table.getChild(req.column);
  const kind: ColumnKind | null = vector === null ? null : columnKind(vector.type);
  if (vector === null || kind === null) return null;
  const column = req.column;
  const number = kind.kind === 'number';
  const float = number && (kind.dtype === 'float32' || kind.dtype === 'float64');
  switch (req.fn) {
    case 'count':
    case 'first':
    case 'last':
      if (kind.kind === 'dict' && !noNullEntries(vector.data)) return null;
      return req.fn === 'count' ? { state: 'count', column, flags: 0 } : { state: 'pick', fn: req.fn, column, flags: 0 };
    case 'min':
    case 'max':
      if (!number && kind.kind !== 'bool') return null;
      return { state: 'pick', fn: req.fn, column, flags: req.fn === 'min' ? TALLY_MIN : TALLY_MAX };
    case 'sum':
    case 'mean':
      return number ? { state: float ? 'float-sum' : 'int-sum', column, flags: TALLY_SUM } : null;
    case 'var':
    case 'std':
      return number ? { state: 'moments', column, flags: TALLY_MOMENTS } : null;
    default:
      return null;
  }
}

/** The keys table of a partial without keys: no columns, one row (partialGroupBy's). */
function oneGroupKeys(): arrow.Table {
  const schema = new arrow.Schema([]);
  const struct = arrow.makeData({ type: new arrow.Struct([]), length: 1, nullCount: 0, children: [] });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** The state of a fast request from its column's tally (`kept`: the rows the mask keeps). */
function stateOf(fast: Fast, tally: ColumnTally | undefined, kept: number, table: arrow.Table): AggState {
  if (fast.state === 'size') return { kind: 'count', count: Float64Array.of(kept) };
  const t = tally!;
  switch (fast.state) {
    case 'count':
      return { kind: 'count', count: Float64Array.of(t.valid) };
    case 'int-sum':
      return { kind: 'int-sum', count: Float64Array.of(t.valid), l0: Float64Array.of(t.sum.l0), l1: Float64Array.of(t.sum.l1), l2: Float64Array.of(t.sum.l2) };
    case 'float-sum':
      return { kind: 'float-sum', count: Float64Array.of(t.valid), hi: Float64Array.of(t.hi), lo: Float64Array.of(t.lo) };
    case 'moments':
      return { kind: 'moments', count: Float64Array.of(t.count), mean: Float64Array.of(t.mean), m2: Float64Array.of(t.m2) };
    case 'pick': {
      const vector = table.getChild(fast.column)!;
      const row = fast.fn === 'first' ? t.first : fast.fn === 'last' ? t.last : fast.fn === 'min' ? t.minRow : t.maxRow;
      return { kind: 'pick', fn: fast.fn, values: gatherPlain(vector.data, columnKind(vector.type)!, Int32Array.of(row)) };
    }
  }
}

/** partialGroupBy over the kept rows of only the columns `aggs` read. */
function gatheredPartial(table: arrow.Table, aggs: readonly AggRequest[], mask: arrow.Vector | null): GroupPartial {
  const names = [...new Set(aggs.flatMap((r) => (r.fn === 'size' || r.column === null ? [] : [r.column])))];
  const at = names.map((n) => table.schema.fields.findIndex((f) => f.name === n));
  // A missing column: partialGroupBy names it, listing the columns the whole table has.
  if (at.includes(-1)) return partialGroupBy(table, [], aggs);
  const columns = table.selectAt(at);
  return partialGroupBy(mask === null ? columns : filterTable(columns, mask), [], aggs);
}

/**
 * The one-group partial of `aggs` over the rows of `table` that `mask` keeps (a bool vector as
 * long as the table, chunked in any way: true keeps a row, false and null drop it), or over every
 * row when `mask` is null. The same as partialGroupBy(filterTable(table, mask), [], aggs), errors
 * included, bit for bit.
 * @example
 * const mask = evalColumn(col('v1').gt(2), table);
 * const p = wholeFramePartial(table, [{ fn: 'sum', column: 'v3' }, { fn: 'std', column: 'v3' }], mask);
 */
export function wholeFramePartial(table: arrow.Table, aggs: readonly AggRequest[], mask: arrow.Vector | null = null): GroupPartial {
  if (mask !== null) checkMask(table, mask);
  const plans = aggs.map((req) => fastPath(req, table));
  const flags = new Map<string, number>();
  for (const p of plans) if (p !== null && p.state !== 'size') flags.set(p.column, (flags.get(p.column) ?? 0) | p.flags);
  const maskChunks = mask === null ? null : (mask.data as arrow.Data[]);
  const tallies = new Map<string, ColumnTally>();
  for (const [name, f] of flags) {
    const vector = table.getChild(name)!;
    tallies.set(name, columnTally(vector.data, columnKind(vector.type), maskChunks, f));
  }
  let kept = table.numRows;
  if (maskChunks !== null && plans.some((p) => p?.state === 'size')) {
    kept = tallies.size > 0 ? tallies.values().next().value!.rows : columnTally(null, null, maskChunks, 0).rows;
  }
  const slow = aggs.filter((_, i) => plans[i] === null);
  const gathered = slow.length > 0 ? gatheredPartial(table, slow, mask) : null;
  let next = 0;
  const states = plans.map((p) => (p === null ? gathered!.states[next++] : stateOf(p, p.state === 'size' ? undefined : tallies.get(p.column), kept, table)));
  return { keys: gathered?.keys ?? oneGroupKeys(), groups: 1, states };
}
