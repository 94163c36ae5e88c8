/**
 * The CPU hash group-by: `df.groupBy(keys).agg(spec)` and `df.agg(spec)` (no keys). Each
 * partition runs `partialGroupBy` (key columns → dense group ids in order of first appearance,
 * then one state per aggregate, one row per group); partials merge in partition order with
 * `mergeGroupPartials` (which groups the partials' key rows again, by content, so dictionaries
 * that differ between partitions are fine), optionally split by key hash with
 * `splitGroupPartial` so a large merge can run bucket by bucket; `finalizeGroupBy` turns the
 * merged states into the output table. Semantics are DuckDB's (see DESIGN "Contract details").
 * A partial's states may share arrays (the counts of columns without nulls are the group sizes)
 * and a split bucket's numeric states live in shared memory: state arrays are never written
 * after they are made, so sharing them (between states, or threads) is safe.
 *
 * Output types: key columns keep their input type, except that Dictionary keys come out as
 * Dictionary<Utf8, Int32> (over a fresh dictionary holding only the output's strings) and
 * LargeUtf8 keys as Utf8. count, size and nunique are int64; sum is int64 for integers and
 * float64 for floats; mean, var and std are float64; min, max, first and last keep the input
 * type, strings (plain or dictionary) as Utf8.
 */
import * as arrow from 'apache-arrow';
import { PlanError } from '../../errors.js';
import { arrowTypeOf } from '../../plan/value-type.js';
import type { AggFn, AggRequest, AggState, GroupPartial } from './group-by/agg-types.js';
import { groupRows } from './group-by/group-rows.js';
import { chunkRows, columnKind, columnOf, type Chunks, type ColumnKind } from './group-by/column-kind.js';
import { countKernel } from './group-by/count-state.js';
import { distinctKernel } from './group-by/distinct-state.js';
import { floatSumKernel } from './group-by/float-sum-state.js';
import { gatherColumn, gatherPlain } from './group-by/gather-column.js';
import { hashKeys } from './group-by/hash-keys.js';
import { intSumKernel } from './group-by/int-sum-state.js';
import { momentsKernel } from './group-by/moments-state.js';
import { plainToData } from './group-by/plain-column.js';
import { pickKernel } from './group-by/pick-state.js';
import { BucketTakes, type StateKernel } from './group-by/state-kernel.js';

export type {
  AggFn, AggRequest, AggState, CountState, DistinctState, FloatSumState, GroupPartial, IntSumState, MomentsState,
  PickState, PlainColumn, PlainType,
} from './group-by/agg-types.js';

const KERNELS: { [K in AggState['kind']]: StateKernel<Extract<AggState, { kind: K }>> } = {
  count: countKernel,
  'int-sum': intSumKernel,
  'float-sum': floatSumKernel,
  moments: momentsKernel,
  pick: pickKernel,
  distinct: distinctKernel,
};

function kernelOf(kind: AggState['kind']): StateKernel<AggState> {
  return KERNELS[kind] as StateKernel<AggState>;
}

function describe(req: AggRequest): string {
  return `${req.fn}(${req.column ?? ''})`;
}

/**
 * The state kind an aggregate keeps over a column of `kind`; a PlanError naming `subject` (the
 * column) when it cannot.
 */
function stateKind(fn: AggFn, kind: ColumnKind | null, subject: string): AggState['kind'] {
  switch (fn) {
    case 'size':
    case 'count':
      return 'count';
    case 'nunique':
      return 'distinct';
    case 'min':
    case 'max':
    case 'first':
    case 'last':
      return 'pick';
    case 'sum':
    case 'mean':
    case 'var':
    case 'std':
      if (kind?.kind !== 'number') {
        const what = kind === null ? 'no column' : kind.kind === 'bool' ? 'a bool column' : 'a string column';
        throw new PlanError('TYPE_MISMATCH', `${fn} needs a numeric column, but ${subject} is ${what}`);
      }
      if (fn === 'var' || fn === 'std') return 'moments';
      return kind.dtype === 'float32' || kind.dtype === 'float64' ? 'float-sum' : 'int-sum';
    default:
      throw new PlanError('UNKNOWN_AGGREGATE', `unknown aggregate '${String(fn)}' on ${subject}`);
  }
}

/**
 * The Arrow output type of `fn` over a column of type `input` (null only for 'size').
 * @example
 * aggOutputType('sum', new arrow.Int32()); // Int64
 */
export function aggOutputType(fn: AggFn, input: arrow.DataType | null): arrow.DataType {
  if (fn === 'size') return new arrow.Int64();
  if (input === null) throw new PlanError('TYPE_MISMATCH', `${fn} needs a column`);
  const kind = columnKind(input);
  if (kind === null) throw new PlanError('TYPE_MISMATCH', `${fn} cannot take a column of type ${String(input)}`);
  const state = stateKind(fn, kind, `a column of type ${String(input)}`);
  if (state === 'count' || state === 'distinct') return new arrow.Int64();
  if (state === 'int-sum') return fn === 'sum' ? new arrow.Int64() : new arrow.Float64();
  if (state === 'float-sum' || state === 'moments') return new arrow.Float64();
  if (kind.kind === 'number') return arrowTypeOf(kind.dtype);
  return kind.kind === 'bool' ? new arrow.Bool() : new arrow.Utf8();
}

