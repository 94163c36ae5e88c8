/**
 * unifyDictionaries: string dictionary columns whose batches have different dictionaries come
 * back on one dictionary with the same values (nulls, null dictionary entries, sliced chunks,
 * strings repeated across dictionaries), the schema unchanged; other columns untouched.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { unifyDictionaries } from '../../src/frame/unify-dictionaries.js';

const type = (): arrow.Dictionary<arrow.Utf8, arrow.Int32> => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), 7);

function chunk(t: arrow.Dictionary<arrow.Utf8, arrow.Int32>, dict: (string | null)[], codes: (number | null)[]): arrow.Data {
  const validity = new Uint8Array(Math.ceil(codes.length / 8));
  codes.forEach((c, i) => { if (c !== null) validity[i >> 3] |= 1 << (i & 7); });
  const nullCount = codes.filter((c) => c === null).length;
  return arrow.makeData({ type: t, length: codes.length, nullCount, nullBitmap: nullCount > 0 ? validity : null, data: Int32Array.from(codes, (c) => c ?? 0), dictionary: arrow.vectorFromArray(dict, new arrow.Utf8()) });
}

describe('unifyDictionaries', () => {
  it('re-codes batches on different dictionaries under one, values unchanged', () => {
    const t = type();
    const parts = [
      chunk(t, ['b', 'a', null], [0, 1, null, 2, 0]),
      chunk(t, ['a', 'c', 'b'], [2, 2, 1, 0]),
      chunk(t, ['z', 'é🦆'], [1, null, 0, 1, 1, 0, 1, 0, 1]).slice(2, 5),
    ];
    const n = arrow.vectorFromArray(Array.from({ length: 14 }, (_, i) => i), new arrow.Int32()).data[0]!;
    const word = new arrow.Vector(parts);
    const table = new arrow.Table({ word, n: new arrow.Vector([n.slice(0, 5), n.slice(5, 4), n.slice(9, 5)]) });
    expect(table.batches.map((b) => b.numRows)).toEqual([5, 4, 5]);
    const out = unifyDictionaries(table);
    expect(out.schema).toBe(table.schema);
    expect(out.getChild('word')!.toArray()).toEqual(table.getChild('word')!.toArray());
    expect(out.getChild('n')!.toArray()).toEqual(table.getChild('n')!.toArray());
    const dicts = new Set(out.batches.map((b) => b.data.children[0]!.dictionary));
    expect(dicts.size).toBe(1);
    expect([...dicts][0]!.toArray()).toEqual(['b', 'a', 'c', 'z', 'é🦆']);
    expect(out.batches.map((b) => b.data.children[1])).toEqual(table.batches.map((b) => b.data.children[1]));
  });

  it('leaves a table alone when every column is already on one dictionary', () => {
    const table = new arrow.Table({ word: new arrow.Vector([chunk(type(), ['a', 'b'], [0, 1, 1])]) });
    expect(unifyDictionaries(table)).toBe(table);
  });
});
