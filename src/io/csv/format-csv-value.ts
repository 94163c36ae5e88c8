/**
 * Arrow values as CSV field text that DuckDB's `read_csv` and Dusk's own reader read back as the
 * same value: the writer's one switch on the Arrow type. Numbers are exact (integers in full,
 * floats in their shortest round-trip form, `nan`/`inf`/`-inf`, `-0`), text is quoted only when
 * a reader could misread it, and dates and times are ISO 8601 as DuckDB prints them.
 */
import * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';

/** The text of the value at `row` of `data`, a row that is not null. */
export type CsvCellFormatter = (data: arrow.Data, row: number) => string;

const DAY_SECONDS = 86_400n;
const UNIT_TICKS: Record<arrow.TimeUnit, bigint> = {
  [arrow.TimeUnit.SECOND]: 1n,
  [arrow.TimeUnit.MILLISECOND]: 1_000n,
  [arrow.TimeUnit.MICROSECOND]: 1_000_000n,
  [arrow.TimeUnit.NANOSECOND]: 1_000_000_000n,
};

/**
 * The formatter of a column of `type`. Raises `IoError` `CSV_WRITE_TYPE` naming the column and
 * the file for a type CSV cannot hold (binary, nested, interval, ...), before anything is written.
 *
 * @example
 * const text = csvCellFormatter(field.type, field.name, 'out.csv', ',');
 * const cell = data.getValid(row) ? text(data, row) : '';
 */
