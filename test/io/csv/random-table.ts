/**
 * Random Arrow columns of every type the CSV writer handles, each with the values it holds and
 * what those values should read back as: through DuckDB (a SQL expression over the column read
 * with a DuckDB type, and the JS value it yields) and through Dusk's reader (a `dtypes` entry and
 * the value its vector yields). Dates and times are turned into text here with `Date`, apart
 * from the writer's own arithmetic.
 */
import * as arrow from 'apache-arrow';
import type { CsvDType } from '../../../src/io/csv/csv-options.js';
import type { Random } from '../../util/random.js';

export type Raw = number | bigint | boolean | string | null;

export interface ColumnSpec {
  name: string;
  data: arrow.Data;
  values: Raw[];
  duck: string;
  duckSelect(column: string): string;
  duckValue(value: Raw): unknown;
  ours: CsvDType;
  ourValue(value: Raw): unknown;
}

export const COLUMN_KINDS = [
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64', 'bool', 'utf8', 'dict',
  'date32', 'date64', 'ts_s', 'ts_ms', 'ts_us', 'ts_ns', 'ts_tz', 'time_ms', 'time_us', 'dec38', 'dec9',
] as const;
export type ColumnKind = (typeof COLUMN_KINDS)[number];

const PIECES = ['a', 'Zz', ' ', '  ', ',', ';', '|', '\t', '"', '""', '\n', '\r\n', '\r', 'é', '日本', '😀', 'x"y', '123', '-4.5', 'nan', 'NULL', 'true', '\uFEFF'];
const WORDS = ['red', '', ' padded ', 'blue, dark', 'say "hi"', 'multi\nline', 'ünïcödé', 'NA'];
const F64_EDGES = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 0.1, 1e21, 1e-7, 123456789012345680000, 9007199254740993];
const F32_EDGES = [NaN, Infinity, -Infinity, -0, 3.4028234663852886e38, 1.401298464324817e-45, 0.1, 16777215, 1e-40].map(Math.fround);
const DAY_MS = 86_400_000;

/** Random columns of every kind, `rows` long, with about 15% nulls. */
export function randomColumns(rng: Random, rows: number): ColumnSpec[] {
  return COLUMN_KINDS.map((kind) => columnSpec(kind, Array.from({ length: rows }, () => (rng.next() < 0.15 ? null : randomValue(rng, kind)))));
}

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

function randomFloat64(rng: Random): number {
  switch (rng.int(0, 3)) {
    case 0: return pick(rng, F64_EDGES);
    case 1: { // any bit pattern
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, rng.int(0, 0xffffffff));
      view.setUint32(4, rng.int(0, 0xffffffff));
      return view.getFloat64(0);
    }
    case 2: return rng.int(-1e6, 1e6) / 10 ** rng.int(0, 8);
    default: return (rng.next() - 0.5) * 10 ** rng.int(-300, 300);
  }
}

