/**
 * The fast CPU expression evaluator: the same results as the row-at-a-time reference
 * `evalExprVector` (type, values, nulls, and errors down to their messages), computed a column
 * at a time over typed arrays, with one result chunk per batch of the table.
 *
 * Numeric and boolean results over large batches are computed block by block (a few tens of
 * thousands of rows), every operator of a block writing into arrays recycled from the block
 * before, so the whole walk stays in cache and touches no fresh memory but the result. A block
 * walk meets errors in another order than the reference does, so when anything throws, the
 * expression is walked again over whole batches (eval-column/column-evaluator.ts), where the
 * first error raised is the reference's. Strings, and subtrees handed to the reference, always
 * take the whole-batch walk. The usual filter predicate (numeric columns compared with number
 * literals under and / or) goes to the native addon's mask when it is built
 * (eval-column/native-mask.ts), with the same results.
 */
import * as arrow from 'apache-arrow';
import { DuskError } from '../../errors.js';
import type { Expr } from '../../plan/expr.js';
import { exprType, type Schema } from '../../plan/expr-type.js';
import { arrowTypeOf, isNumeric, type ValueType } from '../../plan/value-type.js';
import { tableSchema } from './eval-expr.js';
import { batchColumn } from './eval-column/batch-column.js';
import { BlockWriter } from './eval-column/block-writer.js';
import { ColumnEvaluator, columnIndex, type LaneSource } from './eval-column/column-evaluator.js';
import { FRESH, NULL_LANE, ScratchArena } from './eval-column/lane.js';
import { nativeMask } from './eval-column/native-mask.js';
import { writeLane } from './eval-column/write-lane.js';

export interface EvalColumnOptions {
  /** Rows per block for numeric and boolean results (rounded up to a multiple of 8). */
  blockRows?: number;
}

const BLOCK_ROWS = 1 << 15;

/** The table's own chunks when the expression is just one of its columns, already of the result type. */
function passThrough(expr: Expr, type: ValueType, table: arrow.Table, schema: Schema): arrow.Vector | null {
  let node = expr.node;
  while (node.kind === 'alias') node = node.arg.node;
  if (node.kind !== 'col' || type === 'other' || type === 'null' || table.batches.length === 0) return null;
  const index = columnIndex(table, schema, node.name);
  if (index < 0 || String(table.schema.fields[index]!.type) !== String(arrowTypeOf(type))) return null;
  return new arrow.Vector(table.batches.map((b) => batchColumn(b, index)));
}

function evalWhole(expr: Expr, type: ValueType, table: arrow.Table, schema: Schema, types: Map<Expr, ValueType>): arrow.Vector {
  const source: LaneSource = {
    table,
    schema,
    rows: table.batches.map((b) => b.numRows),
    column: (index, k) => batchColumn(table.batches[k]!, index),
    scratch: FRESH,
    types,
  };
  const lanes = new ColumnEvaluator(source).evaluate(expr);
  if (type === 'other') throw new DuskError('UNSUPPORTED', `cannot produce a column of this type from ${expr.key}`);
  const datas = lanes.map((lane, k) => writeLane(lane, type, source.rows[k]!));
  return new arrow.Vector(datas.length > 0 ? datas : [writeLane(NULL_LANE, type, 0)]);
}

/** The block walk, or null where it does not apply or something threw. */
function evalBlocks(expr: Expr, type: ValueType, table: arrow.Table, schema: Schema, types: Map<Expr, ValueType>, blockRows: number): arrow.Vector | null {
  if (!(isNumeric(type) || type === 'bool')) return null;
  const arena = new ScratchArena();
  const base: LaneSource = { table, schema, rows: [], column: () => { throw new TypeError('no part'); }, scratch: arena, types };
  if (new ColumnEvaluator(base).usesReference(expr)) return null;
  try {
    const datas = table.batches.map((batch) => {
      const n = batch.numRows;
      const writer = new BlockWriter(type, n);
      const whole = new Map<number, arrow.Data>();
      for (let start = 0; start < n; start += blockRows) {
        const len = Math.min(blockRows, n - start);
        arena.reset();
        const column = (index: number): arrow.Data => {
          let data = whole.get(index);
          if (data === undefined) whole.set(index, (data = batchColumn(batch, index)));
          return data.slice(start, len);
        };
        const lane = new ColumnEvaluator({ ...base, rows: [len], column }).evaluate(expr)[0]!;
        writer.write(lane, start, len);
      }
      return writer.finish();
    });
    return new arrow.Vector(datas);
  } catch {
    // Which error comes first depends on the walk; the whole-batch walk finds the reference's.
    return null;
  }
}

/**
 * Evaluates `expr` over `table` a column at a time: the same Arrow type, values, nulls and
 * errors as `evalExprVector(expr, table, schema)`, with one result chunk per batch of `table`.
 * Plan errors (unknown column, wrong types) come first, before any data is read.
 * `options.blockRows` sets the block size of the block walk (tests make it small).
 *
 * @example
 * const mask = evalColumn(col('a').mul(col('b')).gt(100).and(col('c').lt(5)), table);
 * const kept = filterTable(table, mask);
 */
export function evalColumn(expr: Expr, table: arrow.Table, schema: Schema = tableSchema(table), options: EvalColumnOptions = {}): arrow.Vector {
  const type = exprType(expr, schema);
  const direct = passThrough(expr, type, table, schema);
  if (direct !== null) return direct;
  // Numeric comparisons under and / or (the usual filter) go to the native mask when it is built.
  const masked = type === 'bool' ? nativeMask(expr, table, schema) : null;
  if (masked !== null) return masked;
  const types = new Map<Expr, ValueType>();
  const blockRows = Math.max(8, Math.ceil((options.blockRows ?? BLOCK_ROWS) / 8) * 8);
  if (table.batches.some((b) => b.numRows > blockRows)) {
    const blocked = evalBlocks(expr, type, table, schema, types, blockRows);
    if (blocked !== null) return blocked;
  }
  return evalWhole(expr, type, table, schema, types);
}
