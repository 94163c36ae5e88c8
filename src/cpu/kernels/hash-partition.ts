/**
 * The split step of a hash shuffle: rows go to `parts` tables by a hash of their key VALUES, so
 * that tables split separately — the two sides of a join, the partitions of one frame split in
 * different worker threads with different interners and dictionaries — send equal keys to the
 * same part. The hash reads the key words but never depends on how wide they are or on interner
 * codes: an integer hashes as its 64-bit value (int32 5 and int64 5 alike, whatever the
 * encoding), a float as its float64 bits (-0 as 0, one NaN), a string as its UTF-8 bytes, a null
 * as a constant, so rows with null keys that distinct holds equal also meet. Numeric key
 * columns are hashed straight from their values (the words they would write, unwritten); the
 * rows are then scattered to their parts in one pass per column (`scatterRows`), their
 * fixed-width columns written in shared memory.
 */
import type * as arrow from 'apache-arrow';
import { numericDType, type NumericDType } from '../../dtype.js';
import { PlanError, SchemaError } from '../../errors.js';
import { numericValues, validityOf, words64 } from './group-by/column-kind.js';
import type { SmallInts } from './group-by/encode-column.js';
import { hashPair } from './group-by/pair-map.js';
import { KeyInterner, keyEncodings, keyWords, type KeyEncoding, type KeyWords } from './key-words.js';
import { scatterRows } from './scatter-rows.js';

const NULL_HASH = 0x5bd1e995;
const BOOL_SALT = 0x0b001;
const NAN_HI = 0x7ff80000;

/** out[r] ← the hash of one column's value in row r (the column's words start at word `at`). */
function hashColumn(keys: KeyWords, enc: KeyEncoding, at: number, strings: Int32Array, out: Int32Array): void {
  const { rows, width, words } = keys;
  switch (enc.kind) {
    case 'i32':
      for (let r = 0; r < rows; r++) {
        const w = words[r * width + at]! | 0;
        out[r] = hashPair(w, w >> 31);
      }
      return;
    case 'u32':
      for (let r = 0; r < rows; r++) out[r] = hashPair(words[r * width + at]!, 0);
      return;
    case 'i64':
    case 'i96':
    case 'f64':
      // i96's sign word only keeps uint64 2^64 - 1 apart from -1; they may share a part.
      for (let r = 0; r < rows; r++) out[r] = hashPair(words[r * width + at]!, words[r * width + at + 1]!);
      return;
    case 'string':
      // A null string row holds code 0, which may not exist yet; its hash is replaced anyway.
      for (let r = 0; r < rows; r++) out[r] = strings[words[r * width + at]!] ?? 0;
      return;
    case 'bool':
      for (let r = 0; r < rows; r++) out[r] = hashPair(words[r * width + at]!, BOOL_SALT);
      return;
    case 'raw':
      for (let r = 0; r < rows; r++) {
        let v = 0;
        for (let k = 0; k < enc.words; k++) v = hashPair(v, words[r * width + at + k]!);
        out[r] = v;
      }
  }
}

/**
 * out[start + i] ← the hash of row i of a numeric chunk, read from its values: what hashColumn
 * gives for the words keyWords would write (an integer as its 64-bit value, a float as its
 * float64 bits with -0 as 0 and one NaN). Null rows get a hash too; the caller replaces it.
 */
function hashNumericChunk(d: arrow.Data, dtype: NumericDType, start: number, out: Int32Array): void {
  const n = d.length;
  if (dtype === 'int64' || dtype === 'uint64') {
    const { lo } = words64(d, false);
    for (let i = 0; i < n; i++) out[start + i] = hashPair(lo[2 * i]!, lo[2 * i + 1]!);
  } else if (dtype === 'float64' || dtype === 'float32') {
    const v = numericValues(d) as Float64Array | Float32Array;
    const f = new Float64Array(1);
    const bits = new Uint32Array(f.buffer);
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (x !== x) out[start + i] = hashPair(0, NAN_HI);
      else {
        f[0] = x + 0;
        out[start + i] = hashPair(bits[0]!, bits[1]!);
      }
    }
  } else {
    const v = numericValues(d) as SmallInts;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      out[start + i] = hashPair(x, x < 0 ? -1 : 0);
    }
  }
}

