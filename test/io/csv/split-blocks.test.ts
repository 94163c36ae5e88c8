/**
 * The block splitter against a byte-at-a-time reference state machine on random quoted content:
 * blocks cover the data exactly once, end on the first record boundary at or after each
 * target (also when the target is inside a quoted field), and carry the right line numbers.
 */
import { describe, expect, it } from 'vitest';
import { splitBlocks } from '../../../src/io/csv/split-blocks.js';
import { Random, testSeed } from '../../util/random.js';

const enc = new TextEncoder();
const [LF, CR, SPACE] = [10, 13, 32];

interface Reference {
  /** Record boundaries (positions after a line break outside quotes), ascending. */
  boundaries: number[];
  /** 1 for bytes inside a quoted field. */
  inside: Uint8Array;
  /** Line number at each position. */
  lineAt: Int32Array;
}

/** The quote rules spelled out one byte at a time, independent of the splitter's jumps. */
function reference(bytes: Uint8Array, delimiter: number, quote: number): Reference {
  const boundaries: number[] = [];
  const inside = new Uint8Array(bytes.length);
  const lineAt = new Int32Array(bytes.length + 1);
  let state: 'start' | 'lead' | 'plain' | 'quoted' | 'quoteSeen' = 'start';
  let line = 1;
  for (let i = 0; i < bytes.length; i++) {
    lineAt[i] = line;
    const c = bytes[i]!;
    const lineBreak = c === LF || (c === CR && bytes[i + 1] !== LF);
    if (lineBreak) line++;
    if (state === 'quoted') {
      inside[i] = 1;
      if (c === quote) state = 'quoteSeen';
      continue;
    }
    if (state === 'quoteSeen' && c === quote) {
      inside[i] = 1;
      state = 'quoted';
      continue;
    }
    if (c === delimiter) state = 'start';
    else if (lineBreak) {
      boundaries.push(i + 1);
      state = 'start';
    }
    else if (c === CR) continue; // the CR of a CRLF: the LF ends the record
    else if ((state === 'start' || state === 'lead') && c === SPACE) state = 'lead';
    else if ((state === 'start' || state === 'lead') && c === quote) state = 'quoted';
    else state = 'plain';
  }
  lineAt[bytes.length] = line;
  return { boundaries, inside, lineAt };
}

const PIECES = ['a', 'bc', ' ', ',', '|', '""', '\n', '\r\n', '\r', 'é', '😀'];

