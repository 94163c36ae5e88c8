/**
 * Turns one column of tokenized CSV fields into Arrow data of the column's type: the one switch
 * on `CsvDType`, with a tight loop per type that reads straight from the bytes. Nulls become
 * validity bits; a value that does not parse is handed to `fail` with the dtype that would
 * read it, and the caller words the error.
 */
import * as arrow from 'apache-arrow';
import type { CsvColumn, CsvDialect, CsvDType } from './csv-options.js';
import { INT_OK, INT_RANGE, readBool, readFloat64, readInt32, readInt64 } from './parse-csv-value.js';
import { ESCAPED, fieldText, isNullField, type CsvFields } from './tokenize-csv.js';

/** Reports that field `f` does not parse; `fix` is the dtype that would read it. */
export type CsvValueFailure = (f: number, fix: CsvDType) => never;

/** The Arrow type of a CSV column. Dictionary ids are the column's index, the same in every block. */
export function csvArrowType(dtype: CsvDType, index: number): arrow.DataType {
  switch (dtype) {
    case 'int32': return new arrow.Int32();
    case 'int64': return new arrow.Int64();
    case 'float64': return new arrow.Float64();
    case 'bool': return new arrow.Bool();
    case 'string': return new arrow.Utf8();
    case 'dictionary': return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), index);
  }
}

/** The Arrow schema of a CSV file's columns (all nullable). */
export function csvArrowSchema(columns: readonly CsvColumn[]): arrow.Schema {
  return new arrow.Schema(columns.map((col, i) => new arrow.Field(col.name, csvArrowType(col.dtype, i), true)));
}

/** Builds column `c` of `fields` as Arrow data of `type` (from `csvArrowType`). */
export function buildCsvColumn(
  bytes: Uint8Array, fields: CsvFields, c: number, dtype: CsvDType, type: arrow.DataType,
  dialect: CsvDialect, fail: CsvValueFailure,
): arrow.Data {
  const { rows, ncols, starts, ends, flags } = fields;
  const validity = new Validity(rows);
  const isNull = (f: number): boolean => isNullField(bytes, starts[f]!, ends[f]!, flags[f]!, dialect);
  const length = rows;
  switch (dtype) {
    case 'int32': {
      const data = new Int32Array(rows);
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) validity.setNull(r);
        else {
          const status = readInt32(bytes, starts[f]!, ends[f]!, data, r);
          if (status !== INT_OK) fail(f, status === INT_RANGE ? 'int64' : numberFix(bytes, starts[f]!, ends[f]!));
        }
      }
      return arrow.makeData({ type: type as arrow.Int32, length, ...validity.props(), data });
    }
    case 'int64': {
      const big = new BigInt64Array(rows);
      const words = new Uint32Array(big.buffer);
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) validity.setNull(r);
        else {
          const status = readInt64(bytes, starts[f]!, ends[f]!, words, big, r);
          if (status !== INT_OK) fail(f, status === INT_RANGE ? 'float64' : numberFix(bytes, starts[f]!, ends[f]!));
        }
      }
      return arrow.makeData({ type: type as arrow.Int64, length, ...validity.props(), data: big });
    }
    case 'float64': {
      const data = new Float64Array(rows);
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) validity.setNull(r);
        else if (!readFloat64(bytes, starts[f]!, ends[f]!, data, r)) fail(f, 'string');
      }
      return arrow.makeData({ type: type as arrow.Float64, length, ...validity.props(), data });
    }
    case 'bool': {
      const data = new Uint8Array((rows + 7) >>> 3);
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) validity.setNull(r);
        else {
          const v = readBool(bytes, starts[f]!, ends[f]!);
          if (v < 0) fail(f, 'string');
          if (v === 1) data[r >>> 3]! |= 1 << (r & 7);
        }
      }
      return arrow.makeData({ type: type as arrow.Bool, length, ...validity.props(), data });
    }
    case 'string': {
      let total = 0;
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) validity.setNull(r);
        else total += ends[f]! - starts[f]!;
      }
      const data = new Uint8Array(total);
      const valueOffsets = new Int32Array(rows + 1);
      let at = 0;
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (!validity.isNull(r)) at = copyField(bytes, starts[f]!, ends[f]!, flags[f]!, dialect.quote, data, at);
        valueOffsets[r + 1] = at;
      }
      return arrow.makeData({ type: type as arrow.Utf8, length, ...validity.props(), valueOffsets, data: data.subarray(0, at) });
    }
    case 'dictionary': {
      const codes = new Int32Array(rows);
      const index = new Map<string, number>();
      const first: number[] = []; // the field where each dictionary value first appears
      for (let r = 0, f = c; r < rows; r++, f += ncols) {
        if (isNull(f)) {
          validity.setNull(r);
          continue;
        }
        const key = fieldText(bytes, starts[f]!, ends[f]!, flags[f]!, dialect.quote);
        let code = index.get(key);
        if (code === undefined) {
          code = first.length;
          index.set(key, code);
          first.push(f);
        }
        codes[r] = code;
      }
      const dictionary = buildCsvColumn(
        bytes, { rows: first.length, ncols: 1, starts: pick(starts, first), ends: pick(ends, first), flags: pick(flags, first), end: 0 },
        0, 'string', new arrow.Utf8(), { ...dialect, emptyIsNull: false, nullValues: [] }, fail,
      ) as arrow.Data<arrow.Utf8>;
      const dictType = type as arrow.Dictionary<arrow.Utf8, arrow.Int32>;
      return arrow.makeData({ type: dictType, length, ...validity.props(), data: codes, dictionary: arrow.makeVector(dictionary) });
    }
  }
}

/** What an integer column needs to read a value that is not an integer. */
function numberFix(bytes: Uint8Array, s: number, e: number): CsvDType {
  return readFloat64(bytes, s, e, new Float64Array(1), 0) ? 'float64' : 'string';
}

/** Copies a field's bytes to `out` at `at`, collapsing doubled quotes; returns the new end. */
function copyField(bytes: Uint8Array, s: number, e: number, flag: number, quote: number, out: Uint8Array, at: number): number {
  if (flag === ESCAPED) {
    for (let k = s; k < e; k++) {
      const b = bytes[k]!;
      out[at++] = b;
      if (b === quote) k++; // the second of a pair
    }
    return at;
  }
  if (e - s > 32) {
    out.set(bytes.subarray(s, e), at);
    return at + e - s;
  }
  for (let k = s; k < e; k++) out[at++] = bytes[k]!;
  return at;
}

function pick<T extends Uint32Array | Uint8Array>(array: T, at: number[]): T {
  const out = new (array.constructor as new (n: number) => T)(at.length);
  for (let i = 0; i < at.length; i++) out[i] = array[at[i]!]!;
  return out;
}

/** A validity bitmap made on the first null, so columns without nulls carry none. */
class Validity {
  private bits: Uint8Array | null = null;
  private nulls = 0;

  constructor(private readonly length: number) {}

  setNull(r: number): void {
    if (this.bits === null) this.bits = new Uint8Array((this.length + 7) >>> 3).fill(0xff);
    this.bits[r >>> 3]! &= ~(1 << (r & 7));
    this.nulls++;
  }

  isNull(r: number): boolean {
    return this.bits !== null && (this.bits[r >>> 3]! & (1 << (r & 7))) === 0;
  }

  props(): { nullCount: number; nullBitmap: Uint8Array } {
    return { nullCount: this.nulls, nullBitmap: this.bits ?? new Uint8Array(0) };
  }
}
