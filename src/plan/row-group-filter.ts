/**
 * Row-group skipping: decides from a Parquet row group's statistics (min, max, null count)
 * whether a predicate can be true for any of its rows. It answers "maybe" unless it can prove
 * "never", so a skipped row group never holds a matching row. Float columns may hold NaN rows
 * that writers leave out of min/max; NaN sorts above +Infinity and is unequal to every number,
 * so for floats only the bounds that NaN cannot cross are used.
 */
import { compareValues } from '../cpu/kernels/compare-values.js';
import type { StatValue } from '../io/parquet-footer.js';
import type { BinaryOp, Expr, LiteralValue } from './expr.js';

export interface ColumnStats {
  min: StatValue | null;
  max: StatValue | null;
  nullCount: number | null;
  /** True for float columns (NaN may be present and missing from min/max). */
  float: boolean;
}

export interface RowGroupStats {
  numRows: number;
  column(name: string): ColumnStats | undefined;
}

const FLIP: Partial<Record<BinaryOp, BinaryOp>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };

function cmp(a: StatValue, b: Exclude<LiteralValue, null>): number | null {
  try {
    return compareValues(a, b);
  } catch {
    return null; // values of different kinds: no conclusion
  }
}

/** False only when no row of the group can satisfy `column op value`. */
function comparisonMayMatch(op: BinaryOp, s: ColumnStats | undefined, value: LiteralValue, rows: number): boolean {
  if (value === null) return false; // a comparison with null is never true
  if (s === undefined) return true;
  if (s.nullCount !== null && s.nullCount >= rows) return false;
  if (s.min === null || s.max === null) return true;
  if (s.float && typeof value === 'number' && Number.isNaN(value)) return true;
  const lo = cmp(s.min, value);
  const hi = cmp(s.max, value);
  if (lo === null || hi === null) return true;
  switch (op) {
    case 'eq':
      return lo <= 0 && hi >= 0;
    case 'ne':
      return s.float || !(lo === 0 && hi === 0);
    case 'lt':
      return lo < 0;
    case 'le':
      return lo <= 0;
    case 'gt':
      return s.float || hi > 0;
    case 'ge':
      return s.float || hi >= 0;
    default:
      return true;
  }
}

/** Whether `predicate` may be true for some row of the group described by `stats`. */
export function rowGroupMayMatch(predicate: Expr, stats: RowGroupStats): boolean {
  const node = predicate.node;
  switch (node.kind) {
    case 'alias':
      return rowGroupMayMatch(node.arg, stats);
    case 'lit':
      return node.value !== false && node.value !== null;
    case 'binary': {
      if (node.op === 'and') return rowGroupMayMatch(node.left, stats) && rowGroupMayMatch(node.right, stats);
      if (node.op === 'or') return rowGroupMayMatch(node.left, stats) || rowGroupMayMatch(node.right, stats);
      const { left, right } = node;
      if (left.node.kind === 'col' && right.node.kind === 'lit') {
        return comparisonMayMatch(node.op, stats.column(left.node.name), right.node.value, stats.numRows);
      }
      if (left.node.kind === 'lit' && right.node.kind === 'col' && FLIP[node.op] !== undefined) {
        return comparisonMayMatch(FLIP[node.op]!, stats.column(right.node.name), left.node.value, stats.numRows);
      }
      return true;
    }
    case 'unary': {
      if (node.arg.node.kind !== 'col') return true;
      const s = stats.column(node.arg.node.name);
      if (s === undefined || s.nullCount === null) return true;
      if (node.op === 'isNull') return s.nullCount > 0;
      if (node.op === 'isNotNull') return s.nullCount < stats.numRows;
      return true;
    }
    case 'isIn': {
      if (node.arg.node.kind !== 'col') return true;
      const s = stats.column(node.arg.node.name);
      return node.values.some((v) => comparisonMayMatch('eq', s, v, stats.numRows));
    }
    default:
      return true;
  }
}
