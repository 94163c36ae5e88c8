/**
 * Orders the rows of a (small, already aggregated) table by some columns: `groupBy(...,
 * { sort: true })` and `valueCounts`. Values order as everywhere in Dusk (NaN above +Infinity,
 * strings by code point) and nulls come last in either direction, as DuckDB's default. The
 * order is stable. (The shuffle-based sort of whole frames is `sortValues`, a separate operator.)
 */
import type * as arrow from 'apache-arrow';
import { compareValues, type Value } from './compare-values.js';
import { takeRows } from './take-rows.js';

export function sortTable(table: arrow.Table, orderBy: readonly { column: string; descending: boolean }[]): arrow.Table {
  const n = table.numRows;
  const columns = orderBy.map((o) => {
    const v = table.getChild(o.column)!;
    const values: Value[] = new Array(n);
    let i = 0;
    for (const x of v) values[i++] = (x ?? null) as Value;
    return { values, sign: o.descending ? -1 : 1 };
  });
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    for (const { values, sign } of columns) {
      const x = values[a]!;
      const y = values[b]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return x === null ? 1 : -1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return sign * c;
    }
    return a - b;
  });
  return takeRows(table, Uint32Array.from(order));
}
