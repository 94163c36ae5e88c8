/**
 * A join of two tables, start to finish on one thread: the output schema (`joinSchema`, which
 * the planner calls too), the gather maps (`keyWords` + `joinMaps`, unless the caller brings
 * them), the gathers (`takeColumns` of the columns shown, -1 giving nulls; none for a left side
 * that a lookup join takes whole) and the assembly of the output columns.
 *
 * Columns: the left's in order, then the right's. A key pair with one name on both sides appears
 * once, at the left key's place: the left's values for inner/left/semi/anti, the right's for
 * right, coalesce(left, right) for outer (in the type both widen to). Key pairs with different
 * names both appear. Other names on both sides get the suffixes; semi and anti keep the left's
 * columns only.
 */
import * as arrow from 'apache-arrow';
import { numericDType } from '../../dtype.js';
import { DuskError, PlanError, SchemaError } from '../../errors.js';
import { col } from '../../plan/expr.js';
import { arrowTypeOf, promoteNumeric } from '../../plan/value-type.js';
import { evalColumn } from './eval-column.js';
import { batchColumn } from './eval-column/batch-column.js';
import { ByteInterner } from './group-by/byte-interner.js';
import { dictionaryIndices, stringChunk, validityOf } from './group-by/column-kind.js';
import { dictionaryCodes } from './group-by/encode-column.js';
import { joinMaps } from './join-maps.js';
import { KeyInterner, keyEncodings, keyWords, type GatherMaps, type JoinHow } from './key-words.js';
import { recordBatchOf, takeColumns, takeData } from './take-rows.js';

export interface JoinSpec {
  how: JoinHow;
  leftOn: readonly string[];
  rightOn: readonly string[];
  suffixes: readonly [string, string];
}

/** Where one output column comes from: a column of one side, or the coalesced key pair. */
interface OutColumn {
  field: arrow.Field;
  from: 'left' | 'right' | 'coalesce';
  /** Field index on the left (-1: none). */
  left: number;
  right: number;
}

function fieldIndex(schema: arrow.Schema, name: string, side: string): number {
  const i = schema.fields.findIndex((f) => f.name === name);
  if (i < 0) {
    throw new SchemaError('UNKNOWN_COLUMN', `merge: no key column '${name}' on the ${side} (columns: ${schema.fields.map((f) => f.name).join(', ')})`);
  }
  return i;
}

/** Whether two types hold the same values (dictionaries alike whatever their ids). */
function sameType(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a.typeId === arrow.Type.Dictionary && b.typeId === arrow.Type.Dictionary) {
    const [da, db] = [a as arrow.Dictionary, b as arrow.Dictionary];
    return arrow.util.compareTypes(da.indices, db.indices) && arrow.util.compareTypes(da.dictionary, db.dictionary);
  }
  return arrow.util.compareTypes(a, b);
}

/** The type coalesce(a, b) of two comparable key types has (the left's when they are the same). */
function widened(a: arrow.DataType, b: arrow.DataType): arrow.DataType {
  if (sameType(a, b)) return a;
  const da = numericDType(a);
  const db = numericDType(b);
  if (da !== null && db !== null) return arrowTypeOf(promoteNumeric(da, db));
  // keyEncodings let the pair through, so what differs here is two kinds of strings.
  return new arrow.Utf8();
}

