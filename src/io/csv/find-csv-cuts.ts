/**
 * Where to cut a CSV file into pieces: for each target byte offset, the first record boundary at
 * or after it, and the line number there, found by one forward pass over the file read in
 * fixed-size chunks (one buffer, reused), so a file of any size is scanned without being held.
 *
 * The quote rules are the splitter's (split-blocks.ts), and so are its search habits: quotes are
 * followed from the start, but line breaks are looked for only from just before the next target,
 * and the pass stops once the last target is placed. What the splitter reads by looking back or
 * ahead in one buffer crosses chunk edges here as three bits of state: a quote or a CR that ended
 * the previous chunk, and the last byte a look-back from this chunk would reach.
 */
import { countLines } from './count-lines.js';
import { CR, LF, SPACE, csvDialect, type CsvOptions } from './csv-options.js';
import { openForRead, readFully } from './read-file-range.js';

/** A record boundary: a byte offset where a record starts, and its line number (1-based). */
export interface CsvCut {
  at: number;
  line: number;
}

export interface CsvCuts {
  /** Where the first record starts: after a UTF-8 byte order mark, if there is one. */
  headerStart: number;
  /** Where the data starts (after the header record, when there is one), and its line. */
  dataStart: CsvCut;
  /** One cut per target, in order: the first boundary at or after it, never before `dataStart`. */
  cuts: CsvCut[];
}

/** Bytes read at a time. */
const CHUNK_BYTES = 8 << 20;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Finds the record boundaries at or after `targets` (ascending byte offsets) in the first
 * `size` bytes of `file`. `chunkBytes` sets the read size (tests make it tiny).
 *
 * @example
 * const { dataStart, cuts } = await findCsvCuts('big.csv', size, [size / 2], {});
 */
export async function findCsvCuts(
  file: string, size: number, targets: readonly number[], options: CsvOptions = {}, chunkBytes = CHUNK_BYTES,
): Promise<CsvCuts> {
  const dialect = csvDialect(options, file);
  const handle = await openForRead(file);
  try {
    const head = new Uint8Array(Math.min(BOM.length, size));
    await readFully(handle, file, head, 0);
    const headerStart = head.length === BOM.length && BOM.every((b, i) => head[i] === b) ? BOM.length : 0;
    const scanner = new CutScanner(dialect.delimiter, dialect.quote, headerStart);
    // The header ends at the first boundary after its first byte; data cuts never come before it.
    const queue = dialect.header ? [headerStart + 1, ...targets.map((t) => Math.max(t, headerStart + 1))] : [...targets];
    const found = scanner.resolve(queue, size);
    const buffer = new Uint8Array(Math.max(1, Math.min(chunkBytes, size - headerStart)));
    for (let base = headerStart; !scanner.done && base < size; base += buffer.length) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, size - base));
      await readFully(handle, file, chunk, base);
      scanner.feed(chunk, base);
    }
    scanner.finish(size);
    const start = { at: headerStart, line: 1 };
    return dialect.header ? { headerStart, dataStart: found[0]!, cuts: found.slice(1) } : { headerStart, dataStart: start, cuts: found };
  } finally {
    await handle.close();
  }
}

/** The scan's state between chunks; `resolve` says what to look for, `feed` scans a chunk. */
class CutScanner {
  private readonly skipSpaces: boolean;
  /** Inside a quoted field. */
  private inQuotes = false;
  /** Inside a quoted field, and the last chunk ended on a quote: the next byte says if it closed. */
  private quotePending = false;
  /** A line break was found at the last byte of the last chunk, a CR: an LF may follow. */
  private crPending = false;
  /** The byte a look-back reaches before this chunk (the last one, or the last non-space); -1 at the start. */
  private before = -1;
  /** The last byte of the last chunk, for a CRLF split between two chunks. */
  private lastByte = -1;
  /** Line breaks before `counted` (a file offset). */
  private lines = 0;
  private counted: number;
  private queue: number[] = [];
  private next = 0;
  private results: CsvCut[] = [];
  // The current chunk.
  private chunk: Uint8Array = new Uint8Array(0);
  private base = 0;

  constructor(private readonly delimiter: number, private readonly quote: number, start: number) {
    this.skipSpaces = delimiter !== SPACE;
    this.counted = start;
  }

  get done(): boolean {
    return this.next >= this.queue.length;
  }

