/**
 * The files of one writing job (toParquet, toCsv), written as the job goes under hidden names
 * beside their final places, and renamed to their final names together once every one is
 * written. A job that fails removes every file it staged: the output appears whole or not at
 * all, while each partition is written as soon as it is computed (it never waits in memory for
 * the others). Hidden names (`.dusk-staged-…`) are skipped by Dusk's readers and by DuckDB's
 * globs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IoError } from '../errors.js';

/** One staged file: where it goes, its place among the files of its directory, and its hidden name. */
export interface StagedFile {
  dir: string;
  /** Files of one directory are ranked by this at commit (a partition's number). */
  order: number;
  /** The hidden file written now, renamed at commit. */
  temp: string;
}

export class StagedFiles {
  private readonly files: StagedFile[] = [];
  private readonly writing = new Set<Promise<unknown>>();
  private readonly job = randomBytes(6).toString('hex');

  /**
   * Writes one file of the job with `write(temp)`: into `dir` (created if missing) under a hidden
   * name until `commit`. `extension` keeps the kind of file visible in the hidden name; an
   * `IoError` from `write` is rethrown with its code, prefixed by `label` and the directory.
   *
   * @example
   * await staged.stage('out', 3, '.parquet', (temp) => writeParquetFile(table, temp), 'toParquet: partition 3');
   */
  async stage(dir: string, order: number, extension: string, write: (temp: string) => Promise<void>, label = `file ${order}`): Promise<void> {
    const temp = join(dir, `.dusk-staged-${this.job}-${order}-${this.files.length}${extension}`);
    const file: StagedFile = { dir, order, temp };
    this.files.push(file);
    const done = (async () => {
      try {
        await mkdir(dir, { recursive: true });
      } catch (cause) {
        throw new IoError('WRITE_FAILED', `cannot create the directory ${dir}: ${(cause as Error).message}`, { cause });
      }
      try {
        await write(temp);
      } catch (cause) {
        // The writer names the hidden file; say which output it was.
        if (cause instanceof IoError) throw new IoError(cause.code, `${label} (into ${dir}): ${cause.message}`, { cause });
        throw cause;
      }
    })();
    this.writing.add(done);
    try {
      await done;
    } finally {
      this.writing.delete(done);
    }
  }

  /**
   * Renames every staged file to `finalPath(file, rank)`, where `rank` is its place among the
   * staged files of its directory by `order` (0, 1, ...). A rename that fails removes the files
   * not renamed yet and throws `WRITE_FAILED` naming the file.
   *
   * @example
   * await staged.commit((f, rank) => join(f.dir, `part-${String(rank).padStart(5, '0')}.parquet`));
   */
  async commit(finalPath: (file: StagedFile, rank: number) => string): Promise<void> {
    await Promise.allSettled(this.writing);
    const byDir = new Map<string, StagedFile[]>();
    for (const f of this.files) {
      let list = byDir.get(f.dir);
      if (list === undefined) byDir.set(f.dir, (list = []));
      list.push(f);
    }
    const moves: { from: string; to: string }[] = [];
    for (const list of byDir.values()) {
      list.sort((a, b) => a.order - b.order);
      list.forEach((f, rank) => moves.push({ from: f.temp, to: finalPath(f, rank) }));
    }
    for (let i = 0; i < moves.length; i++) {
      try {
        await rename(moves[i]!.from, moves[i]!.to);
      } catch (cause) {
        await Promise.all(moves.slice(i).map((m) => rm(m.from, { force: true }).catch(() => undefined)));
        throw new IoError('WRITE_FAILED', `cannot write ${moves[i]!.to}: ${(cause as Error).message}`, { cause });
      }
    }
    this.files.length = 0;
  }

  /** Removes every staged file, once the writes still running have ended (the job failed). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.writing);
    await Promise.all(this.files.map((f) => rm(f.temp, { force: true }).catch(() => undefined)));
    this.files.length = 0;
  }
}
