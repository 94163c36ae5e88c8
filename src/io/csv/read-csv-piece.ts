/**
 * Reads one partition of a CSV dataset: only the piece's bytes come off the disk, and only the
 * asked-for columns are converted to Arrow. It takes plain data (columns, options, piece), so
 * the same call runs on the main thread and in a worker thread.
 */
import * as arrow from 'apache-arrow';
import { SchemaError } from '../../errors.js';
import type { CsvDataset, CsvPiece } from './csv-dataset.js';
import { parseCsvBlock } from './parse-csv-block.js';
import { readFileRange } from './read-file-range.js';

/**
 * The piece's records as a table of `columns`, in that order. Values that do not fit their
 * column raise `IoError` `CSV_TYPE` naming the file, line, column, byte and the `dtypes` fix;
 * a name that is not a column of the dataset raises `SchemaError` `UNKNOWN_COLUMN`.
 *
 * @example
 * const pieces = await planCsvPieces(ds);
 * const table = await readCsvPiece(ds, pieces[3]!, ['id1', 'v1']);
 */
export async function readCsvPiece(
  ds: Pick<CsvDataset, 'columns' | 'options'>, piece: CsvPiece, columns: readonly string[],
): Promise<arrow.Table> {
  const index = new Map(ds.columns.map((col, c) => [col.name, c]));
  const select = columns.map((name) => {
    const c = index.get(name);
    if (c === undefined) {
      throw new SchemaError(
        'UNKNOWN_COLUMN',
        `${piece.file}: no column ${JSON.stringify(name)}; the columns are ${ds.columns.map((col) => JSON.stringify(col.name)).join(', ')}`,
      );
    }
    return c;
  });
  const bytes = await readFileRange(piece.file, piece.start, piece.end);
  const batch = parseCsvBlock(bytes, ds.columns, { file: piece.file, byteOffset: piece.start, firstLine: piece.firstLine }, ds.options, select);
  return new arrow.Table([batch]);
}
