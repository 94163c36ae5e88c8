/**
 * The options of the CSV reader and their resolved, byte-level form (the dialect) that the
 * splitter, the tokenizer and the column builders share. Every layer takes the user's
 * `CsvOptions` and resolves them here, so defaults and validation live in one place.
 */
import { IoError } from '../../errors.js';

/** Column types the CSV reader produces. `'dictionary'` is dictionary-encoded UTF-8 (int32 codes). */
export type CsvDType = 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'dictionary';

export const CSV_DTYPES: readonly CsvDType[] = ['int32', 'int64', 'float64', 'bool', 'string', 'dictionary'];

export interface CsvOptions {
  /** The first record names the columns (default true); without one they are `column0`, `column1`, ... */
  header?: boolean;
  /** One ASCII character (default `','`). */
  delimiter?: string;
  /** The quote character; a quote inside a quoted field is written twice. */
  quote?: '"';
  /**
   * Unquoted field texts that mean null (default `['']`: an empty unquoted field). A quoted
   * field is never null, so `""` is the empty string.
   */
  nullValues?: string[];
  /** Column types by name, overriding inference. */
  dtypes?: Record<string, CsvDType>;
}

/** A column of a CSV file: its name and the type it is read as. */
export interface CsvColumn {
  name: string;
  dtype: CsvDType;
}

/** The options as bytes, ready for the hot loops. */
export interface CsvDialect {
  header: boolean;
  delimiter: number;
  quote: number;
  /** True when an empty unquoted field is null (the common case, tested without a loop). */
  emptyIsNull: boolean;
  /** The other null texts, as UTF-8 bytes. */
  nullValues: Uint8Array[];
}

export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const TAB = 0x09;

/** Resolves and validates the options; `file` names the file in errors. */
export function csvDialect(options: CsvOptions, file: string): CsvDialect {
  const delimiter = singleAscii(options.delimiter ?? ',', 'delimiter', file);
  const quote = singleAscii(options.quote ?? '"', 'quote', file);
  if (delimiter === quote) {
    throw new IoError('CSV_OPTIONS', `${file}: the delimiter and the quote are both ${JSON.stringify(options.quote ?? '"')}`);
  }
  if (delimiter === LF || delimiter === CR || quote === LF || quote === CR) {
    throw new IoError('CSV_OPTIONS', `${file}: a line break cannot be the delimiter or the quote`);
  }
  const nulls = options.nullValues ?? [''];
  const encoder = new TextEncoder();
  return {
    header: options.header ?? true,
    delimiter,
    quote,
    emptyIsNull: nulls.includes(''),
    nullValues: nulls.filter((text) => text !== '').map((text) => encoder.encode(text)),
  };
}

function singleAscii(text: string, what: string, file: string): number {
  if (typeof text !== 'string' || text.length !== 1 || text.charCodeAt(0) > 0x7f) {
    throw new IoError('CSV_OPTIONS', `${file}: the ${what} must be one ASCII character, not ${JSON.stringify(text)}`);
  }
  return text.charCodeAt(0);
}

/** Checks a `dtypes` value coming from untyped callers. */
export function checkCsvDType(dtype: unknown, column: string, file: string): CsvDType {
  if (!CSV_DTYPES.includes(dtype as CsvDType)) {
    throw new IoError(
      'CSV_OPTIONS',
      `${file}: dtypes.${column} is ${JSON.stringify(dtype)}; expected one of ${CSV_DTYPES.join(', ')}`,
    );
  }
  return dtype as CsvDType;
}

/** The `dtypes` entry that reads `column` as `dtype`, as a user would write it. */
export function dtypesHint(column: string, dtype: CsvDType): string {
  const key = /^[A-Za-z_$][\w$]*$/.test(column) ? column : JSON.stringify(column);
  return `dtypes: { ${key}: '${dtype}' }`;
}
