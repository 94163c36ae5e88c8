/**
 * A CSV dataset: the files behind one `readCsv` call, their sizes, the columns read from the
 * first file's header and a sample of its rows, and how the files are cut into partitions.
 *
 * Opening is synchronous and cheap (it reads the first file's beginning and every other file's
 * header line); the partition count follows from the file sizes alone; the exact cuts, which
 * need a forward scan of each file to know where quoted fields end, are found later and
 * asynchronously by `planCsvPieces`. Everything here but `schema` is plain data, so a dataset
 * can be posted to a worker as is.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type * as arrow from 'apache-arrow';
import { DuskError, IoError } from '../../errors.js';
import { parseSize } from '../../size.js';
import { expandPaths } from '../expand-paths.js';
import { csvArrowSchema } from './build-csv-column.js';
import type { CsvColumn, CsvOptions } from './csv-options.js';
import { findCsvCuts } from './find-csv-cuts.js';
import { CSV_SAMPLE_ROWS, inferCsvSchema } from './infer-schema.js';
import { readError } from './read-file-range.js';
import { findCsvHeader } from './split-blocks.js';

export interface ReadCsvOptions extends CsvOptions {
  /** Target bytes per partition: a number of bytes or a size such as `'64MB'` (default 128e6). */
  blocksize?: number | string;
}

/** The files of a CSV read and what is known of them before any data is read. */
export interface CsvDataset {
  files: string[];
  /** The byte size of each file. */
  sizes: number[];
  /** Names and types, from the first file's header and a sample of its rows. */
  columns: CsvColumn[];
  /** `csvArrowSchema(columns)`. */
  schema: arrow.Schema;
  /** The options with their defaults filled in; `dtypes` holds every column's type. */
  options: CsvOptions;
  /** Target bytes per partition. */
  blocksize: number;
}

/** One partition of a dataset: bytes `[start, end)` of `file`, whole records, from line `firstLine`. */
export interface CsvPiece {
  file: string;
  start: number;
  end: number;
  firstLine: number;
  /** The partition's number in the dataset. */
  index: number;
}

const DEFAULT_BLOCKSIZE = 128e6;
/** The first read of the first file; it doubles until it holds the sample. */
const FIRST_SAMPLE_BYTES = 1 << 20;
/** The first read of the other files, which only need their header line. */
const FIRST_HEADER_BYTES = 1 << 16;

/**
 * Opens the CSV files at a path, directory, glob or list: infers the columns from the first
 * file (reading only as much of it as 10,000 rows take) and checks that every other file's
 * header names the same columns. Raises `IoError` `NOT_FOUND` for a missing path,
 * `CSV_SCHEMA_MISMATCH` for a file whose columns differ, and the sampling errors of
 * `inferCsvSchema` (`CSV_EMPTY`, `CSV_UNKNOWN_COLUMN`, ...).
 *
 * @example
 * const ds = openCsvDataset('data/*.csv', { blocksize: '64MB', dtypes: { id1: 'dictionary' } });
 * ds.columns; // [{ name: 'id1', dtype: 'dictionary' }, { name: 'v1', dtype: 'int32' }, ...]
 */
export function openCsvDataset(pathOrGlob: string | readonly string[], options: ReadCsvOptions = {}): CsvDataset {
  const { blocksize: size, ...csvOptions } = options;
  const blocksize = parseSize(size ?? DEFAULT_BLOCKSIZE, 'blocksize');
  if (blocksize < 1) throw new DuskError('BAD_SIZE', `blocksize: '${size}' is less than one byte`);
  const files = expandPaths(pathOrGlob, '.csv', 'CSV');
  const sizes = files.map(fileSize);
  const first = files[0]!;
  const { columns } = sampleHead(first, sizes[0]!, FIRST_SAMPLE_BYTES, (bytes, truncated) => {
    if (truncated && headerCut(bytes, csvOptions, first)) return null;
    const schema = inferCsvSchema(bytes, first, csvOptions, { truncated });
    return truncated && schema.sampledRows < CSV_SAMPLE_ROWS ? null : schema;
  });
  const names = columns.map((col) => col.name);
  for (let f = 1; f < files.length; f++) {
    const other = headerNames(files[f]!, sizes[f]!, csvOptions);
    if (other !== null && (other.length !== names.length || other.some((name, c) => name !== names[c]))) {
      throw new IoError(
        'CSV_SCHEMA_MISMATCH',
        `${files[f]}: its columns ${listNames(other)} differ from the columns ${listNames(names)} of ${first}; every file of a CSV dataset needs the same columns in the same order`,
      );
    }
  }
  const resolved: CsvOptions = {
    header: csvOptions.header ?? true,
    delimiter: csvOptions.delimiter ?? ',',
    quote: csvOptions.quote ?? '"',
    nullValues: [...(csvOptions.nullValues ?? [''])],
    dtypes: Object.fromEntries(columns.map((col) => [col.name, col.dtype])),
  };
  return { files, sizes, columns, schema: csvArrowSchema(columns), options: resolved, blocksize };
}

