/**
 * Test helpers for the group-by kernel: random columns of every key and value type (with nulls,
 * NaN, -0, chunks with their own dictionaries, sliced chunks), a plain reference aggregation
 * (a Map from a canonical key string to the group's values, exact bigint sums and exact rational
 * float sums and variances), and comparison of a result table with the reference.
 */
import * as arrow from 'apache-arrow';
import { expect } from 'vitest';
import type { AggFn } from '../../src/cpu/kernels/group-by.js';
import { compareValues } from '../../src/cpu/kernels/compare-values.js';
import type { NumericDType } from '../../src/dtype.js';
import { makeData } from '../util/columns.js';
import type { Random } from '../util/random.js';

export type Cell = number | bigint | string | boolean | null;
export type ColType = NumericDType | 'bool' | 'utf8' | 'dict';

export const NUMERIC: readonly NumericDType[] = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64',
];
export const ALL_TYPES: readonly ColType[] = [...NUMERIC, 'bool', 'utf8', 'dict'];

/** Strings whose UTF-16 order differs from code-point order ('\uffff' vs '😀'), empty, accents. */
export const WORDS = ['apple', 'Apricot', 'banana', 'ab', '', 'ÄÖü', 'b', 'abc', 'zeta', '日本', '😀', '\uffff', 'a much longer string than twenty bytes'];

const RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 2 ** 32 - 1],
};

export interface GenOptions {
  nullRate?: number;
  /** Distinct values to draw from (keys), or 0 for the type's whole range. */
  distinct?: number;
  /** Allow NaN, ±Infinity and -0 in floats. */
  specials?: boolean;
  /** Bound on |int64| values, so sums stay in range (default 2^40). */
  int64Bound?: number;
}

/** One random value of a type. */
export function randomCell(rnd: Random, type: ColType, o: GenOptions = {}): Cell {
  if (rnd.next() < (o.nullRate ?? 0.1)) return null;
  const distinct = o.distinct ?? 0;
  if (distinct > 0 && type !== 'bool') {
    const k = rnd.int(0, distinct - 1);
    if (type === 'utf8' || type === 'dict') return k < WORDS.length ? WORDS[k] : `w${k}`;
    if (type === 'float32' || type === 'float64') {
      if (o.specials && k === 0) return Number.NaN;
      if (o.specials && k === 1) return rnd.next() < 0.5 ? -0 : 0;
      return (k - distinct / 2) / 4;
    }
    if (type === 'int64' || type === 'uint64') return type === 'int64' ? BigInt(k - (distinct >> 1)) * 1000003n : BigInt(k) * 1000003n;
    const [lo, hi] = RANGE[type];
    return lo + ((k * 7919) % (hi - lo + 1));
  }
  switch (type) {
    case 'bool':
      return rnd.next() < 0.5;
    case 'utf8':
    case 'dict':
      return WORDS[rnd.int(0, WORDS.length - 1)];
    case 'int64': {
      const b = o.int64Bound ?? 2 ** 40;
      return BigInt(rnd.int(-b, b));
    }
    case 'uint64':
      return BigInt(rnd.int(0, o.int64Bound ?? 2 ** 40)) * 3n;
    case 'float32':
    case 'float64': {
      if (o.specials && rnd.next() < 0.05) {
        return [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0][rnd.int(0, 4)];
      }
      const x = (rnd.next() - 0.5) * 10 ** rnd.int(-3, 6);
      return type === 'float32' ? Math.fround(x) : x;
    }
    default: {
      const [lo, hi] = RANGE[type];
      return rnd.int(lo, hi);
    }
  }
}

export function randomCells(rnd: Random, type: ColType, n: number, o: GenOptions = {}): Cell[] {
  return Array.from({ length: n }, () => randomCell(rnd, type, o));
}

/** One chunk of a dictionary column with its own dictionary: shuffled, with an unused entry, a
 * duplicate entry and a null entry (half the null rows point at it as valid rows). */