function randomValue(rng: Random, kind: ColumnKind): Raw {
  switch (kind) {
    case 'int8': return rng.next() < 0.2 ? pick(rng, [-128, 127, 0, -1]) : rng.int(-128, 127);
    case 'int16': return rng.next() < 0.2 ? pick(rng, [-32768, 32767]) : rng.int(-32768, 32767);
    case 'int32': return rng.next() < 0.2 ? pick(rng, [-2147483648, 2147483647]) : rng.int(-2147483648, 2147483647);
    case 'int64': return rng.next() < 0.2 ? pick(rng, [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n]) : rng.bits64(true) >> BigInt(rng.int(0, 60));
    case 'uint8': return rng.int(0, 255);
    case 'uint16': return rng.int(0, 65535);
    case 'uint32': return rng.next() < 0.2 ? 4294967295 : rng.int(0, 4294967295);
    case 'uint64': return rng.next() < 0.2 ? 2n ** 64n - 1n : rng.bits64(false);
    case 'float32': return rng.next() < 0.3 ? pick(rng, F32_EDGES) : Math.fround(randomFloat64(rng));
    case 'float64': return randomFloat64(rng);
    case 'bool': return rng.next() < 0.5;
    case 'utf8': {
      let text = '';
      for (let n = rng.int(0, 5); n > 0; n--) text += pick(rng, PIECES);
      return text;
    }
    case 'dict': return pick(rng, WORDS);
    case 'date32': return rng.int(-800_000, 2_900_000); // about 220 BC to 9900 AD
    case 'date64': return BigInt(rng.int(-800_000, 2_900_000)) * BigInt(DAY_MS);
    case 'ts_s': return BigInt(rng.int(-7e10, 7e10));
    case 'ts_ms': return BigInt(rng.int(-7e10, 7e10)) * 1000n + BigInt(rng.int(0, 999));
    case 'ts_us':
    case 'ts_tz': return BigInt(rng.int(-7e10, 7e10)) * 1_000_000n + BigInt(rng.int(0, 999_999));
    case 'ts_ns': return rng.bits64(true) >> 1n; // DuckDB keeps the int64 extremes for ±infinity
    case 'time_ms': return rng.int(0, DAY_MS - 1);
    case 'time_us': return BigInt(rng.int(0, DAY_MS - 1)) * 1000n + BigInt(rng.int(0, 999));
    case 'dec38': {
      let v = 0n;
      for (let d = rng.int(1, 38); d > 0; d--) v = v * 10n + BigInt(rng.int(0, 9));
      return rng.next() < 0.5 ? -v : v;
    }
    case 'dec9': return BigInt(rng.int(-999_999_999, 999_999_999));
  }
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD`, or `YYYY-MM-DD (BC)` as DuckDB writes years before 1, from `Date`. */
function dateText(days: number): string {
  const d = new Date(days * DAY_MS);
  const year = d.getUTCFullYear();
  const md = `-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  return year >= 1 ? pad(year, 4) + md : `${pad(1 - year, 4)}${md} (BC)`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

function clockText(ticksOfDay: bigint, perSecond: bigint): string {
  const s = Number(ticksOfDay / perSecond);
  const fraction = ticksOfDay % perSecond;
  const clock = `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`;
  return fraction === 0n ? clock : `${clock}.${pad(fraction, String(perSecond).length - 1).replace(/0+$/, '')}`;
}

function timestampText(value: bigint, perSecond: bigint): string {
  const perDay = 86_400n * perSecond;
  const days = floorDiv(value, perDay);
  const date = dateText(Number(days));
  const clock = clockText(value - days * perDay, perSecond);
  return `${date} ${clock}`; // DuckDB's order for years before 1, too: `0044-03-15 (BC) 12:00:00`
}

function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A column of `kind` holding `values`. */
export function columnSpec(kind: ColumnKind, values: Raw[]): ColumnSpec {
  const same = (v: Raw): unknown => v;
  const plain = (column: string): string => column;
  const n = values.length;
  const valid = new Uint8Array(Math.ceil(n / 8));
  values.forEach((v, i) => {
    if (v !== null) valid[i >> 3]! |= 1 << (i & 7);
  });
  const nulls = values.filter((v) => v === null).length;
  const fixed = <T extends arrow.DataType>(type: T, data: ArrayLike<unknown>): arrow.Data =>
    arrow.makeData({ type, length: n, nullCount: nulls, nullBitmap: valid, data } as never);
  const fill = <A extends { [i: number]: number | bigint }>(array: A, convert: (v: Raw) => number | bigint): A => {
    values.forEach((v, i) => {
      if (v !== null) array[i] = convert(v);
    });
    return array;
  };
  const num = (v: Raw): number => Number(v);
  const big = (v: Raw): bigint => BigInt(v as bigint);
  const base = { name: kind, values, duckSelect: plain, duckValue: same, ourValue: same };
  const nullable = (f: (v: Exclude<Raw, null>) => unknown) => (v: Raw): unknown => (v === null ? null : f(v));
  switch (kind) {
    case 'int8': return { ...base, data: fixed(new arrow.Int8(), fill(new Int8Array(n), num)), duck: 'TINYINT', ours: 'int32' };
    case 'int16': return { ...base, data: fixed(new arrow.Int16(), fill(new Int16Array(n), num)), duck: 'SMALLINT', ours: 'int32' };
    case 'int32': return { ...base, data: fixed(new arrow.Int32(), fill(new Int32Array(n), num)), duck: 'INTEGER', ours: 'int32' };
    case 'int64': return { ...base, data: fixed(new arrow.Int64(), fill(new BigInt64Array(n), big)), duck: 'BIGINT', ours: 'int64' };
    case 'uint8': return { ...base, data: fixed(new arrow.Uint8(), fill(new Uint8Array(n), num)), duck: 'UTINYINT', ours: 'int32' };
    case 'uint16': return { ...base, data: fixed(new arrow.Uint16(), fill(new Uint16Array(n), num)), duck: 'USMALLINT', ours: 'int32' };
    case 'uint32': return { ...base, data: fixed(new arrow.Uint32(), fill(new Uint32Array(n), num)), duck: 'UINTEGER', ours: 'int64', ourValue: nullable((v) => BigInt(v as number)) };
    case 'uint64': return { ...base, data: fixed(new arrow.Uint64(), fill(new BigUint64Array(n), big)), duck: 'UBIGINT', ours: 'string', ourValue: nullable(String) };
    case 'float32': return { ...base, data: fixed(new arrow.Float32(), fill(new Float32Array(n), num)), duck: 'FLOAT', ours: 'float64' };
    case 'float64': return { ...base, data: fixed(new arrow.Float64(), fill(new Float64Array(n), num)), duck: 'DOUBLE', ours: 'float64' };
    case 'bool': {
      const bits = new Uint8Array(Math.ceil(n / 8));
      values.forEach((v, i) => {
        if (v === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return { ...base, data: fixed(new arrow.Bool(), bits), duck: 'BOOLEAN', ours: 'bool' };
    }
    case 'utf8': return {
      ...base, data: arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8()).data[0]!, duck: 'VARCHAR', ours: 'string',
      // DuckDB drops a byte order mark that starts any field, quoted or not; Dusk keeps it.
      duckValue: nullable((v) => (v as string).replace(/^\uFEFF/, '')),
    };
    case 'dict': return { ...base, data: arrow.vectorFromArray(values as (string | null)[], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())).data[0]!, duck: 'VARCHAR', ours: 'dictionary' };
    case 'date32': return {
      ...base, data: fixed(new arrow.DateDay(), fill(new Int32Array(n), num)), duck: 'DATE', duckSelect: (c) => `${c} - DATE '1970-01-01'`,
      duckValue: nullable((v) => BigInt(v as number)), ours: 'string', ourValue: nullable((v) => dateText(v as number)),
    };
    case 'date64': return {
      ...base, data: fixed(new arrow.DateMillisecond(), fill(new BigInt64Array(n), big)), duck: 'DATE', duckSelect: (c) => `${c} - DATE '1970-01-01'`,
      duckValue: nullable((v) => (v as bigint) / BigInt(DAY_MS)), ours: 'string', ourValue: nullable((v) => dateText(Number((v as bigint) / BigInt(DAY_MS)))),
    };
    case 'ts_s':
    case 'ts_ms':
    case 'ts_us':
    case 'ts_ns':
    case 'ts_tz': {
      const unit = { ts_s: arrow.TimeUnit.SECOND, ts_ms: arrow.TimeUnit.MILLISECOND, ts_us: arrow.TimeUnit.MICROSECOND, ts_ns: arrow.TimeUnit.NANOSECOND, ts_tz: arrow.TimeUnit.MICROSECOND }[kind];
      const perSecond = { ts_s: 1n, ts_ms: 1000n, ts_us: 1_000_000n, ts_ns: 1_000_000_000n, ts_tz: 1_000_000n }[kind];
      const type = new arrow.Timestamp(unit, kind === 'ts_tz' ? 'UTC' : null);
      const ns = kind === 'ts_ns';
      return {
        ...base, data: fixed(type, fill(new BigInt64Array(n), big)),
        duck: ns ? 'TIMESTAMP_NS' : kind === 'ts_tz' ? 'TIMESTAMPTZ' : 'TIMESTAMP',
        duckSelect: (c) => (ns ? `epoch_ns(${c})` : `epoch_us(${c})`),
        duckValue: nullable((v) => (ns ? v : ((v as bigint) * 1_000_000n) / perSecond)),
        ours: 'string', ourValue: nullable((v) => timestampText(v as bigint, perSecond) + (kind === 'ts_tz' ? '+00' : '')),
      };
    }
    case 'time_ms': return {
      ...base, data: fixed(new arrow.TimeMillisecond(), fill(new Int32Array(n), num)), duck: 'TIME', duckSelect: (c) => `epoch_us(${c})`,
      duckValue: nullable((v) => BigInt(v as number) * 1000n), ours: 'string', ourValue: nullable((v) => clockText(BigInt(v as number), 1000n)),
    };
    case 'time_us': return {
      ...base, data: fixed(new arrow.TimeMicrosecond(), fill(new BigInt64Array(n), big)), duck: 'TIME', duckSelect: (c) => `epoch_us(${c})`,
      ours: 'string', ourValue: nullable((v) => clockText(v as bigint, 1_000_000n)),
    };
    case 'dec38':
    case 'dec9': {
      const [precision, scale] = kind === 'dec38' ? [38, 9] : [9, 2];
      const words = new Uint32Array(4 * n);
      values.forEach((v, i) => {
        if (v === null) return;
        const bits = BigInt.asUintN(128, v as bigint);
        for (let k = 0; k < 4; k++) words[4 * i + k] = Number((bits >> BigInt(32 * k)) & 0xffffffffn);
      });
      const text = nullable((v) => decimalText(v as bigint, scale));
      return {
        ...base, data: fixed(new arrow.Decimal(scale, precision, 128), words), duck: `DECIMAL(${precision},${scale})`,
        duckSelect: (c) => `${c}::VARCHAR`, duckValue: text, ours: 'string', ourValue: text,
      };
    }
  }
}
