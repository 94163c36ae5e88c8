/**
 * The native fast path of `evalColumn` for the usual filter predicate: comparisons of numeric
 * columns (integers of at most 32 bits, float32, float64) with number literals, combined with
 * and / or, computed by the addon's `filterMask` (native/src/filter-mask.cpp) straight into a
 * bit-packed bool chunk per batch. The results are the lane evaluator's: the literal compares
 * as the double its lane holds (int32 and float64 literals only), NaN equals itself and is above
 * +Infinity, nulls follow Kleene logic. Anything else, or no addon, returns null and the lane
 * evaluator runs.
 */
import * as arrow from 'apache-arrow';
import type { Expr } from '../../../plan/expr.js';
import type { Schema } from '../../../plan/expr-type.js';
import { literalType, type ValueType } from '../../../plan/value-type.js';
import { nativeAddon, type NativeAddon } from '../native-addon.js';
import { batchColumn } from './batch-column.js';
import { FLIPPED, type CmpOp } from './cmp-op.js';
import { columnIndex } from './column-evaluator.js';

const OPS: Readonly<Record<CmpOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };
const LEAF = 0;
const AND = 1;
const OR = 2;
/** The addon's limits: distinct columns, and operands waiting on its stack. */
const MAX_COLUMNS = 16;
const MAX_DEPTH = 16;
const SMALL_NUMERIC: ReadonlySet<ValueType> = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64']);

type Values = Parameters<NativeAddon['filterMask']>[0][number];

interface Program {
  steps: number[];
  constants: number[];
  /** Table column index of each program column. */
  columns: number[];
  depth: number;
}

function isNumericValues(v: unknown): v is Values {
  return v instanceof Int8Array || v instanceof Uint8Array || v instanceof Int16Array || v instanceof Uint16Array
    || v instanceof Int32Array || v instanceof Uint32Array || v instanceof Float32Array || v instanceof Float64Array;
}

/** Appends `e` to the program; false when some part of it is not for the native path. */
function compile(e: Expr, table: arrow.Table, schema: Schema, p: Program, depth: number): boolean {
  const node = e.node;
  if (node.kind === 'alias') return compile(node.arg, table, schema, p, depth);
  if (node.kind !== 'binary') return false;
  if (node.op === 'and' || node.op === 'or') {
    if (!compile(node.left, table, schema, p, depth) || !compile(node.right, table, schema, p, depth + 1)) return false;
    p.steps.push(node.op === 'and' ? AND : OR);
    return true;
  }
  if (!(node.op in OPS)) return false;
  let op = node.op as CmpOp;
  let column = node.left.node;
  let literal = node.right.node;
  if (column.kind === 'lit') {
    [column, literal] = [literal, column];
    op = FLIPPED[op];
  }
  if (column.kind !== 'col' || literal.kind !== 'lit' || typeof literal.value !== 'number') return false;
  // Other literal types (int64 past 2^31) take lanes that compare otherwise.
  const t = literalType(literal.value);
  if (t !== 'int32' && t !== 'float64') return false;
  if (!SMALL_NUMERIC.has(schema.get(column.name) ?? 'other')) return false;
  const index = columnIndex(table, schema, column.name);
  if (index < 0 || !table.batches.every((b) => isNumericValues(batchColumn(b, index).values))) return false;
  let k = p.columns.indexOf(index);
  if (k < 0) {
    k = p.columns.length;
    p.columns.push(index);
  }
  p.steps.push(LEAF, k, OPS[op], p.constants.length);
  p.constants.push(literal.value);
  p.depth = Math.max(p.depth, depth + 1);
  return p.columns.length <= MAX_COLUMNS && p.depth <= MAX_DEPTH;
}

/**
 * The bool mask of `expr` over `table`, one chunk per batch, or null when the native path does
 * not take the expression (or the addon is not there).
 * @example
 * const mask = nativeMask(col('v1').gt(2).and(col('v3').lt(50)), table, tableSchema(table));
 */
export function nativeMask(expr: Expr, table: arrow.Table, schema: Schema): arrow.Vector | null {
  const addon = nativeAddon();
  if (addon === null || typeof addon.filterMask !== 'function' || table.batches.length === 0) return null;
  const p: Program = { steps: [], constants: [], columns: [], depth: 0 };
  if (!compile(expr, table, schema, p, 0)) return null;
  const steps = Int32Array.from(p.steps);
  const constants = Float64Array.from(p.constants);
  const chunks = table.batches.map((batch) => {
    const n = batch.numRows;
    // An empty batch has nothing to compare, and Arrow may give it no buffers (an empty table's
    // placeholder batch), which the addon refuses.
    if (n === 0) return arrow.makeData({ type: new arrow.Bool(), length: 0, nullCount: 0, data: new Uint8Array(0) });
    const data = p.columns.map((index) => batchColumn(batch, index));
    const values = new Uint8Array((n + 7) >> 3);
    const validity = new Uint8Array((n + 7) >> 3);
    const nulls = addon.filterMask(
      data.map((d) => d.values as Values),
      data.map((d) => (d.nullCount > 0 && d.nullBitmap !== undefined && d.nullBitmap.length > 0 ? d.nullBitmap : null)),
      Float64Array.from(data, (d) => d.offset),
      n, steps, constants, values, validity,
    );
    return arrow.makeData({ type: new arrow.Bool(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null, data: values });
  });
  return new arrow.Vector(chunks);
}