function dictionaryChunk(rnd: Random, values: readonly Cell[], type: arrow.Dictionary): arrow.Data {
  const distinct = [...new Set(values.filter((v): v is string => v !== null))];
  const entries: (string | null)[] = [...distinct, `unused${rnd.int(0, 99)}`, null];
  for (let i = entries.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  if (distinct.length > 0) entries.push(distinct[0]);
  const dict = arrow.vectorFromArray(entries, new arrow.Utf8());
  const nullEntry = entries.indexOf(null);
  const indices = new Int16Array(values.length);
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) {
      if (rnd.next() < 0.5) {
        nulls++;
        return;
      }
      indices[i] = nullEntry;
    } else {
      // Use the duplicate entry for the first string now and then.
      const first = entries.indexOf(v as string);
      const last = entries.lastIndexOf(v as string);
      indices[i] = rnd.next() < 0.5 ? first : last;
    }
    bitmap[i >> 3] |= 1 << (i & 7);
  });
  return arrow.makeData({
    type,
    length: values.length,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? bitmap : new Uint8Array(0),
    data: indices,
    dictionary: dict,
  });
}

/** The Arrow data of one chunk of a column. */
function chunkData(rnd: Random, type: ColType, values: readonly Cell[], sliced: boolean, dictType: arrow.Dictionary): arrow.Data {
  if (type === 'dict') return dictionaryChunk(rnd, values, dictType);
  if (sliced && type !== 'bool' && type !== 'utf8') {
    // Build with rows in front and behind, then slice: an Arrow offset on every buffer.
    const pad = 3;
    const full = makeData(type, [7, null, 9, ...(values as (number | bigint | null)[]), 1, 2, 3]);
    return full.slice(pad, values.length);
  }
  if (type === 'bool' || type === 'utf8') {
    const v = arrow.vectorFromArray([...values] as (boolean | string | null)[], type === 'bool' ? new arrow.Bool() : new arrow.Utf8());
    const d = v.data[0];
    return sliced ? arrow.vectorFromArray([null, ...values] as (boolean | string | null)[], d.type).data[0].slice(1, values.length) : d;
  }
  return makeData(type, values as (number | bigint | null)[]);
}

export interface ColumnSpec {
  name: string;
  type: ColType;
  values: Cell[];
}

/** A table of the columns, cut into chunks of the given lengths (every column alike). */
export function buildTable(rnd: Random, columns: readonly ColumnSpec[], chunks?: readonly number[]): arrow.Table {
  const n = columns[0]?.values.length ?? 0;
  const lengths = chunks ?? [n];
  // One Dictionary type per column, shared by its chunks, each chunk with its own dictionary.
  const types = columns.map((c) => (c.type === 'dict' ? new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16()) : null));
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | null = null;
  let at = 0;
  for (const len of lengths) {
    const data = columns.map((c, j) => chunkData(rnd, c.type, c.values.slice(at, at + len), rnd.next() < 0.3, types[j]!));
    schema ??= new arrow.Schema(columns.map((c, j) => new arrow.Field(c.name, data[j].type, true)));
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: len, nullCount: 0, children: data });
    batches.push(new arrow.RecordBatch(schema, struct));
    at += len;
  }
  return new arrow.Table(batches);
}

/** A canonical string for a key tuple: -0 as 0, every NaN alike, types kept apart. */
export function keyString(cells: readonly Cell[]): string {
  return cells.map((c) => {
    if (c === null) return 'null';
    if (typeof c === 'number') return Number.isNaN(c) ? 'n:NaN' : `n:${c === 0 ? 0 : c}`;
    if (typeof c === 'bigint') return `b:${c}`;
    if (typeof c === 'boolean') return `t:${c}`;
    return `s:${JSON.stringify(c)}`;
  }).join('|');
}

// ---- exact arithmetic on doubles -------------------------------------------------------

const SCALE = 1074n;

/** x · 2^1074 exactly, for a finite double x. */
export function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = (bits >> 52n) & 0x7ffn;
  const mant = bits & ((1n << 52n) - 1n);
  const mag = exp === 0n ? mant : (mant | (1n << 52n)) << (exp - 1n);
  return bits >> 63n === 1n ? -mag : mag;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** num / den as the nearest double (within an ulp). */
