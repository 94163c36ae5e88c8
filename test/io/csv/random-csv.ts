/**
 * Seeded random CSV text for the reader's tests: typed columns written in the many spellings
 * real files use (quoted or not, exponents, `NaN`/`inf`, `TRUE`/`f`), text with delimiters,
 * quotes, line breaks and non-ASCII inside quotes, and nulls as empty unquoted fields.
 */
import type { Random } from '../../util/random.js';

export type CsvKind = 'int32' | 'int64' | 'float' | 'bool' | 'text' | 'category';

export interface RandomCsvSpec {
  rows: number;
  kinds: CsvKind[];
  delimiter?: string;
  newline?: '\n' | '\r\n' | '\r';
  header?: boolean;
  /** End the last record with a line break (default true). */
  trailingNewline?: boolean;
  /** Chance that a field is null (default 0.1). */
  nullRate?: number;
}

const PIECES = ['a', 'b', 'Zz', ' ', '  ', ',', ';', '|', '"', '""', '\n', '\r\n', '\r', '\t', 'é', '日本', '😀', 'x"y', '123', '-4.5'];
const CATEGORIES = ['red', 'green', 'blue, dark', 'say "hi"', 'multi\nline', '', 'ünïcödé'];
const FLOAT_WORDS = ['NaN', 'nan', 'NAN', 'inf', '-inf', 'INF', 'Infinity', '-Infinity', 'infinity', '-0', '0', '.5', '-.25', '5.', '1e10', '1E-5', '2.5e+300', '4.9e-324', '1e400', '-1e-400'];
const BOOL_WORDS = ['true', 'false', 'TRUE', 'False', 't', 'F'];
const INT32_EDGES = ['2147483647', '-2147483648', '0', '-0', '-1'];
const INT64_EDGES = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '-9007199254740993', '2147483648'];

/** CSV text with a header `c0,c1,...` (unless `header: false`) and `rows` random records. */
export function randomCsv(rng: Random, spec: RandomCsvSpec): string {
  const delimiter = spec.delimiter ?? ',';
  const newline = spec.newline ?? '\n';
  const nullRate = spec.nullRate ?? 0.1;
  const lines: string[] = [];
  if (spec.header ?? true) lines.push(spec.kinds.map((_, i) => `c${i}`).join(delimiter));
  for (let r = 0; r < spec.rows; r++) {
    lines.push(spec.kinds.map((kind) => (rng.next() < nullRate ? '' : field(rng, kind, delimiter))).join(delimiter));
  }
  return lines.join(newline) + ((spec.trailingNewline ?? true) ? newline : '');
}

function field(rng: Random, kind: CsvKind, delimiter: string): string {
  switch (kind) {
    case 'int32':
      return rng.next() < 0.1 ? pick(rng, INT32_EDGES) : String(rng.int(-2147483648, 2147483647));
    case 'int64':
      return rng.next() < 0.1 ? pick(rng, INT64_EDGES) : String(rng.bits64(true) >> BigInt(rng.int(0, 60)));
    case 'float':
      return rng.next() < 0.15 ? pick(rng, FLOAT_WORDS) : floatText(rng);
    case 'bool':
      return pick(rng, BOOL_WORDS);
    case 'category':
      return quoteText(rng, pick(rng, CATEGORIES), delimiter);
    case 'text': {
      let text = '';
      for (let n = rng.int(0, 6); n > 0; n--) text += pick(rng, PIECES);
      return quoteText(rng, text, delimiter);
    }
  }
}

/** Quotes text that needs it, and a third of what does not; empty text must be quoted not to be null. */
function quoteText(rng: Random, text: string, delimiter: string): string {
  const needs = text === '' || /["\r\n]/.test(text) || text.includes(delimiter) || text.startsWith(' ');
  return needs || rng.next() < 0.3 ? `"${text.replace(/"/g, '""')}"` : text;
}

function floatText(rng: Random): string {
  const magnitude = 10 ** rng.int(-30, 30);
  const x = (rng.next() - 0.5) * magnitude;
  switch (rng.int(0, 4)) {
    case 0: return String(x);
    case 1: return x.toExponential(rng.int(0, 16));
    case 2: return Math.abs(x) < 1e21 ? x.toFixed(rng.int(1, 20)) : String(x);
    case 3: return x.toPrecision(rng.int(1, 21)).toUpperCase();
    default: return String(Math.fround(x));
  }
}

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}