function checkKeys(keys: readonly string[]): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new PlanError('DUPLICATE_KEY', `groupBy: key column '${k}' is given twice`);
    seen.add(k);
  }
}

/** A table of the given columns (all of `rows` rows), keeping duplicate names apart. */
function tableOf(names: readonly string[], columns: readonly arrow.Data[], rows: number): arrow.Table {
  const schema = schemaOf(names, columns.map((c) => c.type));
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children: [...columns] });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

/**
 * Schemas of the tables made here, by names and types: the same Schema object for the same
 * columns, partition after partition and bucket after bucket, so that shipping a partial's keys
 * encodes its schema once (ship-table caches the encoding per Schema object), not per table.
 */
const SCHEMAS = new Map<string, arrow.Schema>();
const SCHEMAS_MAX = 64;

function schemaOf(names: readonly string[], types: readonly arrow.DataType[]): arrow.Schema {
  // A Dictionary type's id is part of what it is; the other types print all their parameters.
  const key = JSON.stringify([names, types.map((t) => (arrow.DataType.isDictionary(t) ? `${String(t)}#${t.id}` : String(t)))]);
  let schema = SCHEMAS.get(key);
  if (schema === undefined) {
    schema = new arrow.Schema(names.map((name, j) => new arrow.Field(name, types[j], true)));
    if (SCHEMAS.size >= SCHEMAS_MAX) SCHEMAS.delete(SCHEMAS.keys().next().value!);
    SCHEMAS.set(key, schema);
  }
  return schema;
}

/** The chunks and kind of key column `name` of a partial's keys table. */
function keyColumn(keys: arrow.Table, name: string): { chunks: Chunks; kind: ColumnKind } {
  return columnOf(keys, name, 'groupBy merge');
}

/**
 * The chunks of one key column from every partial, as one column of one kind: strings that are
 * plain in some partials and dictionary-encoded in others are read as plain strings.
 */
function sameKind(cols: readonly { chunks: Chunks; kind: ColumnKind }[], name: string): { chunks: Chunks; kind: ColumnKind } {
  const kinds = new Set(cols.map((c) => (c.kind.kind === 'number' ? c.kind.dtype : c.kind.kind)));
  if (kinds.size === 1) return { chunks: cols.flatMap((c) => c.chunks), kind: cols[0].kind };
  if (kinds.size === 2 && kinds.has('utf8') && kinds.has('dict')) {
    const chunks = cols.flatMap((c) => {
      if (c.kind.kind === 'utf8') return c.chunks;
      const rows = Int32Array.from({ length: chunkRows(c.chunks) }, (_, i) => i);
      return [plainToData(gatherPlain(c.chunks, c.kind, rows))];
    });
    return { chunks, kind: { kind: 'utf8' } };
  }
  throw new PlanError('TYPE_MISMATCH', `groupBy merge: key column '${name}' has different types in different partitions (${[...kinds].join(', ')})`);
}

/**
 * Groups one partition's rows by `keys` and computes the partial state of every aggregate.
 * @example
 * const p = partialGroupBy(batch, ['id1'], [{ fn: 'sum', column: 'v1' }, { fn: 'size', column: null }]);
 */
export function partialGroupBy(table: arrow.Table, keys: readonly string[], aggs: readonly AggRequest[]): GroupPartial {
  checkKeys(keys);
  const n = table.numRows;
  const keyCols = keys.map((k) => columnOf(table, k, 'groupBy key'));
  const inputs = aggs.map((req) => {
    if (req.fn === 'size') return { req, col: null, state: stateKind('size', null, '') };
    if (req.column === null) throw new PlanError('TYPE_MISMATCH', `${req.fn} needs a column`);
    const col = columnOf(table, req.column, describe(req));
    return { req, col, state: stateKind(req.fn, col.kind, `column '${req.column}'`) };
  });
  const { gid, groups, firstRow, sizes } = groupRows(keyCols, n);
  const keyTable = tableOf(keys, keyCols.map((c) => gatherColumn(c.chunks, c.kind, firstRow)), groups);
  const states = inputs.map(({ req, col, state }) =>
    kernelOf(state).partial({
      fn: req.fn,
      column: req.column ?? 'size',
      chunks: col?.chunks ?? null,
      kind: col?.kind ?? null,
      gid,
      groups,
      sizes,
    }));
  return { keys: keyTable, groups, states };
}

/**
 * Merges partials given in partition (row) order into one partial, groups in order of first
 * appearance across them.
 * @example
 * const merged = mergeGroupPartials([p0, p1, p2], ['id1'], aggs);
 */
