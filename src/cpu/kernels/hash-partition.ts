/**
 * The split step of a hash shuffle: rows go to `parts` tables by a hash of their key VALUES, so
 * that tables split separately — the two sides of a join, the partitions of one frame split in
 * different worker threads with different interners and dictionaries — send equal keys to the
 * same part. The hash reads the key words but never depends on how wide they are or on interner
 * codes: an integer hashes as its 64-bit value (int32 5 and int64 5 alike, whatever the
 * encoding), a float as its float64 bits (-0 as 0, one NaN), a string as its UTF-8 bytes, a null
 * as a constant, so rows with null keys that distinct holds equal also meet.
 */
import type * as arrow from 'apache-arrow';
import { PlanError, SchemaError } from '../../errors.js';
import { hashPair } from './group-by/pair-map.js';
import { KeyInterner, keyEncodings, keyWords, type KeyEncoding, type KeyWords } from './key-words.js';
import { takeRows } from './take-rows.js';

const NULL_HASH = 0x5bd1e995;
const BOOL_SALT = 0x0b001;

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
 * A hash of every row's key values, the same for equal keys whatever their widths, dictionaries
 * or interner (`keys` written by `keyWords` with `encodings` and `interner`).
 *
 * @example
 * const interner = new KeyInterner();
 * const h = keyHashes(keyWords(cols, enc, interner), enc, interner);
 */
export function keyHashes(keys: KeyWords, encodings: readonly KeyEncoding[], interner: KeyInterner): Int32Array {
  const { rows, valid, nulls } = keys;
  const nullWidth = keys.nullWidth ?? 1;
  const h = new Int32Array(rows);
  const col = new Int32Array(rows);
  const strings = interner.hashes();
  let at = 0;
  encodings.forEach((enc, j) => {
    hashColumn(keys, enc, at, strings, col);
    if (valid !== null && nulls != null) {
      const word = j >> 5;
      const bit = 1 << (j & 31);
      for (let r = 0; r < rows; r++) if (valid[r] === 0 && (nulls[r * nullWidth + word]! & bit) !== 0) col[r] = NULL_HASH;
    }
    for (let r = 0; r < rows; r++) h[r] = hashPair(h[r]!, col[r]!);
    at += enc.words;
  });
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
  const h = keyHashes(keyWords(columns, enc, interner), enc, interner);
  const n = h.length;
  const part = new Uint32Array(n);
  const start = new Int32Array(parts + 1);
  for (let r = 0; r < n; r++) {
    const p = (h[r]! >>> 0) % parts;
    part[r] = p;
    start[p + 1]++;
  }
  for (let p = 0; p < parts; p++) start[p + 1] += start[p]!;
  const order = new Int32Array(n);
  const fill = start.slice(0, parts);
  for (let r = 0; r < n; r++) order[fill[part[r]!]++] = r;
  return Array.from({ length: parts }, (_, p) => takeRows(table, order.subarray(start[p]!, start[p + 1]!)));
}