  /** Sets the targets; targets at or before the scan start resolve to it. Returns the result list. */
  resolve(queue: number[], size: number): CsvCut[] {
    this.queue = queue;
    const start = this.counted;
    while (!this.done && this.queue[this.next]! <= start) this.place(Math.min(start, size), 1);
    return this.results;
  }

  /** Scans the chunk at file offset `base`, placing targets at the boundaries it finds. */
  feed(chunk: Uint8Array, base: number): void {
    this.chunk = chunk;
    this.base = base;
    const n = chunk.length;
    const quote = this.quote;
    // A CR that ended the last chunk was counted as a line of its own; with an LF after it, it is not.
    if (this.lastByte === CR && chunk[0] === LF) this.lines--;
    let i = 0;
    if (this.crPending) {
      this.crPending = false;
      i = chunk[0] === LF ? 1 : 0;
      this.boundary(i);
    } else if (this.quotePending) {
      this.quotePending = false;
      if (chunk[0] === quote) i = 1; // the second of a doubled quote
      else this.inQuotes = false;
    }
    const quotes = new NextByte(chunk, quote);
    const lfs = new NextByte(chunk, LF);
    const crs = new NextByte(chunk, CR);
    while (!this.done && i < n) {
      if (this.inQuotes) {
        const close = quotes.find(i);
        if (close < 0 || close === n - 1) {
          this.quotePending = close === n - 1;
          break;
        }
        if (chunk[close + 1] === quote) i = close + 2;
        else {
          this.inQuotes = false;
          i = close + 1;
        }
        continue;
      }
      const from = Math.max(i, this.queue[this.next]! - base - 1);
      const lf = lfs.find(from);
      const cr = crs.find(from);
      const k = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      const q = quotes.find(i);
      if (q >= 0 && (k < 0 || q < k)) {
        if (this.opensField(q)) this.inQuotes = true;
        i = q + 1;
        continue;
      }
      if (k < 0) break;
      if (chunk[k] === CR && k === n - 1) {
        this.crPending = true;
        break;
      }
      i = chunk[k] === CR && chunk[k + 1] === LF ? k + 2 : k + 1;
      this.boundary(i);
    }
    if (this.done) return;
    this.countTo(n);
    this.lastByte = chunk[n - 1]!;
    if (!this.skipSpaces) this.before = this.lastByte;
    else {
      let p = n - 1;
      while (p >= 0 && chunk[p] === SPACE) p--;
      if (p >= 0) this.before = chunk[p]!;
    }
  }

  /** The end of the file: whatever targets are left end there. */
  finish(size: number): void {
    if (this.done) return;
    this.crPending = false;
    this.countTo(size - this.base);
    while (!this.done) this.place(size, this.lines + 1);
  }

  /** A record boundary at chunk offset `i`: it places every waiting target at or before it. */
  private boundary(i: number): void {
    const at = this.base + i;
    if (this.queue[this.next]! > at) return;
    this.countTo(i);
    while (!this.done && this.queue[this.next]! <= at) this.place(at, this.lines + 1);
  }

  private place(at: number, line: number): void {
    this.results.push({ at, line });
    this.next++;
  }

  /** Counts the line breaks of the current chunk up to chunk offset `i`. */
  private countTo(i: number): void {
    const from = this.counted - this.base;
    if (i <= from) return;
    this.lines += countLines(this.chunk, Math.max(0, from), i);
    this.counted = this.base + i;
  }

  /** Whether the quote at chunk offset `q` starts a field (after optional spaces), as the splitter decides. */
  private opensField(q: number): boolean {
    const chunk = this.chunk;
    let p = q - 1;
    if (this.skipSpaces) while (p >= 0 && chunk[p] === SPACE) p--;
    const b = p >= 0 ? chunk[p]! : this.before;
    return b === -1 || b === this.delimiter || b === LF || b === CR;
  }
}

/** The next occurrence of one byte in a chunk, remembered so that increasing queries search each byte once. */
class NextByte {
  private at = -2;
  private from = 0;

  constructor(private readonly bytes: Uint8Array, private readonly byte: number) {}

  find(from: number): number {
    if (from >= this.from && (this.at === -1 || this.at >= from)) return this.at;
    this.from = from;
    this.at = this.bytes.indexOf(this.byte, from);
    return this.at;
  }
}
