/**
 * Finds the fields of a run of CSV records: for each field its byte range and whether it was
 * quoted, in flat typed arrays (row-major), so that each column can then be converted in its
 * own tight loop. No strings are made here.
 *
 * The rules, DuckDB's: records end at `\n`, `\r\n` or a lone `\r`; a quote opens a quoted field
 * only at the start of a field (spaces before it are dropped), and anywhere else it is a plain
 * byte; inside quotes, a doubled quote is one quote; spaces between a closing quote and the
 * delimiter are dropped. An empty line is skipped, except in a one-column file, where it is a
 * row with an empty field. Every record must have the same number of fields (a longer record is
 * stored whole before it is refused, which only costs something on the error path).
 */
import { IoError } from '../../errors.js';
import { CR, LF, SPACE, type CsvDialect } from './csv-options.js';
import { countLines } from './count-lines.js';

/** `flags` of a field. */
export const UNQUOTED = 0;
export const QUOTED = 1;
/** Quoted, and containing doubled quotes to collapse. */
export const ESCAPED = 2;

export interface CsvFields {
  rows: number;
  ncols: number;
  /** Field `r * ncols + c` spans `[starts[f], ends[f])` of the bytes, inside its quotes. */
  starts: Uint32Array;
  ends: Uint32Array;
  flags: Uint8Array;
  /** Where the tokenizer stopped: after the last record it kept. */
  end: number;
}

/** Where the bytes come from, for error messages. */
export interface CsvSource {
  file: string;
  /** The file offset of `bytes[0]`. */
  byteOffset: number;
  /** The line number at `bytes[0]` (1-based). */
  firstLine: number;
}

export interface TokenizeLimits {
  /** Stop after this many records. */
  maxRows?: number;
  /** The bytes may end in the middle of a record (a sample); drop that record instead of failing. */
  truncated?: boolean;
}

/**
 * Tokenizes `bytes` into records of `ncols` fields each; with `ncols` -1, the first record sets
 * the count. Raises `IoError` `CSV_MALFORMED` on a wrong field count, an unterminated quote, or
 * text after a closing quote.
 */
export function tokenizeCsv(
  bytes: Uint8Array, dialect: CsvDialect, ncols: number, source: CsvSource, limits: TokenizeLimits = {},
): CsvFields {
  const { delimiter, quote } = dialect;
  const n = bytes.length;
  const maxRows = limits.maxRows ?? Infinity;
  const skipSpaces = delimiter !== SPACE;
  // A guess of one field per 8 bytes; the arrays grow by doubling when it is short.
  let capacity = Math.max(16, Math.min(n >>> 3, 1 << 24));
  let starts = new Uint32Array(capacity);
  let ends = new Uint32Array(capacity);
  let flags = new Uint8Array(capacity);
  let nf = 0;
  let rows = 0;
  let i = 0;
  let kept = 0;

  const fail = (at: number, problem: string): never => {
    const line = source.firstLine + countLines(bytes, 0, at);
    throw new IoError('CSV_MALFORMED', `${source.file}: line ${line} (byte ${source.byteOffset + at}): ${problem}`);
  };

  records: while (i < n && rows < maxRows) {
    const recordStart = i;
    const first = bytes[i];
    if ((first === LF || first === CR) && ncols > 1) {
      i += first === CR && bytes[i + 1] === LF ? 2 : 1;
      kept = i;
      continue;
    }
    let col = 0;
    for (;;) {
      if (nf === capacity) {
        capacity *= 2;
        starts = grow(starts, capacity);
        ends = grow(ends, capacity);
        flags = grow(flags, capacity);
      }
      let c = i < n ? bytes[i]! : -1;
      if (c === SPACE && skipSpaces) {
        let j = i + 1;
        while (j < n && bytes[j] === SPACE) j++;
        if (bytes[j] === quote) {
          i = j;
          c = quote;
        }
      }
      if (c === quote) {
        let flag = QUOTED;
        let j = i + 1;
        let close: number;
        for (;;) {
          close = bytes.indexOf(quote, j);
          if (close < 0) {
            if (limits.truncated) break records;
            fail(i, 'unterminated quote: the quoted field starting here has no closing quote');
          }
          if (bytes[close + 1] !== quote) break;
          flag = ESCAPED;
          j = close + 2;
        }
        starts[nf] = i + 1;
        ends[nf] = close;
        flags[nf++] = flag;
        i = close + 1;
        if (skipSpaces) while (i < n && bytes[i] === SPACE) i++;
        c = i < n ? bytes[i]! : -1;
        if (c !== delimiter && c !== LF && c !== CR && c !== -1) {
          fail(i, `unexpected ${JSON.stringify(String.fromCharCode(c))} after a closing quote (a quote inside a quoted field is written twice: "")`);
        }
      } else {
        let j = i;
        while (j < n) {
          c = bytes[j]!;
          if (c === delimiter || c === LF || c === CR) break;
          j++;
        }
        if (j === n) c = -1;
        starts[nf] = i;
        ends[nf] = j;
        flags[nf++] = UNQUOTED;
        i = j;
      }
      col++;
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === -1 && limits.truncated) break records;
      if (c === CR) i += bytes[i + 1] === LF ? 2 : 1;
      else if (c === LF) i++;
      break;
    }
    if (ncols < 0) ncols = col;
    else if (col !== ncols) fail(recordStart, `expected ${ncols} fields, found ${col}`);
    rows++;
    kept = i;
  }
  if (ncols < 0) ncols = 0;
  return { rows, ncols, starts, ends, flags, end: kept };
}

function grow<T extends Uint32Array | Uint8Array>(array: T, capacity: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(capacity);
  bigger.set(array);
  return bigger;
}

/** True when the field is one of the dialect's null texts (only unquoted fields can be). */
export function isNullField(bytes: Uint8Array, s: number, e: number, flag: number, dialect: CsvDialect): boolean {
  if (flag !== UNQUOTED) return false;
  if (s === e) return dialect.emptyIsNull;
  for (const text of dialect.nullValues) {
    if (text.length !== e - s) continue;
    let k = 0;
    while (k < text.length && text[k] === bytes[s + k]) k++;
    if (k === text.length) return true;
  }
  return false;
}

// `ignoreBOM` keeps a U+FEFF that starts a field: it is text there, not a byte order mark.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A field as a string, with doubled quotes collapsed. Invalid UTF-8 becomes U+FFFD. */
export function fieldText(bytes: Uint8Array, s: number, e: number, flag: number, quote: number): string {
  const text = utf8.decode(bytes.subarray(s, e));
  if (flag !== ESCAPED) return text;
  const q = String.fromCharCode(quote);
  return text.split(q + q).join(q);
}