export function csvCellFormatter(type: arrow.DataType, column: string, file: string, delimiter: string): CsvCellFormatter {
  switch (type.typeId) {
    case arrow.Type.Null: return () => '';
    case arrow.Type.Int: return (data, row) => String((data.values as ArrayLike<number | bigint>)[row]);
    case arrow.Type.Float:
      if ((type as arrow.Float).precision === arrow.Precision.HALF) return (data, row) => formatCsvFloat(arrow.util.uint16ToFloat64((data.values as Uint16Array)[row]!));
      return (data, row) => formatCsvFloat((data.values as Float32Array | Float64Array)[row]!);
    case arrow.Type.Bool: return (data, row) => {
      const bit = data.offset + row; // bits are not sliced with the data
      return ((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1 ? 'true' : 'false';
    };
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8: return (data, row) => quoteCsvText(utf8Text(data, row), delimiter);
    case arrow.Type.Utf8View: return (data, row) => quoteCsvText(vectorOf(data).get(row) as string, delimiter);
    case arrow.Type.Decimal: {
      const { scale, bitWidth } = type as arrow.Decimal;
      return (data, row) => decimalText(data.values as Uint32Array, row, bitWidth, scale);
    }
    case arrow.Type.Date: {
      if ((type as arrow.Date_).unit === arrow.DateUnit.DAY) return (data, row) => dateText((data.values as Int32Array)[row]!);
      return (data, row) => dateText(Math.floor(Number((data.values as BigInt64Array)[row]!) / 86_400_000));
    }
    case arrow.Type.Timestamp: {
      const { unit, timezone } = type as arrow.Timestamp;
      const zone = timezone ? '+00' : ''; // the values are UTC instants
      return (data, row) => timestampText((data.values as BigInt64Array)[row]!, UNIT_TICKS[unit]) + zone;
    }
    case arrow.Type.Time: {
      const ticks = UNIT_TICKS[(type as arrow.Time).unit];
      return (data, row) => timeText(BigInt((data.values as Int32Array | BigInt64Array)[row]!), ticks);
    }
    case arrow.Type.Dictionary: {
      const inner = csvCellFormatter((type as arrow.Dictionary).dictionary, column, file, delimiter);
      return dictionaryFormatter(inner, `${file}: column ${JSON.stringify(column)}`);
    }
    default:
      throw new IoError(
        'CSV_WRITE_TYPE',
        `${file}: column ${JSON.stringify(column)} is of type ${type}, which CSV cannot hold; cast it to a string or a number, or drop it`,
      );
  }
}

/**
 * A float as the shortest text that reads back as the same double; `nan`, `inf`, `-inf` and
 * `-0` for the values `String` would spell otherwise or lose.
 *
 * @example
 * formatCsvFloat(0.1); // '0.1'
 * formatCsvFloat(-Infinity); // '-inf'
 */
export function formatCsvFloat(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0 && 1 / x < 0) return '-0';
  return String(x);
}

/**
 * Text as a CSV field: quoted (with quotes doubled) when it is empty (else it would read as
 * null), holds the delimiter, a quote or a line break, starts or ends with a blank, or starts
 * with a byte order mark; as is otherwise.
 *
 * @example
 * quoteCsvText('say "hi"', ','); // '"say ""hi"""'
 */
export function quoteCsvText(text: string, delimiter: string): string {
  if (!needsQuotes(text, delimiter)) return text;
  return `"${text.replaceAll('"', '""')}"`;
}

function needsQuotes(text: string, delimiter: string): boolean {
  if (text === '' || text.includes(delimiter) || /["\r\n]/.test(text)) return true;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return first === 0x20 || first === 0x09 || first === 0xfeff || last === 0x20 || last === 0x09;
}

/** Dictionary cells as their values' text, formatted once per dictionary entry. */
function dictionaryFormatter(inner: CsvCellFormatter, where: string): CsvCellFormatter {
  const cache = new WeakMap<arrow.Data, (string | undefined)[]>();
  return (data, row) => {
    const key = Number((data.values as ArrayLike<number | bigint>)[row]);
    let texts = cache.get(data);
    if (texts === undefined) cache.set(data, (texts = []));
    return (texts[key] ??= entryText(data.dictionary!, key, inner, where));
  };
}

function entryText(dictionary: arrow.Vector, key: number, inner: CsvCellFormatter, where: string): string {
  let k = key;
  for (const chunk of dictionary.data) {
    if (k < chunk.length) return chunk.getValid(k) ? inner(chunk, k) : '';
    k -= chunk.length;
  }
  throw new IoError('CSV_WRITE_TYPE', `${where}: dictionary key ${key} is outside its dictionary of ${dictionary.length} values`);
}

const buffers = new WeakMap<arrow.Data, Buffer>();

/**
 * The text at `row` of Utf8 or LargeUtf8 data (whose offsets are sliced with the data, the bytes
 * not). Decoded with `Buffer`, which is quicker on short texts than a `TextDecoder` and, unlike
 * Arrow's own `get`, keeps a U+FEFF that starts a value.
 */
function utf8Text(data: arrow.Data, row: number): string {
  let bytes = buffers.get(data);
  if (bytes === undefined) {
    const values = data.values as Uint8Array;
    buffers.set(data, (bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength)));
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return bytes.toString('utf8', Number(offsets[row]), Number(offsets[row + 1]));
}

const vectors = new WeakMap<arrow.Data, arrow.Vector>();

function vectorOf(data: arrow.Data): arrow.Vector {
  let vector = vectors.get(data);
  if (vector === undefined) vectors.set(data, (vector = arrow.makeVector(data)));
  return vector;
}

/** A decimal's unscaled two's-complement words (little-endian) with the point put in. */
function decimalText(words: Uint32Array, row: number, bitWidth: number, scale: number): string {
  const stride = bitWidth / 32;
  let unscaled = 0n;
  for (let k = stride - 1; k >= 0; k--) unscaled = (unscaled << 32n) | BigInt(words[row * stride + k]!);
  unscaled = BigInt.asIntN(bitWidth, unscaled);
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  if (scale <= 0) return sign + digits + (unscaled === 0n ? '' : '0'.repeat(-scale));
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Days since 1970-01-01 as `YYYY-MM-DD`, or DuckDB's `YYYY-MM-DD (BC)` before year 1. */
function dateText(days: number): string {
  // Howard Hinnant's civil_from_days, on the proleptic Gregorian calendar.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const md = `-${pad(month, 2)}-${pad(day, 2)}`;
  return year >= 1 ? pad(year, 4) + md : `${pad(1 - year, 4)}${md} (BC)`;
}

/** `YYYY-MM-DD HH:MM:SS[.fraction]` of a count of `ticks`-per-second units since the epoch. */
function timestampText(value: bigint, ticks: bigint): string {
  const perDay = DAY_SECONDS * ticks;
  let days = value / perDay;
  if (value % perDay < 0n) days -= 1n;
  return `${dateText(Number(days))} ${timeText(value - days * perDay, ticks)}`;
}

/** `HH:MM:SS[.fraction]` of a time of day in `ticks`-per-second units; trailing zeros dropped. */
function timeText(value: bigint, ticks: bigint): string {
  const seconds = Number(value / ticks);
  const fraction = value % ticks;
  const clock = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  if (fraction === 0n) return clock;
  const digits = String(ticks).length - 1;
  return `${clock}.${fraction.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
