/**
 * uploadTable: every column of a multi-chunk table read back from the device in its windows
 * equals the host column in device layout (widened ints, 64-bit words, bool as u32, one
 * dictionary for the partition, validity from bit 0 of each window).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { downloadTable } from '../../src/gpu/download-table.js';
import { uploadTable, type GpuTableColumn } from '../../src/gpu/upload-table.js';
import { useClient } from '../util/gpu.js';
import { Random, testSeed } from '../util/random.js';

const t = useClient({ maxBindingSize: 4096 });
const seed = testSeed();

async function readBack(column: GpuTableColumn): Promise<{ words: Uint32Array[]; valid: boolean[] }> {
  const gpu = t.client.gpu!;
  const valid: boolean[] = [];
  const words: Uint32Array[] = [];
  for (const w of column.windows) {
    words.push(new Uint32Array(await gpu.read(w.values.buffer, 0, w.valueBytes)));
    const bits = w.validity === null ? null : new Uint8Array(await gpu.read(w.validity.buffer, 0, w.validityBytes));
    for (let i = 0; i < w.rows; i++) valid.push(bits === null ? true : ((bits[i >> 3]! >> (i & 7)) & 1) === 1);
  }
  return { words, valid };
}

function chunked(n: number, random: Random): arrow.Table {
  const parts: Record<'i8' | 'f64' | 'i64' | 'flag' | 'word', arrow.Data[]> = { i8: [], f64: [], i64: [], flag: [], word: [] };
  const dicts = [['a', 'b', 'c'], ['c', 'd', 'a', 'e']];
  const wordType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  for (let start = 0, k = 0; start < n || k === 0; k++) {
    const len = Math.min(n - start, 1 + random.int(0, 700));
    const i8 = Array.from({ length: len }, (_, i) => (i % 7 === 0 ? null : random.int(-128, 127)));
    const f64 = Array.from({ length: len }, () => (random.next() - 0.5) * 2e6);
    const i64 = Array.from({ length: len }, (_, i) => (i % 5 === 0 ? null : BigInt(random.int(-1e9, 1e9)) * 2n ** 30n));
    const flag = Array.from({ length: len }, (_, i) => (i % 11 === 0 ? null : random.int(0, 1) === 1));
    const dict = dicts[k % 2]!;
    parts.i8.push(arrow.vectorFromArray(i8, new arrow.Int8()).data[0]!);
    parts.f64.push(arrow.vectorFromArray(f64, new arrow.Float64()).data[0]!);
    parts.i64.push(arrow.vectorFromArray(i64, new arrow.Int64()).data[0]!);
    parts.flag.push(arrow.vectorFromArray(flag, new arrow.Bool()).data[0]!);
    parts.word.push(arrow.makeData({
      type: wordType,
      length: len,
      data: Int32Array.from({ length: len }, () => random.int(0, dict.length - 1)),
      dictionary: arrow.vectorFromArray(dict, new arrow.Utf8()),
    }));
    start += len;
  }
  return new arrow.Table({
    i8: new arrow.Vector(parts.i8),
    f64: new arrow.Vector(parts.f64),
    i64: new arrow.Vector(parts.i64),
    flag: new arrow.Vector(parts.flag),
    word: new arrow.Vector(parts.word),
  });
}

describe('uploadTable', () => {
  for (const [n, sliced] of [[0, false], [1, false], [255, false], [3000, false], [2000, true]] as const) {
    it(`${n} rows in several chunks${sliced ? ', sliced at odd offsets,' : ''} round-trip in shared windows (seed ${seed})`, async () => {
      const whole = chunked(sliced ? n + 60 : n, new Random(seed + n));
      const table = sliced ? whole.slice(37, 37 + n) : whole;
      const resident = uploadTable(t.client.gpu!, table, undefined, 'test');
      try {
        expect(resident.rows).toBe(n);
        // 4096-byte bindings: the 64-bit columns set the shared window at 512 rows.
        expect(resident.windowRows).toBe(512);
        for (const c of resident.columns) expect(c.windows.length).toBe(Math.max(1, Math.ceil(n / 512)));
        const rows = table.toArray().map((r) => r.toJSON() as Record<string, unknown>);
        const i8 = await readBack(resident.column('i8'));
        const f64 = await readBack(resident.column('f64'));
        const i64 = await readBack(resident.column('i64'));
        const flag = await readBack(resident.column('flag'));
        const word = await readBack(resident.column('word'));
        const layout = resident.column('word').layout;
        expect(layout.kind).toBe('dictionary');
        const dictionary = layout.kind === 'dictionary' ? layout.dictionary : [];
        // One dictionary for the partition, each string once.
        expect(new Set(dictionary).size).toBe(dictionary.length);
        const at = (words: Uint32Array[], i: number, wordsPerRow: number, k = 0): number =>
          words[Math.floor(i / 512)]![(i % 512) * wordsPerRow + k]!;
        rows.forEach((r, i) => {
          expect(i8.valid[i]).toBe(r.i8 !== null);
          if (r.i8 !== null) expect(at(i8.words, i, 1) | 0).toBe(r.i8);
          const bytes = new Float64Array(new Uint32Array([at(f64.words, i, 2, 0), at(f64.words, i, 2, 1)]).buffer);
          expect(bytes[0]).toBe(r.f64);
          expect(i64.valid[i]).toBe(r.i64 !== null);
          if (r.i64 !== null) {
            const v = new BigInt64Array(new Uint32Array([at(i64.words, i, 2, 0), at(i64.words, i, 2, 1)]).buffer)[0];
            expect(v).toBe(r.i64);
          }
          expect(flag.valid[i]).toBe(r.flag !== null);
          if (r.flag !== null) expect(at(flag.words, i, 1)).toBe(r.flag ? 1 : 0);
          expect(word.valid[i]).toBe(true);
          expect(dictionary[at(word.words, i, 1)]).toBe(r.word);
        });
        const back = await downloadTable(t.client.gpu!, resident);
        expect(back.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
        expect(back.toArray().map((r) => r.toJSON() as unknown)).toEqual(rows);
        t.countGpuCheck();
      } finally {
        resident.release();
      }
    });
  }

  it('plain strings are interned on upload and come back as Utf8', async () => {
    const part = (values: (string | null)[]) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
    const s = new arrow.Vector([part(['b', null, 'ü🦆', '']), part(['', 'b', 'c', null, 'b'])]);
    const table = new arrow.Table({ s });
    const resident = uploadTable(t.client.gpu!, table.slice(1), undefined, 'test');
    try {
      const layout = resident.column('s').layout;
      expect(layout).toMatchObject({ kind: 'dictionary', plain: true });
      expect(layout.kind === 'dictionary' ? [...layout.dictionary] : []).toEqual(['ü🦆', '', 'b', 'c']);
      const back = await downloadTable(t.client.gpu!, resident);
      expect(String(back.schema.fields[0]!.type)).toBe('Utf8');
      expect(back.getChild('s')!.toArray()).toEqual([null, 'ü🦆', '', '', 'b', 'c', null, 'b']);
      t.countGpuCheck();
    } finally {
      resident.release();
    }
  });

  it('a null dictionary entry makes its rows null; a nested column is refused by name', async () => {
    const dictData = arrow.makeData({
      type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
      length: 4,
      data: Int32Array.from([0, 1, 1, 0]),
      dictionary: arrow.vectorFromArray(['x', null], new arrow.Utf8()),
    });
    const table = new arrow.Table({ k: new arrow.Vector([dictData]), s: arrow.vectorFromArray(['p', 'q', 'r', 's'], new arrow.Utf8()) });
    const resident = uploadTable(t.client.gpu!, table, ['k'], 'test');
    try {
      expect((await readBack(resident.column('k'))).valid).toEqual([true, false, false, true]);
      t.countGpuCheck();
    } finally {
      resident.release();
    }
    const nested = new arrow.Table({ l: arrow.vectorFromArray([[1], [2, 3], [], [4]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))) });
    expect(() => uploadTable(t.client.gpu!, nested, ['l'], 'q9')).toThrow(/q9: column 'l'/);
  });
});
