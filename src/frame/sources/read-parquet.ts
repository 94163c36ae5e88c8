/** readParquet: a lazy scan over Parquet files; footers are read now, data at compute time. */
import { PlanError } from '../../errors.js';
import { openParquetDataset } from '../../io/parquet/parquet-dataset.js';
import { exprType } from '../../plan/expr-type.js';
import type { Expr } from '../../plan/expr.js';
import type { PlanNode, ScanNode } from '../../plan/logical-plan.js';
import { parseSize } from '../../size.js';
import { valueSchema } from '../verbs/schema-of.js';
import { select } from '../verbs/project.js';
import { filter } from '../verbs/filter.js';

export interface ReadParquetOptions {
  /** Read only these columns (in this order). */
  columns?: string[];
  /** Keep only rows where this is true; row groups whose statistics rule it out are skipped. */
  filters?: Expr;
  /**
   * Target in-memory bytes per partition: small row groups merge, big ones split. Default: 128 MB,
   * less under a tight `memoryLimit` (an eighth of it per CPU worker, at least 4 MiB).
   */
  blocksize?: string | number;
}

export function readParquetPlan(pathOrGlob: string | readonly string[], options: ReadParquetOptions = {}): PlanNode {
  const dataset = openParquetDataset(pathOrGlob);
  const blocksize = options.blocksize === undefined ? null : parseSize(options.blocksize, 'blocksize');
  const label = typeof pathOrGlob === 'string' ? pathOrGlob : pathOrGlob.join(', ');
  const scan: ScanNode = {
    kind: 'scan', source: { kind: 'parquet', dataset, blocksize, label }, columns: dataset.schema.fields.map((f) => f.name), predicate: null, schema: dataset.schema,
  };
  let plan: PlanNode = scan;
  if (options.filters !== undefined) {
    const t = exprType(options.filters, valueSchema(scan.schema));
    if (t !== 'bool' && t !== 'null') throw new PlanError('TYPE_MISMATCH', `readParquet: filters must be a boolean expression, not ${t}`);
    plan = filter(plan, options.filters);
  }
  if (options.columns !== undefined) plan = select(plan, options.columns);
  return plan;
}