/**
 * The number of partitions: `max(1, ceil(size / blocksize))` per file, summed. Reads nothing.
 *
 * @example
 * csvPartitionCount(openCsvDataset('a.csv', { blocksize: 100 })); // 3 for a 250-byte file
 */
export function csvPartitionCount(ds: Pick<CsvDataset, 'sizes' | 'blocksize'>): number {
  return ds.sizes.reduce((sum, size) => sum + piecesOf(size, ds.blocksize), 0);
}

/**
 * Cuts every file into its partitions, `csvPartitionCount(ds)` of them in file order: file f
 * of size s in n pieces is cut at the first record boundaries at or after `k * s / n`, and its
 * first piece starts after the header. A piece is empty (`start === end`) when a record is longer
 * than a block. Reads each file once, from the start up to its last cut, in chunks.
 *
 * @example
 * for (const piece of await planCsvPieces(ds)) await readCsvPiece(ds, piece, ['id1', 'v1']);
 */
export async function planCsvPieces(ds: Pick<CsvDataset, 'files' | 'sizes' | 'options' | 'blocksize'>): Promise<CsvPiece[]> {
  const pieces: CsvPiece[] = [];
  for (let f = 0; f < ds.files.length; f++) {
    const file = ds.files[f]!;
    const size = ds.sizes[f]!;
    const n = piecesOf(size, ds.blocksize);
    const targets = Array.from({ length: n - 1 }, (_, k) => Math.ceil(((k + 1) * size) / n));
    const { dataStart, cuts } = await findCsvCuts(file, size, targets, ds.options);
    const starts = [dataStart, ...cuts];
    for (let k = 0; k < n; k++) {
      const start = starts[k]!;
      pieces.push({ file, start: start.at, end: k + 1 < n ? starts[k + 1]!.at : size, firstLine: start.line, index: pieces.length });
    }
  }
  return pieces;
}

function piecesOf(size: number, blocksize: number): number {
  return Math.max(1, Math.ceil(size / blocksize));
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    throw readError(file, error);
  }
}

/**
 * The column names of another file of the dataset, from its first bytes; null for a file
 * without a header and without records, which has no columns to compare.
 */
function headerNames(file: string, size: number, options: CsvOptions): string[] | null {
  const header = options.header ?? true;
  const plain: CsvOptions = { ...options, dtypes: {} };
  const { names } = sampleHead(file, size, FIRST_HEADER_BYTES, (bytes, truncated) => {
    if (truncated && headerCut(bytes, plain, file)) return null;
    // Without a header, the first record's field count gives the names.
    const schema = inferCsvSchema(bytes, file, plain, { truncated, sampleRows: header ? 0 : 1 });
    if (header) return { names: schema.columns.map((col) => col.name) };
    if (schema.sampledRows === 0) return truncated ? null : { names: null };
    return { names: schema.columns.map((col) => col.name) };
  });
  return names;
}

/** True when `bytes`, the beginning of a file, may end inside its header record. */
function headerCut(bytes: Uint8Array, options: CsvOptions, file: string): boolean {
  return findCsvHeader(bytes, options, file).headerEnd >= bytes.length;
}

/**
 * Reads the beginning of `file`, `bytes` at first and twice as many each time `attempt` says
 * it is not enough (returns null), until it is or the whole file is read.
 */
function sampleHead<T>(file: string, size: number, bytes: number, attempt: (head: Uint8Array, truncated: boolean) => T | null): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw readError(file, error);
  }
  try {
    let head = new Uint8Array(0);
    for (let length = Math.min(size, bytes); ; length = Math.min(size, length * 2)) {
      const grown = new Uint8Array(length);
      grown.set(head);
      readSyncFully(fd, file, grown, head.length);
      head = grown;
      const result = attempt(head, length < size);
      if (result !== null) return result;
      // Unreachable: every `attempt` answers once it has the whole file.
      if (length >= size) throw new DuskError('INTERNAL', `${file}: the whole file was read and its sample still judged short`);
    }
  } finally {
    closeSync(fd);
  }
}

function readSyncFully(fd: number, file: string, into: Uint8Array, from: number): void {
  for (let done = from; done < into.length;) {
    let n: number;
    try {
      n = readSync(fd, into, done, into.length - done, done);
    } catch (error) {
      throw readError(file, error);
    }
    if (n === 0) throw new IoError('FILE_CHANGED', `${file}: the file ends at byte ${done}, before byte ${into.length}; it changed while it was being opened`);
    done += n;
  }
}

function listNames(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((name) => JSON.stringify(name)).join(', ');
}
