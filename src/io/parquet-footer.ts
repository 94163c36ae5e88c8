/**
 * Reads a Parquet file's footer (its FileMetaData) without reading any data: the schema's leaf
 * columns, the row groups, and each column chunk's statistics (min, max, null count). The
 * planner uses the statistics to skip row groups a predicate cannot match; parquet-wasm does
 * not expose them, so the footer is decoded here (Thrift compact protocol).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { IoError } from '../errors.js';
import { CompactReader, ThriftDecodeError, type ThriftStruct, type ThriftValue } from './thrift-compact.js';

export type ParquetPhysicalType =
  | 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';

const PHYSICAL: readonly ParquetPhysicalType[] = [
  'BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY',
];
const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
/** Converted types (the older annotations) that matter for reading statistics. */
const CONVERTED_UTF8 = 0;
const CONVERTED_DECIMAL = 5;
const CONVERTED_UNSIGNED = new Set([11, 12, 13, 14]);

/** A statistics value: numbers for INT32/FLOAT/DOUBLE, bigint for INT64, strings for UTF-8. */
export type StatValue = number | bigint | string | boolean;

export interface ParquetLeaf {
  /** Dotted path of the column (its name for a flat schema). */
  path: string;
  physicalType: ParquetPhysicalType;
  /** True when the column may hold nulls (repetition OPTIONAL). */
  optional: boolean;
  /** True for unsigned integer annotations (their statistics compare unsigned). */
  unsigned: boolean;
  /** True for UTF-8 strings (their statistics are strings, ordered bytewise). */
  utf8: boolean;
  /** True where min/max cannot be compared as plain values (decimals, INT96, fixed-length bytes). */
  opaque: boolean;
}

export interface ParquetColumnChunk {
  path: string;
  codec: string;
  numValues: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Null count from the statistics, null when the writer did not record it. */
  nullCount: number | null;
  /** Minimum and maximum, null when not recorded or not comparable. */
  min: StatValue | null;
  max: StatValue | null;
}

export interface ParquetRowGroup {
  numRows: number;
  totalByteSize: number;
  columns: ParquetColumnChunk[];
}

export interface ParquetFooter {
  file: string;
  numRows: number;
  createdBy: string | null;
  columns: ParquetLeaf[];
  rowGroups: ParquetRowGroup[];
}

const MAGIC = 0x31524150; // "PAR1", little-endian

function fail(file: string, problem: string, cause?: unknown): never {
  throw new IoError('PARQUET_FOOTER', `${file}: ${problem}`, cause === undefined ? {} : { cause });
}

/** Reads and decodes the footer of the Parquet file at `file` (synchronous: a few KiB). */
export function readParquetFooter(file: string): ParquetFooter {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new IoError(code === 'ENOENT' ? 'NOT_FOUND' : 'READ_FAILED', `${file}: cannot open (${code ?? String(cause)})`, { cause });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 12) fail(file, `only ${size} bytes: too small to be a Parquet file`);
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.readUInt32LE(4) !== MAGIC) fail(file, 'does not end with PAR1: not a Parquet file, or truncated');
    const length = tail.readUInt32LE(0);
    if (length + 12 > size) fail(file, `footer length ${length} is larger than the file (${size} bytes): truncated or corrupt`);
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    if (head.readUInt32LE(0) !== MAGIC) fail(file, 'does not start with PAR1: not a Parquet file');
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, size - 8 - length);
    return decodeParquetFooter(new Uint8Array(bytes.buffer, bytes.byteOffset, length), file);
  } finally {
    closeSync(fd);
  }
}

