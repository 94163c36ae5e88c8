/**
 * The streaming cut finder against the in-memory splitter: for every target byte of small
 * nasty files, read in chunks of 1 to 7 bytes (so that every quote, doubled quote, CRLF and
 * blank run falls across a chunk edge somewhere), and for random files in random chunk sizes,
 * the cut and its line number must be the splitter's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvOptions } from '../../../src/io/csv/csv-options.js';
import { findCsvCuts } from '../../../src/io/csv/find-csv-cuts.js';
import { Random, testSeed } from '../../util/random.js';
import { cutOracle } from './cut-oracle.js';
import { randomCsv } from './random-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'dusk-csv-cuts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const seed = testSeed();
let fileNo = 0;

function write(text: string | Uint8Array): { file: string; bytes: Uint8Array } {
  const file = join(dir, `f${fileNo++}.csv`);
  writeFileSync(file, text);
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return { file, bytes };
}

/** Finds the cuts for `targets` in each chunk size and compares them with the splitter's. */
async function expectCuts(text: string | Uint8Array, options: CsvOptions, targets: number[], chunkSizes: number[]): Promise<void> {
  const { file, bytes } = write(text);
  const oracle = cutOracle(bytes, options);
  const want = targets.map((t) => {
    const at = oracle.cutAt(t);
    return { at, line: oracle.lineAt(at) };
  });
  for (const chunk of chunkSizes) {
    const got = await findCsvCuts(file, bytes.length, targets, options, chunk);
    const what = `${JSON.stringify(new TextDecoder().decode(bytes).slice(0, 80))} in ${chunk}-byte chunks`;
    expect(got.headerStart, what).toBe(oracle.headerStart);
    expect(got.dataStart, what).toEqual({ at: oracle.dataStart, line: oracle.lineAt(oracle.dataStart) });
    expect(got.cuts, what).toEqual(want);
  }
}

const everyByte = (n: number): number[] => Array.from({ length: n + 1 }, (_, i) => i);
const SMALL_CHUNKS = [1, 2, 3, 4, 5, 7, 1 << 20];

describe('findCsvCuts', () => {
  const nasty: [string, string, CsvOptions][] = [
    ['quoted line breaks and doubled quotes', 'id,note\n1,"a\nb"\n2,"say ""hi""\r\nthere"\n3,""""\n4,"x""\n""y"\n', {}],
    ['blanks before an opening quote, literal quotes mid-field', 'a,b\n  "q,\n", 1\nab"c,"d\n"\nx""y,"z"  \n', {}],
    ['CRLF, lone CR and blank lines', 'a,b\r\n1,2\r\n\r\n3,"4\r"\r5,6\r\n\n\r7,8', {}],
    ['no header, no trailing line break', '1,"x\ny"\n2,z', { header: false }],
    ['a space delimiter', 'a b\n "x y" 1\nz  "q\n"\n', { delimiter: ' ' }],
    ['a header only', 'name,"quoted\nheader"', {}],
    ['an unterminated quote', 'a,b\n1,2\n3,"never closed\n4,5\n', {}],
    ['a one-column file with empty lines', 'a\n1\n\n\n"2\n"\n', {}],
    ['an empty file', '', {}],
    ['an empty file without a header', '', { header: false }],
  ];
  for (const [what, text, options] of nasty) {
    it(`${what}: every target, chunks of 1 to 7 bytes`, async () => {
      const n = new TextEncoder().encode(text).length;
      await expectCuts(text, options, everyByte(n), SMALL_CHUNKS);
    });
  }

  it('a byte order mark is skipped, with and without a header', async () => {
    const bom = '\uFEFF';
    for (const options of [{}, { header: false }]) {
      for (const text of [`${bom}a,b\n1,"2\n"\n`, `${bom}"x",y\n`, bom, `${bom}a`]) {
        const n = new TextEncoder().encode(text).length;
        await expectCuts(text, options, everyByte(n), SMALL_CHUNKS);
      }
    }
  });

  it('targets past a file whose last chunk ends in a CR or a quote', async () => {
    await expectCuts('a,b\n1,2\r', {}, everyByte(8), [1, 2, 3, 8]);
    await expectCuts('a,b\n1,"2"', {}, everyByte(9), [1, 2, 9]);
  });

  it(`random files, random targets and chunk sizes (seed ${seed})`, async () => {
    const rng = new Random(seed);
    for (let round = 0; round < 12; round++) {
      const delimiter = [',', ';', '|', '\t'][rng.int(0, 3)]!;
      const newline = (['\n', '\r\n', '\r'] as const)[rng.int(0, 2)]!;
      const header = rng.next() < 0.8;
      const text = randomCsv(rng, {
        rows: rng.int(0, 300), kinds: ['text', 'int32', 'category', 'float'], delimiter, newline, header,
        trailingNewline: rng.next() < 0.7,
      });
      const n = new TextEncoder().encode(text).length;
      const targets = Array.from({ length: rng.int(0, 40) }, () => rng.int(0, n)).sort((a, b) => a - b);
      const chunks = [rng.int(1, 16), rng.int(17, 400), 1 << 20];
      await expectCuts(text, { delimiter, header }, targets, chunks);
    }
  });

  it('stops reading once the last target is placed, and reports a file shorter than its size', async () => {
    const text = `a,b\n${'1,2\n'.repeat(100)}`;
    const { file, bytes } = write(text);
    // Told the file is a megabyte longer than it is: only a read past its end could notice.
    const got = await findCsvCuts(file, bytes.length + (1 << 20), [10, 50], {}, 16);
    expect(got.cuts).toEqual([{ at: 12, line: 4 }, { at: 52, line: 14 }]);
    await expect(findCsvCuts(file, bytes.length + (1 << 20), [bytes.length + 10], {}, 16)).rejects.toMatchObject({ code: 'FILE_CHANGED' });
  });
});