function outColumns(left: arrow.Schema, right: arrow.Schema, spec: JoinSpec): OutColumn[] {
  const { how, leftOn, rightOn, suffixes } = spec;
  const lk = leftOn.map((n) => fieldIndex(left, n, 'left'));
  const rk = rightOn.map((n) => fieldIndex(right, n, 'right'));
  keyEncodings(lk.map((i) => left.fields[i]!.type), rk.map((i) => right.fields[i]!.type), { left: leftOn, right: rightOn });
  // Left key index → right key index, for pairs with one name.
  const merged = new Map<number, number>();
  leftOn.forEach((name, k) => {
    if (name === rightOn[k]) merged.set(lk[k]!, rk[k]!);
  });
  const mergedRight = new Set(merged.values());
  const leftOnly = how === 'semi' || how === 'anti';
  const leftNames = new Set(left.fields.map((f) => f.name));
  const rightNames = new Set(leftOnly ? [] : right.fields.map((f) => f.name));
  const leftNull = how === 'right' || how === 'outer';
  const rightNull = how === 'left' || how === 'outer';
  const out: OutColumn[] = left.fields.map((f, i) => {
    const r = merged.get(i);
    if (r === undefined || leftOnly) {
      const name = rightNames.has(f.name) ? f.name + suffixes[0] : f.name;
      return { field: new arrow.Field(name, f.type, f.nullable || leftNull, f.metadata), from: 'left', left: i, right: -1 };
    }
    const g = right.fields[r]!;
    if (how === 'right') return { field: new arrow.Field(f.name, g.type, g.nullable, f.metadata), from: 'right', left: i, right: r };
    if (how !== 'outer') return { field: new arrow.Field(f.name, f.type, f.nullable, f.metadata), from: 'left', left: i, right: r };
    return { field: new arrow.Field(f.name, widened(f.type, g.type), f.nullable || g.nullable, f.metadata), from: 'coalesce', left: i, right: r };
  });
  if (!leftOnly) {
    right.fields.forEach((g, r) => {
      if (mergedRight.has(r)) return;
      const name = leftNames.has(g.name) ? g.name + suffixes[1] : g.name;
      out.push({ field: new arrow.Field(name, g.type, g.nullable || rightNull, g.metadata), from: 'right', left: -1, right: r });
    });
  }
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.field.name)) {
      throw new PlanError('JOIN_COLUMN_CLASH', `merge: the output would have two columns named '${c.field.name}' (after suffixes [${suffixes.map((s) => `'${s}'`).join(', ')}]): rename a column or pick other suffixes`);
    }
    seen.add(c.field.name);
  }
  // Each side numbers its own dictionaries, so both may use one id; a schema needs them distinct.
  const ids = new Set<number>();
  let next = 1 + Math.max(-1, ...out.map((c) => (arrow.DataType.isDictionary(c.field.type) ? (c.field.type as arrow.Dictionary).id : -1)));
  for (const c of out) {
    const t = c.field.type as arrow.DataType;
    if (!arrow.DataType.isDictionary(t)) continue;
    if (ids.has(t.id)) {
      const fresh = new arrow.Dictionary(t.dictionary, t.indices, next++, t.isOrdered);
      c.field = new arrow.Field(c.field.name, fresh, c.field.nullable, c.field.metadata);
    }
    ids.add((c.field.type as arrow.Dictionary).id);
  }
  return out;
}

/**
 * The schema of the join of tables with these schemas (the planner's view of `joinTables`).
 * Unknown key columns raise SchemaError, incomparable key types PlanError JOIN_KEY_TYPE, a name
 * that the suffixes do not keep apart PlanError JOIN_COLUMN_CLASH.
 *
 * @example
 * joinSchema(orders.schema, customers.schema, { how: 'left', leftOn: ['cid'], rightOn: ['cid'], suffixes: ['_x', '_y'] });
 */
export function joinSchema(left: arrow.Schema, right: arrow.Schema, spec: JoinSpec): arrow.Schema {
  return new arrow.Schema(outColumns(left, right, spec).map((c) => c.field));
}

/** A Utf8 chunk of the strings of a LargeUtf8 or dictionary chunk. */
function toUtf8(d: arrow.Data): arrow.Data {
  const type = new arrow.Utf8();
  if (d.type.typeId !== arrow.Type.Dictionary) {
    const { bytes, offsets } = stringChunk(d);
    return arrow.makeData({ type, offset: d.offset, length: d.length, nullCount: d.nullCount, nullBitmap: validityOf(d) ?? undefined, valueOffsets: offsets, data: bytes });
  }
  const strings = new ByteInterner(1024);
  const codes = dictionaryCodes(d, strings, new Map());
  const idx = dictionaryIndices(d);
  const n = d.length;
  const bits = validityOf(d);
  const offsets = new Int32Array(n + 1);
  const row = new Int32Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const bit = d.offset + i;
    const c = bits === null || ((bits[bit >> 3]! >> (bit & 7)) & 1) === 1 ? codes[idx[i]!]! : 0;
    row[i] = c;
    nulls += c === 0 ? 1 : 0;
    offsets[i + 1] = offsets[i]! + (c === 0 ? 0 : strings.starts[c]! - strings.starts[c - 1]!);
  }
  const bytes = new Uint8Array(offsets[n]!);
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const c = row[i]!;
    if (c === 0) continue;
    bitmap[i >> 3]! |= 1 << (i & 7);
    bytes.set(strings.pool.subarray(strings.starts[c - 1]!, strings.starts[c]!), offsets[i]!);
  }
  return arrow.makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls === 0 ? undefined : bitmap, valueOffsets: offsets, data: bytes });
}

