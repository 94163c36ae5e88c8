/**
 * Per-group values read back from the device as raw words (lo, hi) turned into the host
 * formats the CPU twin produces: `PlainColumn`s for pick states (strings of a dictionary as
 * plain utf8) and Arrow key columns of the same types `partialGroupBy` gives its keys.
 */
import * as arrow from 'apache-arrow';
import { newTypedArray } from '../../../dtype.js';
import type { PlainColumn } from '../../../cpu/kernels/group-by/agg-types.js';
import { gatherColumn } from '../../../cpu/kernels/group-by/gather-column.js';
import { plainToData } from '../../../cpu/kernels/group-by/plain-column.js';
import type { GpuTableColumn } from '../../upload-table.js';

/** A validity bitmap from per-group flags, or null when every group has a value. */
function bitmap(valid: ArrayLike<number>): Uint8Array | null {
  let all = true;
  const bits = new Uint8Array((valid.length + 7) >> 3);
  for (let g = 0; g < valid.length; g++) {
    if (valid[g]) bits[g >> 3] = bits[g >> 3]! | (1 << (g & 7));
    else all = false;
  }
  return all ? null : bits;
}

/**
 * The values of `column`'s device words `lo`/`hi` (one per group; `valid[g]` 0 makes group g
 * null) as a plain column of the column's host type.
 * @example
 * const picked = plainFromWords(table.column('v1'), lo, hi, valid);
 */
export function plainFromWords(column: GpuTableColumn, lo: Uint32Array, hi: Uint32Array, valid: ArrayLike<number>): PlainColumn {
  const n = lo.length;
  const validity = bitmap(valid);
  const layout = column.layout;
  if (layout.kind === 'bool') {
    const bits = new Uint8Array((n + 7) >> 3);
    for (let g = 0; g < n; g++) if (valid[g] && lo[g] !== 0) bits[g >> 3] = bits[g >> 3]! | (1 << (g & 7));
    return { type: 'bool', length: n, validity, values: bits, offsets: null };
  }
  if (layout.kind === 'dictionary') {
    const encoder = new TextEncoder();
    const parts = Array.from(lo, (code, g) => (valid[g] ? encoder.encode(layout.dictionary[code] ?? '') : new Uint8Array(0)));
    const offsets = new Int32Array(n + 1);
    parts.forEach((p, g) => (offsets[g + 1] = offsets[g]! + p.length));
    const bytes = new Uint8Array(offsets[n]!);
    parts.forEach((p, g) => bytes.set(p, offsets[g]!));
    return { type: 'utf8', length: n, validity, values: bytes, offsets };
  }
  const dtype = layout.dtype;
  const values = newTypedArray(dtype, n);
  if (dtype === 'int64' || dtype === 'uint64' || dtype === 'float64') {
    const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
    for (let g = 0; g < n; g++) {
      words[2 * g] = lo[g]!;
      words[2 * g + 1] = hi[g]!;
    }
  } else if (dtype === 'int32' || dtype === 'uint32' || dtype === 'float32') {
    new Uint32Array(values.buffer, values.byteOffset, n).set(lo);
  } else {
    // Narrow integers were widened on upload: the low bits hold the value.
    const narrow = values as Int8Array;
    for (let g = 0; g < n; g++) narrow[g] = lo[g]!;
  }
  return { type: dtype, length: n, validity, values, offsets: null };
}

/**
 * A key column of `groups` rows from its words: numbers and bools in their own type, a
 * dictionary column as Dictionary<Utf8, Int32> over the keys' own strings, in order of first
 * group (what `partialGroupBy` gives for the same input).
 * @example
 * const data = keyData(table.column('id1'), lo, hi, isNull);
 */
export function keyData(column: GpuTableColumn, lo: Uint32Array, hi: Uint32Array, isNull: Uint8Array): arrow.Data {
  const valid = Uint8Array.from(isNull, (x) => 1 - x);
  // Plain string keys (interned on upload) come back as Utf8, as the CPU twin gives them.
  if (column.layout.kind !== 'dictionary' || column.layout.plain === true) return plainToData(plainFromWords(column, lo, hi, valid));
  const n = lo.length;
  const validity = bitmap(valid);
  const codes = new Int32Array(lo.buffer, lo.byteOffset, n);
  const data = arrow.makeData({
    type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    length: n,
    nullCount: validity === null ? 0 : valid.reduce((a, v) => a + 1 - v, 0),
    nullBitmap: validity ?? new Uint8Array(0),
    data: codes,
    dictionary: arrow.vectorFromArray(column.layout.dictionary as (string | null)[], new arrow.Utf8()),
  });
  return gatherColumn([data], { kind: 'dict' }, Int32Array.from({ length: n }, (_, g) => g));
}
