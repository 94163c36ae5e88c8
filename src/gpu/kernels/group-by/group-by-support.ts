/**
 * Which group-bys the GPU twin runs: what `explain()` reports and what `groupByPartial`
 * checks first. Anything else runs on the CPU twin (`partialGroupBy`), which also raises the
 * type errors (a sum over strings, say).
 */
import type * as arrow from 'apache-arrow';
import type { AggRequest } from '../../../cpu/kernels/group-by/agg-types.js';
import { deviceLayout } from '../../upload-table.js';

/** A column as far as support is concerned: an Arrow field or a `GpuTableColumn` both fit. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: arrow.DataType;
}

export type Support = { ok: true } | { ok: false; why: string };

function describe(req: AggRequest): string {
  return `${req.fn}(${req.column ?? ''})`;
}

/**
 * Whether the GPU group-by can compute `aggs` grouped by `keys` over `columns`, and if not,
 * why (naming the column or aggregate).
 * @example
 * groupBySupport(table.schema.fields, ['id1'], [{ fn: 'sum', column: 'v1' }]); // { ok: true }
 */
export function groupBySupport(columns: readonly ColumnInfo[], keys: readonly string[], aggs: readonly AggRequest[]): Support {
  const find = (name: string): ColumnInfo | undefined => columns.find((c) => c.name === name);
  if (new Set(keys).size !== keys.length) return { ok: false, why: 'a group-by key column is given twice' };
  for (const key of keys) {
    const c = find(key);
    if (c === undefined) return { ok: false, why: `no key column '${key}'` };
    const layout = deviceLayout(c.type);
    if (layout === null) return { ok: false, why: `key column '${key}' of type ${String(c.type)} cannot go to the GPU` };
    if (layout.kind === 'number' && (layout.dtype === 'float32' || layout.dtype === 'float64')) {
      return { ok: false, why: `float key column '${key}' is grouped on the CPU` };
    }
  }
  for (const req of aggs) {
    if (req.fn === 'size') continue;
    if (req.fn === 'nunique') return { ok: false, why: `${describe(req)} runs on the CPU` };
    if (req.column === null) return { ok: false, why: `${describe(req)} needs a column` };
    const c = find(req.column);
    if (c === undefined) return { ok: false, why: `${describe(req)}: no column '${req.column}'` };
    const layout = deviceLayout(c.type);
    if (layout === null) return { ok: false, why: `${describe(req)}: column of type ${String(c.type)} cannot go to the GPU` };
    switch (req.fn) {
      case 'count':
      case 'first':
      case 'last':
        break;
      case 'min':
      case 'max':
        if (layout.kind === 'dictionary') return { ok: false, why: `${describe(req)}: string min/max runs on the CPU` };
        break;
      case 'sum':
      case 'mean':
      case 'var':
      case 'std':
        if (layout.kind !== 'number') return { ok: false, why: `${describe(req)} needs a numeric column` };
        break;
      default:
        return { ok: false, why: `${describe(req)} is not a GPU aggregate` };
    }
  }
  return { ok: true };
}