export function ratio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const neg = (num < 0n) !== (den < 0n);
  const a = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  let k = Math.max(0, 64 + bitLength(d) - bitLength(a));
  let f = Number((a << BigInt(k)) / d);
  while (k > 1000) {
    f *= 2 ** -1000;
    k -= 1000;
  }
  f *= 2 ** -k;
  return neg ? -f : f;
}

/** The exact sum of finite doubles, rounded once; NaN/±Infinity as IEEE when present. */
export function exactFloatSum(xs: readonly number[]): number {
  if (xs.some((x) => Number.isNaN(x))) return Number.NaN;
  const pos = xs.includes(Number.POSITIVE_INFINITY);
  const neg = xs.includes(Number.NEGATIVE_INFINITY);
  if (pos && neg) return Number.NaN;
  if (pos) return Number.POSITIVE_INFINITY;
  if (neg) return Number.NEGATIVE_INFINITY;
  let s = 0n;
  for (const x of xs) s += scaled(x);
  return ratio(s, 1n << SCALE);
}

/** Sample variance, exact then rounded once; NaN when a value is not finite. */
function exactVariance(xs: readonly (number | bigint)[], float: boolean): number | null {
  const n = xs.length;
  if (n < 2) return null;
  if (xs.some((x) => typeof x === 'number' && !Number.isFinite(x))) return Number.NaN;
  let s1 = 0n;
  let s2 = 0n;
  for (const x of xs) {
    const v = float ? scaled(x as number) : BigInt(x);
    s1 += v;
    s2 += v * v;
  }
  const bn = BigInt(n);
  const den = bn * (bn - 1n) * (float ? 1n << (2n * SCALE) : 1n);
  return ratio(bn * s2 - s1 * s1, den);
}

/** The sum of |x|, to scale the tolerance of sums that cancel. */
function absSum(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + Math.abs(x), 0);
}

// ---- the reference aggregation --------------------------------------------------------

export interface Expected {
  value: Cell;
  /** Absolute tolerance for float results. */
  tol: number;
}

/** The reference value of fn over one group's cells of a column of `type`. */
export function expected(fn: AggFn, type: ColType | null, cells: readonly Cell[]): Expected {
  const vals = cells.filter((c) => c !== null) as Exclude<Cell, null>[];
  const float = type === 'float32' || type === 'float64';
  const REL = 1e-12;
  switch (fn) {
    case 'size':
      return { value: BigInt(cells.length), tol: 0 };
    case 'count':
      return { value: BigInt(vals.length), tol: 0 };
    case 'nunique':
      return { value: BigInt(new Set(vals.map((v) => keyString([v]))).size), tol: 0 };
    case 'sum':
    case 'mean': {
      if (vals.length === 0) return { value: null, tol: 0 };
      if (float) {
        const xs = vals as number[];
        const s = exactFloatSum(xs);
        const tol = REL * Math.max(Math.abs(s), absSum(xs) * 1e-3);
        return fn === 'sum' ? { value: s, tol } : { value: s / xs.length, tol: tol / xs.length };
      }
      const total = vals.reduce<bigint>((a, v) => a + BigInt(v as number | bigint), 0n);
      if (fn === 'sum') return { value: total, tol: 0 };
      const mean = ratio(total, BigInt(vals.length));
      return { value: mean, tol: Math.abs(mean) * 1e-15 };
    }
    case 'var':
    case 'std': {
      const v = exactVariance(vals as (number | bigint)[], float);
      if (v === null || Number.isNaN(v)) return { value: v, tol: 0 };
      const value = fn === 'var' ? v : Math.sqrt(v);
      const maxAbs = Math.max(...vals.map((x) => Math.abs(Number(x))));
      const floor = fn === 'var' ? 2 ** -100 * maxAbs * maxAbs / REL : 2 ** -50 * maxAbs / REL;
      return { value, tol: REL * Math.max(Math.abs(value), floor) };
    }
    case 'min':
    case 'max': {
      if (vals.length === 0) return { value: null, tol: 0 };
      let best = vals[0];
      for (const v of vals) {
        const c = compareValues(v, best);
        if (fn === 'min' ? c < 0 : c > 0) best = v;
      }
      return { value: typeof best === 'number' && best === 0 ? 0 : best, tol: 0 };
    }
    case 'first':
      return { value: vals.length === 0 ? null : vals[0], tol: 0 };
    case 'last':
      return { value: vals.length === 0 ? null : vals[vals.length - 1], tol: 0 };
  }
}

