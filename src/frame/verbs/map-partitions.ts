/**
 * mapPartitions: a user function over each partition — `(batch, index, { arrow }) => table`,
 * sync or async — shipped to the worker threads as source text, so it must not capture
 * variables from its surroundings (checked here). The output columns come from `meta` (an
 * Arrow schema, an empty table, or `{ name: type }` with Dusk's type names), or, without it,
 * from running the function once on an empty partition now; an async function needs `meta`.
 */
import * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import { emptyTable } from '../../exec/run-stage.js';
import { schemaText } from '../../exec/map-partition.js';
import { reviveFunction, shipFunction, type ShippedFunction } from '../../exec/ship-function.js';
import { CAST_TYPES, type CastType } from '../../plan/expr.js';
import type { MapPartitionsNode, PlanNode } from '../../plan/logical-plan.js';
import { arrowTypeOf } from '../../plan/value-type.js';

/** The output columns: a schema, an empty table like the output, or column names to type names. */
export type MapMeta = arrow.Schema | arrow.Table | Readonly<Record<string, CastType>>;

export type PartitionFunction = (batch: arrow.Table, index: number, context: { arrow: typeof arrow }) => arrow.Table | arrow.RecordBatch | Promise<arrow.Table | arrow.RecordBatch>;

function metaSchema(meta: MapMeta): arrow.Schema {
  if (meta instanceof arrow.Schema) return meta;
  if (meta instanceof arrow.Table) return meta.schema;
  if (typeof meta !== 'object' || meta === null) throw new PlanError('BAD_OPTION', 'mapPartitions: meta must be an Arrow schema, an empty table, or { column: type }');
  return new arrow.Schema(Object.entries(meta).map(([name, t]) => {
    if (!CAST_TYPES.includes(t)) throw new PlanError('BAD_OPTION', `mapPartitions: meta gives column '${name}' the type '${String(t)}'; the types are ${CAST_TYPES.join(', ')}`);
    return new arrow.Field(name, arrowTypeOf(t), true);
  }));
}

/** The schema the function produces on an empty partition (synchronously; async functions need meta). */
function inferSchema(fn: ShippedFunction, input: arrow.Schema): arrow.Schema {
  let out: unknown;
  try {
    out = reviveFunction(fn)(emptyTable(input), 0, { arrow });
  } catch (cause) {
    throw new PlanError('NEEDS_META', `mapPartitions: running '${fn.name}' on an empty partition to learn its columns failed (${cause instanceof Error ? cause.message : String(cause)}); pass { meta } with its output columns`, { cause });
  }
  if (out instanceof Promise) {
    out.catch(() => undefined);
    throw new PlanError('NEEDS_META', `mapPartitions: '${fn.name}' is async, so its columns cannot be learnt by running it now; pass { meta } with its output columns`);
  }
  if (out instanceof arrow.Table) return out.schema;
  if (out instanceof arrow.RecordBatch) return out.schema;
  throw new PlanError('NEEDS_META', `mapPartitions: '${fn.name}' returned ${out === null ? 'null' : typeof out} on an empty partition, not an Arrow table`);
}

export function mapPartitions(input: PlanNode, fn: PartitionFunction, options: { meta?: MapMeta }): MapPartitionsNode {
  const shipped = shipFunction(fn, 'mapPartitions');
  const schema = options.meta === undefined ? inferSchema(shipped, input.schema) : metaSchema(options.meta);
  const names = new Set<string>();
  for (const f of schema.fields) {
    if (names.has(f.name)) throw new PlanError('DUPLICATE_COLUMN', `mapPartitions: the output has two columns named '${f.name}' (${schemaText(schema)})`);
    names.add(f.name);
  }
  return { kind: 'mapPartitions', input, fn: shipped, schema };
}