/** One gathered key chunk in the type of the coalesced column. */
function castKey(d: arrow.Data, type: arrow.DataType, name: string): arrow.Data {
  if (sameType(d.type, type)) return d;
  const dtype = numericDType(type);
  if (dtype === null) return toUtf8(d);
  try {
    return evalColumn(col('k').cast(dtype), new arrow.Table({ k: new arrow.Vector([d]) })).data[0]!;
  } catch (e) {
    throw new DuskError('OVERFLOW', `merge: a value of outer-join key '${name}' (${String(d.type)}) does not fit the joined key's type ${String(type)}: cast the keys first`, { cause: e });
  }
}

/** coalesce(left key, right key) over the gathered rows: the left's value wherever there is a left row. */
function coalesce(l: arrow.Data, r: arrow.Data, field: arrow.Field, leftRows: Int32Array): arrow.Data {
  const n = leftRows.length;
  const type = field.type as arrow.DataType;
  const part = new Uint32Array(n);
  const row = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    part[i] = leftRows[i]! >= 0 ? 0 : 1;
    row[i] = i;
  }
  return takeData([castKey(l, type, field.name), castKey(r, type, field.name)], { part, row, n }, type);
}

/**
 * The gather maps of a join of two tables on `spec`'s keys.
 * @example
 * const maps = tableJoinMaps(orders, customers, { how: 'inner', leftOn: ['cid'], rightOn: ['id'], suffixes: ['_x', '_y'] });
 */
export function tableJoinMaps(left: arrow.Table, right: arrow.Table, spec: JoinSpec): GatherMaps {
  const lk = spec.leftOn.map((n) => left.getChildAt(fieldIndex(left.schema, n, 'left'))!);
  const rk = spec.rightOn.map((n) => right.getChildAt(fieldIndex(right.schema, n, 'right'))!);
  const enc = keyEncodings(lk.map((c) => c.type), rk.map((c) => c.type), { left: spec.leftOn, right: spec.rightOn });
  const interner = new KeyInterner();
  return joinMaps(keyWords(lk, enc, interner), keyWords(rk, enc, interner), spec.how);
}

/** Whether `indices` is 0, 1, ..., rows - 1: the left side of a lookup join, taken whole. */
function isIdentity(indices: Int32Array, rows: number): boolean {
  if (indices.length !== rows) return false;
  for (let i = 0; i < rows; i++) if (indices[i] !== i) return false;
  return true;
}

/** The gathered Data of the columns `used` (field indices) of `table`, by field index. */
function gathered(table: arrow.Table, indices: Int32Array, used: readonly number[]): Map<number, arrow.Data> {
  const unique = [...new Set(used)];
  if (unique.length === 0) return new Map();
  const datas = takeColumns(table, indices, unique, { nullRows: true });
  return new Map(unique.map((j, k) => [j, datas[k]!]));
}

/**
 * The join of `left` and `right` as `spec` says, in `joinMaps` order; `maps` when the caller has
 * them (the GPU join), else computed here. Only the columns the output shows are gathered, and
 * a left side that every output row takes once, in order (a lookup join), is not gathered at
 * all: the output keeps its batches.
 *
 * @example
 * const t = joinTables(orders, customers, { how: 'left', leftOn: ['cid'], rightOn: ['cid'], suffixes: ['_x', '_y'] });
 */
export function joinTables(left: arrow.Table, right: arrow.Table, spec: JoinSpec, maps?: GatherMaps): arrow.Table {
  const columns = outColumns(left.schema, right.schema, spec);
  const schema = new arrow.Schema(columns.map((c) => c.field));
  const m = maps ?? tableJoinMaps(left, right, spec);
  const n = m.left.length;
  const whole = left.batches.length > 0 && isIdentity(m.left, left.numRows);
  const l = whole ? null : gathered(left, m.left, columns.filter((c) => c.from !== 'right').map((c) => c.left));
  const r = gathered(right, m.right, columns.filter((c) => c.from !== 'left').map((c) => c.right));
  // Output batches: the left's when it is taken whole, else one.
  const spans = whole ? left.batches.map((b) => b.numRows) : [n];
  let start = 0;
  const batches = spans.map((rows, k) => {
    const leftData = (j: number): arrow.Data => (l === null ? batchColumn(left.batches[k]!, j) : l.get(j)!);
    const rightData = (j: number): arrow.Data => (spans.length === 1 ? r.get(j)! : r.get(j)!.slice(start, rows));
    const datas = columns.map((c) => {
      if (c.from === 'left') return leftData(c.left);
      if (c.from === 'right') return rightData(c.right);
      return coalesce(leftData(c.left), rightData(c.right), c.field, m.left.subarray(start, start + rows));
    });
    start += rows;
    return recordBatchOf(schema, datas, rows);
  });
  return new arrow.Table(schema, batches);
}