/** Random records: quoted fields full of delimiters and line breaks, literal quotes mid-field, spaces before quotes, blank lines. */
function randomContent(rng: Random, records: number, delimiter: string): string {
  const breaks = ['\n', '\r\n', '\r'];
  let text = '';
  for (let r = 0; r < records; r++) {
    const fields: string[] = [];
    for (let n = rng.int(1, 4); n > 0; n--) {
      let body = '';
      for (let k = rng.int(0, 8); k > 0; k--) body += PIECES[rng.int(0, PIECES.length - 1)];
      const kind = rng.int(0, 3);
      if (kind === 0) fields.push(`"${body}"`);
      else if (kind === 1) fields.push(`  "${body}"`);
      else if (kind === 2) fields.push(`x"${body.replace(/[\r\n,|"]/g, '')}`); // a literal quote
      else fields.push(body.replace(/[\r\n,|"]/g, '').replace(/^ +/, ''));
    }
    text += fields.join(delimiter) + breaks[rng.int(0, 2)];
    if (rng.next() < 0.05) text += '\n';
  }
  return text;
}

function expectValidPlan(bytes: Uint8Array, ref: Reference, blockBytes: number, start: number, end: number, header: boolean) {
  const plan = splitBlocks(bytes, { blockBytes, start, end, firstLine: ref.lineAt[start] }, { delimiter: ',', header });
  const first = ref.boundaries.find((b) => b > start) ?? end;
  expect(plan.headerEnd).toBe(header ? Math.min(first, end) : start);
  let at = plan.headerEnd;
  let insideTargets = 0;
  for (const block of plan.blocks) {
    expect(block.start).toBe(at);
    const target = block.start + blockBytes;
    const want = ref.boundaries.find((b) => b >= target && b <= end) ?? end;
    expect(block.end, `block from ${block.start}, target ${target}`).toBe(want);
    expect(block.firstLine).toBe(ref.lineAt[block.start]);
    if (target < end && ref.inside[target]) insideTargets++;
    at = block.end;
  }
  expect(at).toBe(end);
  return insideTargets;
}

describe('splitBlocks', () => {
  const seed = testSeed();

  it(`covers every record exactly once on random quoted content, also with targets inside quotes (seed ${seed})`, () => {
    const rng = new Random(seed);
    for (let round = 0; round < 20; round++) {
      const bytes = enc.encode(randomContent(rng, rng.int(1, 120), ','));
      const ref = reference(bytes, 44, 34);
      let insideTargets = 0;
      for (const size of [1, 2, 3, 7, 16, 50, 333, bytes.length + 1]) {
        insideTargets += expectValidPlan(bytes, ref, size, 0, bytes.length, true);
        insideTargets += expectValidPlan(bytes, ref, size, 0, bytes.length, false);
      }
      if (bytes.length > 200) expect(insideTargets).toBeGreaterThan(0);
    }
  });

  it(`splits a byte range that starts and ends on record boundaries (seed ${seed})`, () => {
    const rng = new Random(seed + 7);
    for (let round = 0; round < 20; round++) {
      const bytes = enc.encode(randomContent(rng, 80, ','));
      const ref = reference(bytes, 44, 34);
      const a = ref.boundaries[rng.int(0, ref.boundaries.length - 1)]!;
      const b = ref.boundaries[rng.int(0, ref.boundaries.length - 1)]!;
      const [start, end] = a <= b ? [a, b] : [b, a];
      for (const size of [1, 5, 40, 1000]) expectValidPlan(bytes, ref, size, start, end, false);
    }
  });

  it('a target inside a quoted field moves the boundary past the field', () => {
    const text = 'h\n"aaaa\nbbbb\ncccc"\nz\n';
    const plan = splitBlocks(enc.encode(text), { blockBytes: 4 });
    expect(plan.headerEnd).toBe(2);
    expect(plan.blocks).toEqual([
      { start: 2, end: 19, firstLine: 2 },
      { start: 19, end: 21, firstLine: 5 },
    ]);
  });

  it('skips a byte order mark, keeps CRLF whole, and gives an empty plan for a header-only file', () => {
    const bytes = enc.encode('\uFEFFa,b\r\n1,2\r\n3,4\r\n');
    const plan = splitBlocks(bytes, { blockBytes: 1 });
    expect(plan.headerStart).toBe(3);
    expect(plan.headerEnd).toBe(8);
    expect(plan.blocks.map((b) => [b.start, b.end, b.firstLine])).toEqual([[8, 13, 2], [13, 18, 3]]);
    const quotedHeader = splitBlocks(enc.encode('\uFEFF"x\ny",b\n1,2\n'), { blockBytes: 1 });
    expect([quotedHeader.headerEnd, quotedHeader.blocks]).toEqual([11, [{ start: 11, end: 15, firstLine: 3 }]]);
    expect(splitBlocks(enc.encode('a,b\n'), { blockBytes: 10 }).blocks).toEqual([]);
    expect(splitBlocks(enc.encode('a,b'), { blockBytes: 10 })).toEqual({ headerStart: 0, headerEnd: 3, blocks: [] });
  });

  it('an unterminated quote leaves the rest of the file in one block, for the parser to report', () => {
    const plan = splitBlocks(enc.encode('a\n1\n"2\n3\n4\n'), { blockBytes: 1 });
    expect(plan.blocks.map((b) => [b.start, b.end])).toEqual([[2, 4], [4, 11]]);
  });

  it('honours a custom delimiter when deciding where a quoted field starts', () => {
    const text = 'a|b\nx|"1\n2"\ny,"3\n4"|z\n';
    const bytes = enc.encode(text);
    const plan = splitBlocks(bytes, { blockBytes: 1 }, { delimiter: '|' });
    // `y,"3` is a plain field with a literal quote under '|', so its line break ends the record.
    expect(plan.blocks.map((b) => text.slice(b.start, b.end))).toEqual(['x|"1\n2"\n', 'y,"3\n', '4"|z\n']);
  });
});
