/** Builds Arrow vectors of every numeric dtype from plain values, with nulls, offsets and chunks. */
import * as arrow from 'apache-arrow';
import type { NumericDType } from '../../src/index.js';
import { newTypedArray } from '../../src/dtype.js';
import { arrowTypeOf } from '../../src/plan/value-type.js';

export type Value = number | bigint | null;

export const ALL_DTYPES: readonly NumericDType[] = [
  'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
];

/** One Arrow Data of `values` (null → a cleared validity bit over a zero value). */
export function makeData(dtype: NumericDType, values: readonly Value[]): arrow.Data {
  const n = values.length;
  const data = newTypedArray(dtype, n) as ArrayLike<number | bigint> & { [i: number]: number | bigint };
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  const big = dtype === 'int64' || dtype === 'uint64';
  values.forEach((v, i) => {
    if (v === null) {
      nulls++;
      return;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    data[i] = big ? BigInt(v) : Number(v);
  });
  return arrow.makeData({
    type: arrowTypeOf(dtype),
    length: n,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? bitmap : null,
    data: data as never,
  } as never);
}

export interface Layout {
  /** Chunk lengths; their sum must be the value count. Default: one chunk. */
  chunks?: number[];
  /** Build the vector with this many extra rows in front and slice them off (Arrow offset). */
  offset?: number;
}

/** A vector holding `values`, laid out as asked: sliced to a non-zero offset and/or chunked. */
export function makeVector(dtype: NumericDType, values: readonly Value[], layout: Layout = {}): arrow.Vector {
  const chunks = layout.chunks ?? [values.length];
  const datas: arrow.Data[] = [];
  let at = 0;
  for (const len of chunks) {
    const part = values.slice(at, at + len);
    at += len;
    const pad = layout.offset ?? 0;
    if (pad === 0) {
      datas.push(makeData(dtype, part));
    } else {
      const filler: Value[] = Array.from({ length: pad }, (_, i) => (i % 3 === 0 ? null : 7));
      const full = makeData(dtype, [...filler, ...part, ...filler]);
      datas.push(full.slice(pad, part.length));
    }
  }
  if (at !== values.length) throw new Error('makeVector: chunk lengths do not add up');
  return new arrow.Vector(datas);
}
