/**
 * The field readers: floats correctly rounded (against the engine's `Number()` on random texts
 * and against DuckDB on hard cases), and the set of accepted spellings against DuckDB's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INT_OK, readBool, readFloat64, readInt32, readInt64 } from '../../../src/io/csv/parse-csv-value.js';
import { sqlPath, useDuckDB } from '../../util/duckdb.js';
import { Random, testSeed } from '../../util/random.js';

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'dusk-csv-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const duck = useDuckDB();

function float(text: string): number | null {
  const out = new Float64Array(1);
  const bytes = enc.encode(text);
  return readFloat64(bytes, 0, bytes.length, out, 0) ? out[0]! : null;
}

function int64(text: string): bigint | null {
  const big = new BigInt64Array(1);
  const bytes = enc.encode(text);
  return readInt64(bytes, 0, bytes.length, new Uint32Array(big.buffer), big, 0) === INT_OK ? big[0]! : null;
}

function int32(text: string): number | null {
  const out = new Int32Array(1);
  const bytes = enc.encode(text);
  return readInt32(bytes, 0, bytes.length, out, 0) === INT_OK ? out[0]! : null;
}

/** DuckDB's reading of each text as `type` from a CSV file: the value, or null where it refuses. */
async function duckReads(texts: string[], type: 'DOUBLE' | 'BIGINT' | 'BOOLEAN'): Promise<unknown[]> {
  const conn = await duck.connection();
  const out: unknown[] = [];
  for (const [i, text] of texts.entries()) {
    const file = join(dir, `v${type}${i}.csv`);
    writeFileSync(file, `v\n"${text}"\n`);
    try {
      const reader = await conn.runAndReadAll(
        `SELECT v FROM read_csv(${sqlPath(file)}, header=true, auto_detect=false, quote='"', allow_quoted_nulls=false, columns={'v': '${type}'})`,
      );
      out.push(reader.getColumnsJS()[0]![0]);
    } catch {
      out.push(null);
    }
  }
  return out;
}

describe('CSV field readers', () => {
  const seed = testSeed();

  it(`floats equal Number() of the same text bit for bit (seed ${seed})`, () => {
    const rng = new Random(seed);
    const digits = (n: number) => Array.from({ length: n }, () => rng.int(0, 9)).join('');
    for (let i = 0; i < 20000; i++) {
      const sign = ['', '-', '+'][rng.int(0, 2)]!;
      const int = digits(rng.int(0, 25));
      const frac = rng.next() < 0.7 ? `.${digits(rng.int(0, 25))}` : '';
      const exp = rng.next() < 0.4 ? `${rng.next() < 0.5 ? 'e' : 'E'}${['', '-', '+'][rng.int(0, 2)]}${rng.int(0, 330)}` : '';
      const text = `${sign}${int}${frac}${exp}`;
      const want = /\d/.test(int + frac) ? Number(text) : null;
      const got = float(text);
      if (!Object.is(got, want)) expect(got, text).toBe(want);
    }
  });

  it('hard float cases match DuckDB exactly', async () => {
    const texts = [
      '0.1', '9007199254740993', '2.2250738585072011e-308', '2.2250738585072014e-308', '1.7976931348623157e308',
      '1.7976931348623158e308', '1.7976931348623159e308', '4.9406564584124654e-324', '2.4703282292062328e-324',
      '2.4703282292062327e-324', '123456789012345678901234567890', '0.000000000000000000000000000001234567890123456789',
      '8.98846567431158e307', '1e23', '5e-324', '-0.0', '3.14159265358979323846264338327950288',
    ];
    const theirs = await duckReads(texts, 'DOUBLE');
    expect(texts.map((t) => float(t))).toEqual(theirs);
    expect(Object.is(float('-0.0'), -0)).toBe(true);
  });

  it("accepts DuckDB's spellings of numbers and booleans", async () => {
    const floats = ['1', '-2.5', '1e10', '.5', '5.', '-.5', '1.e5', '1E+3', 'NaN', 'nan', 'NAN', '-nan', 'inf', '-inf', '+inf',
      'Inf', 'INFINITY', '-Infinity', '+3', ' 1.5', '1.5 ', '\t5', '.', 'e5', '1e', '1e+', '--1', '1..', 'Na N', '1,5', '1f', '1d5', 'infinit', ''];
    const theirs = (await duckReads(floats, 'DOUBLE')).map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v));
    expect(floats.map((t) => { const v = float(t); return v !== null && Number.isNaN(v) ? 'NaN' : v; })).toEqual(theirs);

    const ints = ['0', '-0', '+7', ' 42 ', '9223372036854775807', '-9223372036854775808', '9223372036854775808', 'x1', '', '-'];
    expect(ints.map((t) => int64(t))).toEqual(await duckReads(ints, 'BIGINT'));
    expect(int32('2147483647')).toBe(2147483647);
    expect(int32('2147483648')).toBeNull();

    const bools = ['true', 'FALSE', 'True', 't', 'F', 'yes', 'NO', 'y', 'n', '1', '0', 'on', ' true', 'tru', ''];
    const ours = bools.map((t) => { const b = enc.encode(t); const v = readBool(b, 0, b.length); return v < 0 ? null : v === 1; });
    expect(ours).toEqual(await duckReads(bools, 'BOOLEAN'));
  });

  it('differs from DuckDB on purpose: no digit separators, hex, or floats rounded into integer columns', async () => {
    expect(float('1_000')).toBeNull();
    expect(int64('0x10')).toBeNull();
    expect(int64('2.5')).toBeNull();
    expect(int64('1e3')).toBeNull();
    expect(await duckReads(['1_000'], 'DOUBLE')).toEqual([1000]);
    expect(await duckReads(['0x10', '2.5', '1e3'], 'BIGINT')).toEqual([16n, 3n, 1000n]);
  });
});