export function mergeGroupPartials(
  parts: readonly GroupPartial[], keys: readonly string[], aggs: readonly AggRequest[],
): GroupPartial {
  if (parts.length === 0) throw new PlanError('EMPTY_MERGE', 'mergeGroupPartials needs at least one partial');
  if (parts.length === 1) return parts[0];
  checkKeys(keys);
  for (const p of parts) {
    if (p.states.length !== aggs.length) {
      throw new PlanError('STATE_MISMATCH', `a partial has ${p.states.length} states for ${aggs.length} aggregates`);
    }
  }
  const n = parts.reduce((a, p) => a + p.groups, 0);
  const keyCols = keys.map((k) => sameKind(parts.map((p) => keyColumn(p.keys, k)), k));
  // Without keys, partials that are all empty (split buckets that got no group) stay empty.
  const { gid, groups, firstRow } = keys.length === 0 && n === 0
    ? { gid: new Int32Array(0), groups: 0, firstRow: new Int32Array(0) }
    : groupRows(keyCols, n);
  const keyTable = tableOf(keys, keyCols.map((c) => gatherColumn(c.chunks, c.kind, firstRow)), groups);
  const states = aggs.map((req, i) => {
    const kind = parts[0].states[i].kind;
    if (parts.some((p) => p.states[i].kind !== kind)) {
      throw new PlanError('STATE_MISMATCH', `groupBy merge: ${describe(req)} has different state kinds in different partitions`);
    }
    return kernelOf(kind).merge(parts.map((p) => p.states[i]), gid, groups);
  });
  return { keys: keyTable, groups, states };
}

/**
 * Splits a partial into `n` partials by a content hash of the key values (the same for equal
 * keys in every partition), so that partials split alike can be merged bucket by bucket. The
 * buckets' count, sum and moment states are taken into shared memory (see BucketTakes): a
 * bucket is posted to its merge task, and kept for a retry, without a copy.
 * @example
 * const buckets = parts.map((p) => splitGroupPartial(p, ['id3'], 4));
 * const merged = [0, 1, 2, 3].map((b) => mergeGroupPartials(buckets.map((s) => s[b]), ['id3'], aggs));
 */
export function splitGroupPartial(partial: GroupPartial, keys: readonly string[], n: number): GroupPartial[] {
  if (!Number.isInteger(n) || n < 1) throw new PlanError('BAD_SPLIT', `splitGroupPartial needs a positive integer count, got ${n}`);
  const keyCols = keys.map((k) => keyColumn(partial.keys, k));
  const hash = hashKeys(keyCols, partial.groups);
  const counts = new Int32Array(n);
  for (let g = 0; g < partial.groups; g++) counts[(hash[g] >>> 0) % n]++;
  const rows = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(n);
  for (let g = 0; g < partial.groups; g++) {
    const b = (hash[g] >>> 0) % n;
    rows[b][fill[b]++] = g;
  }
  const zeroSources = new Map<Float64Array, boolean>();
  const takes = rows.map(() => new BucketTakes(zeroSources));
  return rows.map((r, b) => ({
    keys: tableOf(keys, keyCols.map((c) => gatherColumn(c.chunks, c.kind, r)), r.length),
    groups: r.length,
    // In shared memory: a bucket goes to a merge task, and the copy kept for a retry is free.
    states: partial.states.map((s) => kernelOf(s.kind).take(s, r, takes[b])),
  }));
}

/**
 * The output table: key columns first, then one column per request named `names[i]`.
 * @example
 * const table = finalizeGroupBy(merged, ['id1'], aggs, ['v1', 'size']);
 */
export function finalizeGroupBy(
  partial: GroupPartial, keys: readonly string[], aggs: readonly AggRequest[], names: readonly string[],
): arrow.Table {
  if (names.length !== aggs.length) {
    throw new PlanError('NAME_MISMATCH', `finalizeGroupBy: ${names.length} names for ${aggs.length} aggregates`);
  }
  const keyData = keys.map((k) => {
    const { chunks, kind } = keyColumn(partial.keys, k);
    if (chunks.length === 1 && chunks[0].length === partial.groups) return chunks[0];
    // Keys that came back in several chunks (shipped by the engine) are gathered into one.
    return gatherColumn(chunks, kind, Int32Array.from({ length: partial.groups }, (_, g) => g));
  });
  const aggData = aggs.map((req, i) => {
    const state = partial.states[i];
    return kernelOf(state.kind).finalize(state, req.fn, req.column ?? 'size');
  });
  return tableOf([...keys, ...names], [...keyData, ...aggData], partial.groups);
}

/**
 * The ArrayBuffers of a partial's states, to transfer with it (the keys table is shipped by the
 * engine). Every state array owns its buffer, so transferring detaches nothing else; arrays in
 * shared memory (split buckets) are left out: they are posted shared, never copied.
 * @example
 * port.postMessage(partial, transferables(partial));
 */
export function transferables(partial: GroupPartial): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const s of partial.states) {
    for (const b of kernelOf(s.kind).buffers(s)) if (!((b as ArrayBufferLike) instanceof SharedArrayBuffer)) out.add(b);
  }
  return [...out];
}
