/**
 * Runs a mapPartitions function on one partition, where the task runs (a worker thread, or the
 * main thread under scheduler 'sync'): the function gets the partition as an Arrow table, its
 * index, and `{ arrow }` (the apache-arrow module, to build new tables); it may be async. What it
 * returns must be a table (or record batch) with exactly the columns its `meta` declared: a
 * partition that disagrees would corrupt the concatenated result, so it fails instead, naming
 * the function, the partition and both column lists. An exception of the function is a
 * USER_FUNCTION error, final (not retried: it would throw again).
 */
import * as arrow from 'apache-arrow';
import { DuskError } from '../errors.js';
import { reviveFunction, type ShippedFunction } from './ship-function.js';
import { decodeSchema } from './ship-table.js';

/** `name: type` of each column, to compare schemas and to show them in errors. */
export function schemaText(schema: arrow.Schema): string {
  return schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}

/** The function's result as a table, or why it is not one. */
function asTable(out: unknown): arrow.Table | null {
  if (out instanceof arrow.Table) return out;
  if (out instanceof arrow.RecordBatch) return new arrow.Table(out);
  return null;
}

/**
 * Calls the user function on `table` and checks its result against `schema` (the meta).
 *
 * @example
 * const out = await mapPartition(shipFunction((t) => t.slice(0, 10), 'mapPartitions'), table, 3, table.schema);
 */
export async function mapPartition(fn: ShippedFunction, table: arrow.Table, partition: number, schema: arrow.Schema | Uint8Array): Promise<arrow.Table> {
  const meta = schema instanceof Uint8Array ? decodeSchema(schema) : schema;
  let out: unknown;
  try {
    out = await reviveFunction(fn)(table, partition, { arrow });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new DuskError('USER_FUNCTION', `mapPartitions: the function '${fn.name}' threw on partition ${partition}: ${message}`, { cause });
  }
  const result = asTable(out);
  if (result === null) {
    const got = out === null ? 'null' : typeof out === 'object' ? (out.constructor?.name ?? 'an object') : typeof out;
    throw new DuskError('MAP_RESULT', `mapPartitions: the function '${fn.name}' returned ${got} for partition ${partition}; it must return an Arrow Table or RecordBatch`);
  }
  const want = schemaText(meta);
  const got = schemaText(result.schema);
  if (want !== got) {
    throw new DuskError('MAP_SCHEMA', `mapPartitions: the function '${fn.name}' returned columns [${got}] for partition ${partition}, but its meta says [${want}]; return those columns or pass a matching { meta }`);
  }
  // The declared schema object, so every partition's batches carry the same one.
  return result.schema === meta ? result : new arrow.Table(meta, result.batches.map((b) => new arrow.RecordBatch(meta, b.data)));
}
