/**
 * `df.groupBy(keys)`: the grouped half of a groupby, waiting for its aggregates. Every method
 * builds one Aggregate node (see verbs/aggregate.ts) and returns a new DataFrame.
 */
import type { AggFn } from '../cpu/kernels/group-by.js';
import type { PlanNode } from '../plan/logical-plan.js';
import { aggregateNode, aggSpecs, type AggSpecInput } from './verbs/aggregate.js';
import { checkColumn } from './verbs/schema-of.js';
import type { DataFrame } from './data-frame.js';

export interface GroupByOptions {
  /** Order the groups by their keys (nulls last); otherwise the order is unspecified. */
  sort?: boolean;
}

export class GroupBy {
  constructor(
    private readonly input: PlanNode,
    private readonly keys: readonly string[],
    private readonly options: GroupByOptions,
    private readonly make: (plan: PlanNode) => DataFrame,
  ) {
    for (const k of keys) checkColumn(input, k, 'groupBy');
  }

  private orderBy(): { column: string; descending: boolean }[] {
    return this.options.sort === true ? this.keys.map((k) => ({ column: k, descending: false })) : [];
  }

  /**
   * Aggregates per group: `{ column: fn | fn[] }`. One function names the output after the
   * column; several name them `column_fn`.
   *
   * @example
   * df.groupBy(['id1', 'id2']).agg({ v1: 'sum', v3: ['mean', 'std', 'count'] })
   */
  agg(spec: AggSpecInput): DataFrame {
    return this.make(aggregateNode(this.input, this.keys, aggSpecs(this.input, spec, 'groupBy.agg'), this.orderBy(), 'groupBy.agg'));
  }

  private shortcut(fn: AggFn, columns: readonly string[]): DataFrame {
    const names = columns.length > 0 ? columns : this.input.schema.fields.map((f) => f.name).filter((n) => !this.keys.includes(n));
    return this.agg(Object.fromEntries(names.map((c) => [c, fn])));
  }

  sum(...columns: string[]): DataFrame { return this.shortcut('sum', columns); }
  mean(...columns: string[]): DataFrame { return this.shortcut('mean', columns); }
  count(...columns: string[]): DataFrame { return this.shortcut('count', columns); }
  min(...columns: string[]): DataFrame { return this.shortcut('min', columns); }
  max(...columns: string[]): DataFrame { return this.shortcut('max', columns); }
  std(...columns: string[]): DataFrame { return this.shortcut('std', columns); }
  var(...columns: string[]): DataFrame { return this.shortcut('var', columns); }
  nunique(...columns: string[]): DataFrame { return this.shortcut('nunique', columns); }
  first(...columns: string[]): DataFrame { return this.shortcut('first', columns); }
  last(...columns: string[]): DataFrame { return this.shortcut('last', columns); }

  /** Rows per group, in a column named `size`. */
  size(): DataFrame {
    return this.make(aggregateNode(this.input, this.keys, [{ fn: 'size', column: null, name: 'size' }], this.orderBy(), 'groupBy.size'));
  }
}
