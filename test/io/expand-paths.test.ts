/**
 * expandPaths on a real directory tree: plain paths, directories (recursive, hive-style
 * subdirectories, hidden and `_` entries skipped), every glob form, lists, relative paths, and
 * NOT_FOUND errors naming what was looked for.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { expandBraces, expandPaths } from '../../src/io/expand-paths.js';

const root = mkdtempSync(join(tmpdir(), 'dusk-expand-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FILES = [
  'a.parquet',
  'b.parquet',
  'c.csv',
  'x1.parquet',
  'x2.parquet',
  'xa.parquet',
  'dir/one.parquet',
  'dir/two.parquet',
  'dir/notes.txt',
  'dir/.hidden.parquet',
  'dir/_SUCCESS',
  'dir/_temporary/partial.parquet',
  'dir/_k=1/under-score.parquet',
  'dir/.part-0.parquet.tmp-abc123',
  'hive/year=2023/region=eu/p0.parquet',
  'hive/year=2023/region=us/p0.parquet',
  'hive/year=2024/region=eu/p0.parquet',
  'hive/year=2024/region=eu/p1.parquet',
  'deep/a/b/c/d.parquet',
  'odd/[x].parquet',
  'odd/é ü.parquet',
];
for (const f of FILES) {
  mkdirSync(join(root, f, '..'), { recursive: true });
  writeFileSync(join(root, f), 'x');
}
symlinkSync(join(root, 'deep'), join(root, 'deep', 'a', 'loop')); // a directory cycle
const p = (...names: string[]) => names.map((n) => join(root, n)).sort();
const expand = (pattern: string | string[]) => expandPaths(pattern, '.parquet', 'Parquet');

describe('expandPaths', () => {
  it('returns an existing file as it is, whatever its extension', () => {
    expect(expand(join(root, 'c.csv'))).toEqual(p('c.csv'));
  });

  it('expands a directory to every file with the extension below it, skipping hidden and _ entries', () => {
    expect(expand(join(root, 'dir'))).toEqual(p('dir/one.parquet', 'dir/two.parquet', 'dir/_k=1/under-score.parquet'));
    expect(expand(join(root, 'hive'))).toEqual(
      p('hive/year=2023/region=eu/p0.parquet', 'hive/year=2023/region=us/p0.parquet', 'hive/year=2024/region=eu/p0.parquet', 'hive/year=2024/region=eu/p1.parquet'),
    );
    expect(expandPaths(join(root, 'dir'), '.txt', 'text')).toEqual(p('dir/notes.txt'));
  });

  it('survives a symlink cycle in a directory walk', () => {
    expect(expand(join(root, 'deep'))).toEqual(p('deep/a/b/c/d.parquet'));
  });

  it('matches *, ? and character classes within one segment', () => {
    expect(expand(join(root, '*.parquet'))).toEqual(p('a.parquet', 'b.parquet', 'x1.parquet', 'x2.parquet', 'xa.parquet'));
    expect(expand(join(root, 'x?.parquet'))).toEqual(p('x1.parquet', 'x2.parquet', 'xa.parquet'));
    expect(expand(join(root, 'x[0-9].parquet'))).toEqual(p('x1.parquet', 'x2.parquet'));
    expect(expand(join(root, 'x[!0-9].parquet'))).toEqual(p('xa.parquet'));
    expect(expand(join(root, '[ab].parquet'))).toEqual(p('a.parquet', 'b.parquet'));
    expect(expand(join(root, 'odd', '? ü.parquet'))).toEqual(p('odd/é ü.parquet'));
  });

  it('does not let wildcards match hidden names', () => {
    expect(expand(join(root, 'dir', '*'))).toEqual(p('dir/_SUCCESS', 'dir/notes.txt', 'dir/one.parquet', 'dir/two.parquet'));
    expect(expand(join(root, 'dir', '.*.parquet'))).toEqual(p('dir/.hidden.parquet'));
  });

  it('matches ** across any number of directories, including none', () => {
    expect(expand(join(root, 'hive', '**', '*.parquet'))).toEqual(expand(join(root, 'hive')));
    expect(expand(join(root, '**', 'd.parquet'))).toEqual(p('deep/a/b/c/d.parquet'));
    expect(expand(join(root, 'deep', '**'))).toEqual(p('deep/a/b/c/d.parquet'));
    expect(expand(join(root, '**', 'a.parquet'))).toEqual(p('a.parquet'));
    expect(expand(join(root, 'hive', '*', 'region=eu', '*.parquet'))).toEqual(
      p('hive/year=2023/region=eu/p0.parquet', 'hive/year=2024/region=eu/p0.parquet', 'hive/year=2024/region=eu/p1.parquet'),
    );
  });

  it('expands braces, nested too', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('{x}')).toEqual(['{x}']);
    expect(expand(join(root, '{a,x{1,2}}.parquet'))).toEqual(p('a.parquet', 'x1.parquet', 'x2.parquet'));
  });

  it('takes an existing path literally even with glob characters, and \\ escapes them', () => {
    expect(expand(join(root, 'odd', '[x].parquet'))).toEqual(p('odd/[x].parquet'));
    expect(expand(join(root, 'od?', '\\[x\\].parquet'))).toEqual(p('odd/[x].parquet'));
  });

  it('unions a list, sorted and de-duplicated (also across relative and absolute forms)', () => {
    const rel = relative(process.cwd(), join(root, 'a.parquet'));
    const got = expand([join(root, 'b.parquet'), join(root, '[ab].parquet'), rel]);
    expect(got).toHaveLength(2);
    expect(got.map((f) => join(root, f.split('/').pop()!))).toEqual(p('a.parquet', 'b.parquet'));
  });

  it('keeps relative patterns relative', () => {
    const rel = relative(process.cwd(), root);
    expect(expand(`${rel}/x*.parquet`)).toEqual([`${rel}/x1.parquet`, `${rel}/x2.parquet`, `${rel}/xa.parquet`]);
  });

  it('throws NOT_FOUND naming the path or pattern when nothing is found', () => {
    const cases: [string | string[], RegExp][] = [
      [join(root, 'missing.parquet'), /Parquet file not found: .*missing\.parquet/],
      [join(root, 'nothing-*.parquet'), /no Parquet files match '.*nothing-\*\.parquet'/],
      [join(root, 'odd', '*.csv'), /no Parquet files match/],
      [join(root, 'missing-dir', '**', '*.parquet'), /missing-dir/],
      [[join(root, 'a.parquet'), join(root, 'gone.parquet')], /gone\.parquet/],
      [[], /empty/],
    ];
    for (const [input, message] of cases) {
      let error: unknown;
      try {
        expand(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IoError);
      expect((error as IoError).code).toBe('NOT_FOUND');
      expect((error as IoError).message).toMatch(message);
    }
    mkdirSync(join(root, 'empty-dir'));
    expect(() => expand(join(root, 'empty-dir'))).toThrow(/no Parquet files \(\*\.parquet\) under directory .*empty-dir/);
  });
});
