/**
 * Parses one block of a CSV file (whole records, from `splitBlocks`) into an Arrow
 * `RecordBatch` of the given columns: tokenize once, then build each column from the bytes.
 * Errors name the file, the line (counted from the top of the file, header included), the byte
 * offset and, for a value that does not fit its column, the `dtypes` entry that would read it.
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { IoError } from '../../errors.js';
import { buildCsvColumn, csvArrowSchema, type CsvValueFailure } from './build-csv-column.js';
import { csvDialect, dtypesHint, type CsvColumn, type CsvOptions } from './csv-options.js';
import { countLines } from './count-lines.js';
import { UNQUOTED, fieldText, tokenizeCsv, type CsvFields, type CsvSource } from './tokenize-csv.js';

/** Longest value text quoted in an error message. */
const SHOWN_VALUE = 60;

/**
 * Parses `bytes`, the records of one block, as `columns`. `source` says where the block sits in
 * its file: `byteOffset` of its first byte and `firstLine`, that byte's line number. `select`,
 * the indexes of the columns to build (in output order), leaves the others unconverted: their
 * values are neither checked nor copied, as DuckDB's projection pushdown does. Fields keep the
 * types (and dictionary ids) they have in `csvArrowSchema(columns)`.
 *
 * @example
 * const batch = parseCsvBlock(bytes.subarray(b.start, b.end), columns, { file, byteOffset: b.start, firstLine: b.firstLine });
 */
export function parseCsvBlock(
  bytes: Uint8Array, columns: readonly CsvColumn[], source: CsvSource, options: CsvOptions = {},
  select?: readonly number[],
): arrow.RecordBatch {
  const dialect = csvDialect(options, source.file);
  const full = csvArrowSchema(columns);
  const picked = select ?? columns.map((_, c) => c);
  const schema = select === undefined ? full : new arrow.Schema(picked.map((c) => full.fields[c]!));
  if (columns.length === 0) {
    return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, children: [] }));
  }
  const fields = tokenizeCsv(bytes, dialect, columns.length, source);
  if (picked.some((c) => columns[c]!.dtype === 'string' || columns[c]!.dtype === 'dictionary') && !isUtf8(bytes)) {
    checkUtf8(bytes, fields, columns, picked, source);
  }
  const children = picked.map((c) => {
    const col = columns[c]!;
    const fail: CsvValueFailure = (f, fix) => {
      const s = fields.starts[f]!;
      const text = fieldText(bytes, s, fields.ends[f]!, fields.flags[f]!, dialect.quote);
      const shown = text.length > SHOWN_VALUE ? `${text.slice(0, SHOWN_VALUE)}...` : text;
      const problem = fix === 'int64' || (fix === 'float64' && col.dtype === 'int64')
        ? `${JSON.stringify(shown)} does not fit in ${col.dtype}`
        : `${JSON.stringify(shown)} is not ${article(col.dtype)} ${col.dtype}`;
      throw new IoError(
        'CSV_TYPE',
        `${where(bytes, fields, f, col, source)}: ${problem}; read the column with ${dtypesHint(col.name, fix)}`,
      );
    };
    return buildCsvColumn(bytes, fields, c, col.dtype, full.fields[c]!.type as arrow.DataType, dialect, fail);
  });
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: fields.rows, nullCount: 0, children });
  return new arrow.RecordBatch(schema, data);
}

/** "file: line L, column "c" (byte B)" for field `f`; the byte is its first, its quote if quoted. */
function where(bytes: Uint8Array, fields: CsvFields, f: number, col: CsvColumn, source: CsvSource): string {
  const s = fields.starts[f]! - (fields.flags[f]! === UNQUOTED ? 0 : 1);
  const line = source.firstLine + countLines(bytes, 0, s);
  return `${source.file}: line ${line}, column ${JSON.stringify(col.name)} (byte ${source.byteOffset + s})`;
}

/** Raises `CSV_ENCODING` for the first text field of the `picked` columns that is not UTF-8. */
function checkUtf8(
  bytes: Uint8Array, fields: CsvFields, columns: readonly CsvColumn[], picked: readonly number[], source: CsvSource,
): void {
  for (let r = 0; r < fields.rows; r++) {
    for (const c of picked) {
      const col = columns[c]!;
      if (col.dtype !== 'string' && col.dtype !== 'dictionary') continue;
      const f = r * fields.ncols + c;
      if (isUtf8(bytes.subarray(fields.starts[f]!, fields.ends[f]!))) continue;
      throw new IoError('CSV_ENCODING', `${where(bytes, fields, f, col, source)}: the text is not valid UTF-8`);
    }
  }
}

function article(dtype: string): string {
  return dtype === 'int32' || dtype === 'int64' ? 'an' : 'a';
}
