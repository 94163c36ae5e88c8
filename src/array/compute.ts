/**
 * `compute(a, b, …)`: several results in one call. The chunked arrays among them share one task
 * graph, so work they have in common runs once; anything else with a `compute()` (DataFrames)
 * is computed as it would be on its own, at the same time.
 */
import { ChunkedArray } from './chunked-array.js';
import { computeArrays, type ArrayResult } from './compute-arrays.js';

/** Something `compute` accepts: a chunked array, a DataFrame, or anything with `compute()`. */
export interface Computable {
  compute(): Promise<unknown>;
}

/** What `compute` gives for each item. */
export type Computed<T> = T extends ChunkedArray ? ArrayResult : T extends Computable ? Awaited<ReturnType<T['compute']>> : never;

/**
 * The results of every item, in order.
 *
 * @example
 * const [mean, std, table] = await compute(x.mean(), x.std(), df.groupBy('k').sum('v'));
 */
export async function compute<T extends readonly Computable[]>(...items: T): Promise<{ [K in keyof T]: Computed<T[K]> }> {
  const arrays = items.flatMap((item, i) => (item instanceof ChunkedArray ? [{ i, node: item.node }] : []));
  const others = items.map((item) => (item instanceof ChunkedArray ? null : item.compute()));
  const [computed, rest] = await Promise.all([
    arrays.length === 0 ? Promise.resolve([]) : computeArrays(arrays.map((a) => a.node)),
    Promise.all(others),
  ]);
  const out: unknown[] = [...rest];
  arrays.forEach((a, k) => { out[a.i] = computed[k]; });
  return out as { [K in keyof T]: Computed<T[K]> };
}