function num(v: ThriftValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function struct(v: ThriftValue | undefined): ThriftStruct | null {
  return v instanceof Map ? v : null;
}

function list(v: ThriftValue | undefined): ThriftValue[] {
  return Array.isArray(v) ? v : [];
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function text(v: ThriftValue | undefined): string | null {
  return v instanceof Uint8Array ? utf8.decode(v) : null;
}

/** Decodes FileMetaData bytes; `file` is named in errors. */
export function decodeParquetFooter(bytes: Uint8Array, file: string): ParquetFooter {
  let meta: ThriftStruct;
  try {
    meta = new CompactReader(bytes).struct();
  } catch (cause) {
    if (cause instanceof ThriftDecodeError) fail(file, `corrupt footer: ${cause.message}`, cause);
    throw cause;
  }
  const columns = leaves(list(meta.get(2)), file);
  const byPath = new Map(columns.map((c) => [c.path, c]));
  const rowGroups = list(meta.get(4)).map((rg, g) => {
    const group = struct(rg) ?? fail(file, `row group ${g} is not a struct`);
    return {
      numRows: num(group.get(3)) ?? 0,
      totalByteSize: num(group.get(2)) ?? 0,
      columns: list(group.get(1)).map((cc) => chunk(struct(cc), byPath, file, g)),
    };
  });
  return {
    file,
    numRows: num(meta.get(3)) ?? fail(file, 'footer has no row count'),
    createdBy: text(meta.get(6)),
    columns,
    rowGroups,
  };
}

/** The leaf columns of a flattened schema (a depth-first list with num_children). */
function leaves(schema: ThriftValue[], file: string): ParquetLeaf[] {
  const out: ParquetLeaf[] = [];
  let i = 1; // element 0 is the root
  const walk = (prefix: string[], count: number): void => {
    for (let k = 0; k < count; k++) {
      const el = struct(schema[i++]) ?? fail(file, 'schema element is not a struct');
      const name = text(el.get(4)) ?? fail(file, 'schema element without a name');
      const children = num(el.get(5));
      if (children !== null && children > 0) {
        walk([...prefix, name], children);
        continue;
      }
      const typeId = num(el.get(1));
      const physicalType = PHYSICAL[typeId ?? -1] ?? fail(file, `column '${name}' has unknown physical type ${typeId}`);
      const converted = num(el.get(6));
      const logical = struct(el.get(10));
      const intType = struct(logical?.get(10));
      const unsigned = (converted !== null && CONVERTED_UNSIGNED.has(converted)) || intType?.get(2) === false;
      const isString = converted === CONVERTED_UTF8 || logical?.has(1) === true;
      const isDecimal = converted === CONVERTED_DECIMAL || logical?.has(5) === true;
      out.push({
        path: [...prefix, name].join('.'),
        physicalType,
        optional: num(el.get(3)) === 1,
        unsigned,
        utf8: isString,
        opaque: isDecimal || physicalType === 'INT96' || physicalType === 'FIXED_LEN_BYTE_ARRAY' || (physicalType === 'BYTE_ARRAY' && !isString),
      });
    }
  };
  const root = struct(schema[0]);
  if (root === null) fail(file, 'footer has no schema');
  walk([], num(root.get(5)) ?? 0);
  return out;
}

function statValue(bytes: ThriftValue | undefined, leaf: ParquetLeaf): StatValue | null {
  if (!(bytes instanceof Uint8Array) || leaf.opaque) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (leaf.physicalType) {
    case 'BOOLEAN':
      return bytes.length >= 1 ? bytes[0] !== 0 : null;
    case 'INT32':
      if (bytes.length !== 4) return null;
      return leaf.unsigned ? view.getUint32(0, true) : view.getInt32(0, true);
    case 'INT64':
      if (bytes.length !== 8) return null;
      return leaf.unsigned ? view.getBigUint64(0, true) : view.getBigInt64(0, true);
    case 'FLOAT':
      return bytes.length === 4 ? view.getFloat32(0, true) : null;
    case 'DOUBLE':
      return bytes.length === 8 ? view.getFloat64(0, true) : null;
    case 'BYTE_ARRAY':
      return utf8.decode(bytes);
    default:
      return null;
  }
}

function chunk(cc: ThriftStruct | null, byPath: Map<string, ParquetLeaf>, file: string, group: number): ParquetColumnChunk {
  const meta = struct(cc?.get(3)) ?? fail(file, `row group ${group}: a column chunk has no metadata`);
  const path = list(meta.get(3)).map((p) => text(p) ?? '').join('.');
  const leaf = byPath.get(path) ?? fail(file, `row group ${group}: column chunk '${path}' is not in the schema`);
  const stats = struct(meta.get(12));
  // min_value/max_value (fields 6/5) are in the column's sort order. The older min/max (2/1)
  // are signed-bytewise, right only for signed numbers: used for those alone.
  const legacyOk = !leaf.unsigned && leaf.physicalType !== 'BYTE_ARRAY';
  const min = statValue(stats?.get(6) ?? (legacyOk ? stats?.get(2) : undefined), leaf);
  const max = statValue(stats?.get(5) ?? (legacyOk ? stats?.get(1) : undefined), leaf);
  const usable = !(typeof min === 'number' && Number.isNaN(min)) && !(typeof max === 'number' && Number.isNaN(max));
  return {
    path,
    codec: CODECS[num(meta.get(4)) ?? -1] ?? 'UNKNOWN',
    numValues: num(meta.get(5)) ?? 0,
    uncompressedBytes: num(meta.get(6)) ?? 0,
    compressedBytes: num(meta.get(7)) ?? 0,
    nullCount: num(stats?.get(3)),
    min: usable ? min : null,
    max: usable ? max : null,
  };
}
