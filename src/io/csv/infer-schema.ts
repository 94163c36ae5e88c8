/**
 * The columns of a CSV file: names from the header (or `column0`, `column1`, ...), and types
 * inferred from a sample of the first rows unless `dtypes` names them. A column is the
 * narrowest type every non-null sample value parses as: int32, then int64 (exact, past 2^53),
 * then float64, then bool, else string; an all-null column is a string column.
 *
 * Detection is stricter than parsing in the two ways DuckDB's sniffer is: a value with a
 * leading `+` or a leading zero before a digit (`007`) is not taken as a number, and only
 * `true/false/t/f` make a bool column. With an explicit dtype those values still parse.
 */
import { IoError } from '../../errors.js';
import { countLines } from './count-lines.js';
import { checkCsvDType, csvDialect, type CsvColumn, type CsvDialect, type CsvOptions } from './csv-options.js';
import {
  INT_OK, readBool, readFloat64, readInt64, readInteger, sniffableNumber,
} from './parse-csv-value.js';
import { findCsvHeader } from './split-blocks.js';
import { fieldText, isNullField, tokenizeCsv, type CsvFields } from './tokenize-csv.js';

/** Rows read to infer the types, as the design says. */
export const CSV_SAMPLE_ROWS = 10_000;

export interface CsvSchema {
  columns: CsvColumn[];
  /** Where the header record starts (after a byte order mark). */
  headerStart: number;
  /** Where the data starts. */
  headerEnd: number;
  /** How many data rows the sample held. */
  sampledRows: number;
}

export interface InferSchemaOptions {
  /** Rows to infer types from (default 10,000). */
  sampleRows?: number;
  /** `bytes` is only the beginning of the file, and may end in the middle of a record. */
  truncated?: boolean;
}

const INT32 = 1;
const INT64 = 2;
const FLOAT = 4;
const BOOL = 8;

/**
 * Reads the header and infers the column types of a CSV file from its first bytes.
 *
 * @example
 * const { columns, headerEnd } = inferCsvSchema(bytes, 'sales.csv', { dtypes: { id: 'int64' } });
 */
export function inferCsvSchema(
  bytes: Uint8Array, file: string, options: CsvOptions = {}, infer: InferSchemaOptions = {},
): CsvSchema {
  const dialect = csvDialect(options, file);
  // Found by the splitter's rules, so the data starts where its blocks will.
  const { headerStart, headerEnd } = findCsvHeader(bytes, options, file);
  const truncated = infer.truncated ?? false;
  let names: string[] | null = null;
  if (dialect.header) {
    if (headerEnd === headerStart) {
      throw new IoError('CSV_EMPTY', `${file}: the file is empty, so it has no header line (pass header: false to read a file without one)`);
    }
    const header = tokenizeCsv(bytes.subarray(headerStart, headerEnd), dialect, -1, { file, byteOffset: headerStart, firstLine: 1 });
    names = headerNames(bytes.subarray(headerStart, headerEnd), header, dialect);
  }
  const sample = tokenizeCsv(
    bytes.subarray(headerEnd),
    dialect,
    names === null ? -1 : names.length,
    { file, byteOffset: headerEnd, firstLine: 1 + countLines(bytes, 0, headerEnd) },
    { maxRows: infer.sampleRows ?? CSV_SAMPLE_ROWS, truncated },
  );
  names ??= Array.from({ length: sample.ncols }, (_, i) => `column${i}`);
  const data = bytes.subarray(headerEnd);
  const columns: CsvColumn[] = names.map((name, c) => ({ name, dtype: inferColumn(data, sample, c, dialect) }));

  for (const [name, dtype] of Object.entries(options.dtypes ?? {})) {
    const column = columns.find((col) => col.name === name);
    if (column === undefined) {
      throw new IoError(
        'CSV_UNKNOWN_COLUMN',
        `${file}: dtypes names a column ${JSON.stringify(name)} that the file does not have; its columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
    column.dtype = checkCsvDType(dtype, name, file);
  }
  return { columns, headerStart, headerEnd, sampledRows: sample.rows };
}

/** Header fields as column names; empty ones become `column<i>`, repeats get `_1`, `_2`, ... (DuckDB's rule). */
function headerNames(bytes: Uint8Array, header: CsvFields, dialect: CsvDialect): string[] {
  const names: string[] = [];
  const taken = new Set<string>();
  for (let c = 0; c < header.ncols; c++) {
    const text = fieldText(bytes, header.starts[c]!, header.ends[c]!, header.flags[c]!, dialect.quote);
    let name = text === '' ? `column${c}` : text;
    for (let k = 1; taken.has(name); k++) name = `${text}_${k}`;
    taken.add(name);
    names.push(name);
  }
  return names;
}

/** The narrowest type all non-null sample values of column `c` parse as. */
function inferColumn(bytes: Uint8Array, sample: CsvFields, c: number, dialect: CsvDialect): CsvColumn['dtype'] {
  const { starts, ends, flags, ncols } = sample;
  const float = new Float64Array(1);
  const words = new Uint32Array(2);
  const big = new BigInt64Array(words.buffer);
  let possible = INT32 | INT64 | FLOAT | BOOL;
  let seen = false;
  for (let r = 0; r < sample.rows && possible !== 0; r++) {
    const f = r * ncols + c;
    const s = starts[f]!;
    const e = ends[f]!;
    if (isNullField(bytes, s, e, flags[f]!, dialect)) continue;
    seen = true;
    if (possible & (INT32 | INT64 | FLOAT)) {
      if (!sniffableNumber(bytes, s, e)) possible &= ~(INT32 | INT64 | FLOAT);
      else {
        const v = readInteger(bytes, s, e);
        if (v !== v) possible &= ~(INT32 | INT64);
        else if (v > 2147483647 || v < -2147483648) {
          possible &= ~INT32;
          if (readInt64(bytes, s, e, words, big, 0) !== INT_OK) possible &= ~INT64;
        }
        if (possible & FLOAT && !readFloat64(bytes, s, e, float, 0)) possible &= ~FLOAT;
      }
    }
    if (possible & BOOL && readBool(bytes, s, e, true) < 0) possible &= ~BOOL;
  }
  if (!seen) return 'string';
  if (possible & INT32) return 'int32';
  if (possible & INT64) return 'int64';
  if (possible & FLOAT) return 'float64';
  if (possible & BOOL) return 'bool';
  return 'string';
}