export interface AggCase {
  fn: AggFn;
  column: string | null;
}

/** Reference rows: key string → [key cells, expected per aggregate], groups in first-appearance order. */
export function referenceGroups(
  keyCols: readonly ColumnSpec[], valueCols: readonly ColumnSpec[], aggs: readonly AggCase[],
): Map<string, { key: Cell[]; want: Expected[] }> {
  const n = (keyCols[0] ?? valueCols[0])?.values.length ?? 0;
  const rowsOf = new Map<string, { key: Cell[]; rows: number[] }>();
  // With no keys there is one group, even over no rows.
  if (keyCols.length === 0) rowsOf.set('', { key: [], rows: [] });
  for (let i = 0; i < n; i++) {
    const key = keyCols.map((c) => c.values[i]);
    const k = keyString(key);
    let g = rowsOf.get(k);
    if (g === undefined) rowsOf.set(k, (g = { key, rows: [] }));
    g.rows.push(i);
  }
  const out = new Map<string, { key: Cell[]; want: Expected[] }>();
  for (const [k, g] of rowsOf) {
    const want = aggs.map((a) => {
      const col = a.column === null ? null : valueCols.find((c) => c.name === a.column)!;
      const cells = col === null ? g.rows.map(() => null) : g.rows.map((i) => col.values[i]);
      return expected(a.fn, col?.type ?? null, cells);
    });
    out.set(k, { key: g.key, want });
  }
  return out;
}

/** Whether got matches want (floats within tol, NaN equal to NaN, -0 as 0 for extremes). */
export function sameCell(got: Cell, want: Expected): boolean {
  const w = want.value;
  if (w === null || got === null) return w === got;
  if (typeof w === 'number' && typeof got === 'number') {
    if (Number.isNaN(w)) return Number.isNaN(got);
    if (!Number.isFinite(w)) return got === w;
    return Math.abs(got - w) <= want.tol;
  }
  if (typeof w === 'bigint' || typeof got === 'bigint') return typeof got === typeof w && got === w;
  return got === w;
}

/** The cells of a table's row i, column by column. */
export function rowCells(table: arrow.Table, i: number): Cell[] {
  return table.schema.fields.map((_, j) => table.getChildAt(j)!.get(i) as Cell);
}

/** All rows of a table as cells (columns read once). */
export function tableRows(table: arrow.Table): Cell[][] {
  const cols = table.schema.fields.map((_, j) => table.getChildAt(j)!);
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c.get(i) as Cell));
}

/** Checks a result table (keys first, then one column per aggregate) against the reference. */
export function expectGroups(
  table: arrow.Table, nKeys: number, ref: Map<string, { key: Cell[]; want: Expected[] }>, label: string,
): void {
  expect(table.numRows, `${label}: groups`).toBe(ref.size);
  const seen = new Set<string>();
  const names = table.schema.fields.map((f) => f.name);
  for (const cells of tableRows(table)) {
    const k = keyString(cells.slice(0, nKeys));
    if (seen.has(k)) expect.fail(`${label}: group ${k} appears twice`);
    seen.add(k);
    const r = ref.get(k);
    if (r === undefined) expect.fail(`${label}: unexpected group ${k}`);
    r.want.forEach((w, a) => {
      const got = cells[nKeys + a];
      if (!sameCell(got, w)) {
        expect.fail(`${label}: group ${k}, aggregate ${names[nKeys + a]}: got ${String(got)}, want ${String(w.value)} (±${w.tol})`);
      }
    });
  }
}