/** out[r] ← the hash of key column `column`'s value in row r (NULL_HASH for a null). */
function columnHashes(column: arrow.Vector, enc: KeyEncoding, interner: KeyInterner, out: Int32Array): void {
  const dtype = numericDType(column.type);
  if (dtype === null || enc.kind === 'raw') {
    // Strings, booleans, dates...: through their key words.
    const keys = keyWords([column], [enc], interner);
    hashColumn(keys, enc, 0, interner.hashes(), out);
    const { valid } = keys;
    if (valid !== null) for (let r = 0; r < out.length; r++) if (valid[r] === 0) out[r] = NULL_HASH;
    return;
  }
  let start = 0;
  for (const d of column.data as arrow.Data[]) {
    hashNumericChunk(d, dtype, start, out);
    const bits = validityOf(d);
    if (bits !== null) {
      for (let i = 0; i < d.length; i++) {
        const at = d.offset + i;
        if (((bits[at >> 3]! >> (at & 7)) & 1) === 0) out[start + i] = NULL_HASH;
      }
    }
    start += d.length;
  }
}

/**
 * A hash of every row's key values (`columns`, written as `encodings` say), the same for equal
 * keys whatever their widths, dictionaries or interner; a null hashes as a constant.
 *
 * @example
 * const h = keyHashes([orders.getChild('customer_id')!], [{ kind: 'i64', words: 2 }], new KeyInterner());
 */
export function keyHashes(columns: readonly arrow.Vector[], encodings: readonly KeyEncoding[], interner: KeyInterner): Int32Array {
  const rows = columns[0]?.length ?? 0;
  const h = new Int32Array(rows);
  if (columns.length === 0) return h;
  // The first column hashes into h itself (combined with the 0 every row starts from).
  columnHashes(columns[0]!, encodings[0]!, interner, h);
  for (let r = 0; r < rows; r++) h[r] = hashPair(0, h[r]!);
  if (columns.length === 1) return h;
  const col = new Int32Array(rows);
  for (let j = 1; j < columns.length; j++) {
    columnHashes(columns[j]!, encodings[j]!, interner, col);
    for (let r = 0; r < rows; r++) h[r] = hashPair(h[r]!, col[r]!);
  }
  return h;
}

/**
 * Splits `table` into `parts` tables by the hash of its `keys` columns' values; rows keep their
 * order within each part. `encodings` (default: the keys' own) lets a join split both sides with
 * the encodings of the pair; equal keys reach the same part either way. Rows whose keys are
 * equal with nulls counted as equal (as distinct counts them) also share a part.
 *
 * @example
 * const [p0, p1, p2, p3] = hashPartition(orders, ['customer_id'], 4);
 * const sameParts = hashPartition(customers, ['id'], 4); // customer_id = id meet in part k of both
 */
export function hashPartition(
  table: arrow.Table, keys: readonly string[], parts: number, encodings?: readonly KeyEncoding[], interner: KeyInterner = new KeyInterner(),
): arrow.Table[] {
  if (!Number.isInteger(parts) || parts < 1) throw new PlanError('BAD_PARTS', `hashPartition: parts must be a positive integer, got ${parts}`);
  const columns = keys.map((name) => {
    const column = table.getChild(name);
    if (column === null) {
      throw new SchemaError('UNKNOWN_COLUMN', `hashPartition: no column '${name}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
    }
    return column;
  });
  if (parts === 1) return [table];
  const types = columns.map((c) => c.type);
  const enc = encodings ?? keyEncodings(types, types, { left: keys, right: keys });
  const h = keyHashes(columns, enc, interner);
  // The part is the hash's place in [0, 2^32) scaled to [0, parts): a multiply, where `%` of an
  // unsigned 32-bit value is a float remainder in JavaScript (a call per row).
  const scale = parts / 2 ** 32;
  // Each row's part, over its hash (read just before), and the rows of each part.
  const part = new Uint32Array(h.buffer, h.byteOffset, h.length);
  const sizes = new Int32Array(parts);
  for (let r = 0; r < h.length; r++) {
    const p = Math.floor((h[r]! >>> 0) * scale);
    part[r] = p;
    sizes[p]++;
  }
  // In shared memory: a shuffle's pieces go to another thread next (the bucket task's).
  return scatterRows(table, part, parts, { shared: true, sizes });
}
