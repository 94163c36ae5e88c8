/**
 * Splits a CSV file's bytes into blocks of about a target size that start and end on record
 * boundaries, so that each block can be parsed on its own (on another thread, in any order).
 *
 * Whether a line break ends a record depends on whether it sits inside a quoted field, and that
 * cannot be told from a byte in the middle of a file: it takes the quote state from a known
 * record start. So the splitter walks the range once, but only from quote to quote and from
 * line break to line break with `indexOf` (native speed); it never looks at the bytes in
 * between. Its quote rules are the tokenizer's (see tokenize-csv.ts): a quote opens a quoted
 * field only at the start of a field (after optional spaces); elsewhere it is a literal byte.
 */
import { CR, LF, SPACE, csvDialect, type CsvOptions } from './csv-options.js';
import { countLines } from './count-lines.js';

/** A byte range `[start, end)` of whole records, and the line number at `start` (1-based). */
export interface CsvBlock {
  start: number;
  end: number;
  firstLine: number;
}

export interface CsvBlockPlan {
  /** Where the first record starts: after a UTF-8 byte order mark, if there is one. */
  headerStart: number;
  /** Where the data starts: after the header record's line break (`headerStart` without a header). */
  headerEnd: number;
  /** The data split into blocks covering `[headerEnd, end)` exactly once, in order. */
  blocks: CsvBlock[];
}

export interface SplitBlocksRequest {
  /** Target block size in bytes: a block ends at the first record boundary at or after it. */
  blockBytes: number;
  /** Names the file in option errors. */
  file?: string;
  /** The range of `bytes` to split (default all of it); `start` must be a record boundary. */
  start?: number;
  end?: number;
  /** The line number at `start` (default 1). */
  firstLine?: number;
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Splits `bytes` (a whole file, or a range of it starting on a record boundary) into blocks.
 * The header, when `options.header` is on (the default), is the first record of a range that
 * starts at byte 0.
 *
 * @example
 * const plan = splitBlocks(bytes, { blockBytes: 64 << 20, file });
 * for (const b of plan.blocks) parseCsvBlock(bytes.subarray(b.start, b.end), columns, { file, byteOffset: b.start, firstLine: b.firstLine });
 */
export function splitBlocks(bytes: Uint8Array, request: SplitBlocksRequest, options: CsvOptions = {}): CsvBlockPlan {
  const dialect = csvDialect(options, request.file ?? 'CSV');
  const start = request.start ?? 0;
  const end = request.end ?? bytes.length;
  if (!(request.blockBytes >= 1)) throw new RangeError(`blockBytes must be at least 1, not ${request.blockBytes}`);
  if (start < 0 || end > bytes.length || start > end) throw new RangeError(`bad byte range [${start}, ${end}) of ${bytes.length} bytes`);
  // Every search runs on a view that ends at `end`, so nothing past the range is read.
  const view = end < bytes.length ? bytes.subarray(0, end) : bytes;
  const headerStart = start === 0 ? bomLength(view) : start;
  const scanner = new RecordScanner(view, headerStart, dialect.delimiter, dialect.quote);
  const headerEnd = dialect.header && start === 0 ? scanner.boundaryAtOrAfter(headerStart + 1) : headerStart;

  const blocks: CsvBlock[] = [];
  let line = (request.firstLine ?? 1) + countLines(view, start, headerEnd);
  for (let s = headerEnd; s < end;) {
    const e = scanner.boundaryAtOrAfter(s + request.blockBytes);
    blocks.push({ start: s, end: e, firstLine: line });
    line += countLines(view, s, e);
    s = e;
  }
  return { headerStart, headerEnd, blocks };
}

/**
 * Where the header record of a file starts and ends, from its first bytes, without looking at
 * the rest; `headerEnd` is `headerStart` when `options.header` is off.
 */
export function findCsvHeader(bytes: Uint8Array, options: CsvOptions = {}, file = 'CSV'): { headerStart: number; headerEnd: number } {
  const dialect = csvDialect(options, file);
  const headerStart = bomLength(bytes);
  if (!dialect.header) return { headerStart, headerEnd: headerStart };
  const scanner = new RecordScanner(bytes, headerStart, dialect.delimiter, dialect.quote);
  return { headerStart, headerEnd: scanner.boundaryAtOrAfter(headerStart + 1) };
}

function bomLength(bytes: Uint8Array): number {
  return BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
}

/** Finds record boundaries moving forward from a record start, tracking the quote state. */
class RecordScanner {
  /** Everything before `pos` is scanned, and `pos` is outside quotes. */
  private pos: number;
  private readonly end: number;
  private readonly quotes: NextByte;
  private readonly lfs: NextByte;
  private readonly crs: NextByte;

  /** `start` is a record start: a quote there opens a field. */
  constructor(
    private readonly bytes: Uint8Array, private readonly start: number,
    private readonly delimiter: number, private readonly quote: number,
  ) {
    this.pos = start;
    this.end = bytes.length;
    this.quotes = new NextByte(bytes, quote);
    this.lfs = new NextByte(bytes, LF);
    this.crs = new NextByte(bytes, CR);
  }

  /** The first record boundary at or after `target` (or the end), scanning from `pos`. */
  boundaryAtOrAfter(target: number): number {
    const bytes = this.bytes;
    while (target < this.end) {
      const from = Math.max(this.pos, target - 1);
      const lf = this.lfs.find(from);
      const cr = this.crs.find(from);
      const k = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      const q = this.quotes.find(this.pos);
      if (q >= 0 && (k < 0 || q < k)) {
        this.pos = this.afterQuote(q);
        continue;
      }
      if (k < 0) break;
      this.pos = bytes[k] === CR && bytes[k + 1] === LF ? k + 2 : k + 1;
      return this.pos;
    }
    this.pos = this.end;
    return this.end;
  }

  /** The position after the quote at `q` and, if it opens a field, after its closing quote. */
  private afterQuote(q: number): number {
    if (!this.opensField(q)) return q + 1;
    for (let j = q + 1; ;) {
      const c = this.quotes.find(j);
      if (c < 0) return this.end; // unterminated: the rest is one record, and the parser reports it
      if (this.bytes[c + 1] === this.quote) j = c + 2;
      else return c + 1;
    }
  }

  private opensField(q: number): boolean {
    const { bytes, delimiter } = this;
    let p = q - 1;
    if (delimiter !== SPACE) while (p >= this.start && bytes[p] === SPACE) p--;
    return p < this.start || bytes[p] === delimiter || bytes[p] === LF || bytes[p] === CR;
  }
}
/** The next occurrence of one byte, remembered so that increasing queries search each byte once. */
class NextByte {
  private at = -2;
  private from = 0;

  constructor(private readonly bytes: Uint8Array, private readonly byte: number) {}

  /** The first index at or after `from` holding the byte, or -1. */
  find(from: number): number {
    if (from >= this.from && (this.at === -1 || this.at >= from)) return this.at;
    this.from = from;
    this.at = this.bytes.indexOf(this.byte, from);
    return this.at;
  }
}
