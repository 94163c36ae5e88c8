/**
 * Writes an Arrow table as a CSV file: a header line, then one line per row, `\n` line ends.
 * The text is made and written in chunks of about a mebibyte through `atomicWrite`, so a table
 * of any size never becomes one string, and a failed write leaves no file behind.
 */
import type * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';
import { atomicWrite } from '../atomic-write.js';
import { csvDialect } from './csv-options.js';
import { csvCellFormatter, quoteCsvText, type CsvCellFormatter } from './format-csv-value.js';

export interface WriteCsvOptions {
  /** One ASCII character (default `','`). */
  delimiter?: string;
  /** Write a header line with the column names (default true). */
  header?: boolean;
}

/** Bytes of text gathered before they are written. */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes `table` to `path` as CSV, atomically. Nulls are empty unquoted fields, text is quoted
 * when a reader could misread it, floats are written exactly (`nan`, `inf`, `-inf`), dates and
 * times in ISO form, dictionary columns as their values. Raises `IoError` `CSV_OPTIONS` for a bad
 * delimiter, `CSV_WRITE_TYPE` for a column CSV cannot hold, `CSV_NO_COLUMNS` for a table without
 * columns, and `WRITE_FAILED` when the file cannot be written.
 *
 * @example
 * await writeCsvFile(table, 'out/part-00000.csv');
 * await writeCsvFile(table, 'out/data.tsv', { delimiter: '\t' });
 */
export async function writeCsvFile(table: arrow.Table, path: string, options: WriteCsvOptions = {}): Promise<void> {
  const delimiter = options.delimiter ?? ',';
  csvDialect({ delimiter }, path); // validates the delimiter as the reader will
  const fields = table.schema.fields;
  if (fields.length === 0) {
    // A row of no fields is an empty line, which readers skip: nothing written would read back.
    throw new IoError('CSV_NO_COLUMNS', `${path}: the table has no columns, and a CSV file cannot hold rows without columns`);
  }
  const formatters = fields.map((field) => csvCellFormatter(field.type, field.name, path, delimiter));
  const header = (options.header ?? true) ? `${fields.map((field) => quoteCsvText(field.name, delimiter)).join(delimiter)}\n` : '';
  await atomicWrite(path, () => csvChunks(table, formatters, delimiter, header));
}

/**
 * The file's bytes, a chunk at a time. Each line is encoded straight into the chunk (no long
 * string is built and flattened), and a chunk is handed on before a line could overflow it.
 */
async function* csvChunks(
  table: arrow.Table, formatters: readonly CsvCellFormatter[], delimiter: string, header: string,
): AsyncGenerator<Uint8Array> {
  const out = new ChunkWriter();
  if (header !== '' && out.put(header)) yield out.take();
  for (const batch of table.batches) {
    const columns = formatters.map((_, c) => batch.getChildAt(c)!.data[0]!);
    // Columns without nulls skip the validity test, the most common case by far.
    const nullable = columns.map((data) => data.nullCount !== 0);
    for (let row = 0; row < batch.numRows; row++) {
      let line = '';
      for (let c = 0; c < columns.length; c++) {
        const data = columns[c]!;
        if (c > 0) line += delimiter;
        if (!nullable[c] || data.getValid(row)) line += formatters[c]!(data, row);
      }
      if (out.put(`${line}\n`)) yield out.take();
    }
  }
  yield* out.rest();
}

/** Encodes text into chunks of `CHUNK_BYTES`; `put` says when full chunks are waiting. */
class ChunkWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private full: Uint8Array[] = [];

  /** Adds the text; true when chunks are ready to `take`. */
  put(text: string): boolean {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (this.used > 0 && this.used + 3 * text.length > CHUNK_BYTES) {
      this.full.push(this.chunk.subarray(0, this.used));
      this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.used = 0;
    }
    if (3 * text.length > CHUNK_BYTES) this.full.push(Buffer.from(text));
    else this.used += this.chunk.write(text, this.used);
    return this.full.length > 0;
  }

  /** The full chunks, as one. */
  take(): Uint8Array {
    const chunks = this.full;
    this.full = [];
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Whatever is left, once the text has all been put. */
  *rest(): Generator<Uint8Array> {
    if (this.full.length > 0) yield this.take();
    if (this.used > 0) yield this.chunk.subarray(0, this.used);
  }
}
