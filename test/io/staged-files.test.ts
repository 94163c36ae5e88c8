/**
 * StagedFiles: files are written under hidden names, ranked per directory and renamed together
 * at commit; abort (a failed job) removes every staged file, also one still being written; a
 * writer's IoError keeps its code and says which output it was.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IoError } from '../../src/index.js';
import { StagedFiles } from '../../src/io/staged-files.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'dusk-staged-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (t: string) => (temp: string): Promise<void> => {
  writeFileSync(temp, t);
  return Promise.resolve();
};

/** Every entry under `root`, relative, sorted (hidden ones included). */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

describe('StagedFiles', () => {
  it('keeps files hidden until commit, then names them by rank in their directory', async () => {
    const staged = new StagedFiles();
    // Out of order, as partitions finish; directory b gets orders 7 and 2 only.
    await staged.stage(join(dir, 'a'), 5, '.txt', text('a5'));
    await staged.stage(join(dir, 'b'), 7, '.txt', text('b7'));
    await staged.stage(join(dir, 'a'), 0, '.txt', text('a0'));
    await staged.stage(join(dir, 'b'), 2, '.txt', text('b2'));
    expect(tree(dir).filter((p) => !p.includes('.dusk-staged-') && p.includes('.txt'))).toEqual([]);
    expect(tree(dir).filter((p) => p.includes('.dusk-staged-'))).toHaveLength(4);
    await staged.commit((f, rank) => join(f.dir, `part-${rank}.txt`));
    expect(tree(dir)).toEqual(['a', 'a/part-0.txt', 'a/part-1.txt', 'b', 'b/part-0.txt', 'b/part-1.txt']);
    expect(['a/part-0.txt', 'a/part-1.txt', 'b/part-0.txt', 'b/part-1.txt'].map((p) => readFileSync(join(dir, p), 'utf8'))).toEqual(['a0', 'a5', 'b2', 'b7']);
  });

  it('abort removes every staged file, waiting for a write still running', async () => {
    const staged = new StagedFiles();
    await staged.stage(dir, 0, '.txt', text('zero'));
    let finish = (): void => {};
    let started = (): void => {};
    const writing = new Promise<void>((resolve) => { started = resolve; });
    const slow = staged.stage(dir, 1, '.txt', async (temp) => {
      const release = new Promise<void>((resolve) => { finish = resolve; });
      started();
      await release;
      writeFileSync(temp, 'late');
    });
    await writing;
    const aborted = staged.abort();
    finish();
    await Promise.all([slow, aborted]);
    expect(tree(dir)).toEqual([]);
  });

  it("a writer's IoError keeps its code and names the output and directory; nothing is left after abort", async () => {
    const staged = new StagedFiles();
    const error = await staged.stage(join(dir, 'x'), 3, '.csv', () => Promise.reject(new IoError('CSV_NO_COLUMNS', 'no columns')), 'toCsv: partition 3')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IoError);
    expect(error).toMatchObject({ code: 'CSV_NO_COLUMNS' });
    expect((error as Error).message).toBe(`toCsv: partition 3 (into ${join(dir, 'x')}): no columns`);
    await staged.abort();
    expect(tree(join(dir, 'x'))).toEqual([]);
  });

  it('a directory that cannot be made is WRITE_FAILED naming it', async () => {
    writeFileSync(join(dir, 'file'), 'in the way');
    const staged = new StagedFiles();
    await expect(staged.stage(join(dir, 'file', 'sub'), 0, '.txt', text('x'))).rejects.toMatchObject({ code: 'WRITE_FAILED', message: expect.stringContaining(join(dir, 'file', 'sub')) as unknown });
  });

  it('a rename that fails at commit removes the files not renamed yet', async () => {
    const staged = new StagedFiles();
    await staged.stage(dir, 0, '.txt', text('zero'));
    await staged.stage(dir, 1, '.txt', text('one'));
    // The second file's final name is a non-empty directory: rename cannot replace it.
    mkdirSync(join(dir, 'part-1.txt', 'inside'), { recursive: true });
    const error = await staged.commit((f, rank) => join(f.dir, `part-${rank}.txt`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WRITE_FAILED' });
    expect((error as Error).message).toContain('part-1.txt');
    expect(existsSync(join(dir, 'part-0.txt'))).toBe(true);
    expect(tree(dir).filter((p) => p.includes('.dusk-staged-'))).toEqual([]);
  });
});
