/**
 * toParquet / toCsv: one file per partition (`part-00000.parquet`, ...; with `partitionOn`,
 * hive-style `col=value/` directories numbered per directory, the partition columns not repeated
 * inside). Each partition is written as soon as its task finishes, so the output never gathers
 * in memory whole; the files are staged under hidden names and renamed together at the end
 * (`StagedFiles`), so a failed job leaves no file, whole or half-written.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { IoError, PlanError } from '../errors.js';
import { writeCsvFile } from '../io/csv/write-csv-file.js';
import { splitForHive, writeParquetFile } from '../io/parquet/write-parquet-file.js';
import { StagedFiles } from '../io/staged-files.js';
import type { PlanNode } from '../plan/logical-plan.js';
import { computePartitions } from './compute-plan.js';
import { checkColumn } from './verbs/schema-of.js';

export type ParquetCompression = 'snappy' | 'zstd' | 'uncompressed';

export interface ToParquetOptions {
  /** Columns whose values name hive-style directories. */
  partitionOn?: string[];
  /** Default 'snappy'. */
  compression?: ParquetCompression;
}

function part(n: number): string {
  return `part-${String(n).padStart(5, '0')}`;
}

export async function toParquet(plan: PlanNode, dir: string, options: ToParquetOptions = {}): Promise<void> {
  const partitionOn = options.partitionOn ?? [];
  for (const c of partitionOn) checkColumn(plan, c, 'toParquet');
  if (partitionOn.length > 0 && partitionOn.length === plan.schema.fields.map((f) => f.name).length) {
    throw new PlanError('NOTHING_TO_WRITE', 'toParquet: partitionOn names every column; no column would be left inside the files');
  }
  const compression = options.compression ?? 'snappy';
  if (!['snappy', 'zstd', 'uncompressed'].includes(compression)) {
    throw new PlanError('BAD_OPTION', `toParquet: compression must be snappy, zstd or uncompressed, not ${JSON.stringify(compression)}`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new IoError('WRITE_FAILED', `toParquet: cannot create the directory ${dir}: ${(cause as Error).message}`, { cause });
  }
  const write = async (staged: StagedFiles, i: number, table: arrow.Table): Promise<void> => {
    if (partitionOn.length === 0) {
      await staged.stage(dir, i, '.parquet', (temp) => writeParquetFile(table, temp, { compression }), `toParquet: partition ${i}`);
      return;
    }
    // A partition gives at most one piece per directory: its number orders the files there.
    for (const piece of splitForHive(table, partitionOn)) {
      await staged.stage(join(dir, piece.dir), i, '.parquet', (temp) => writeParquetFile(piece.table, temp, { compression }), `toParquet: partition ${i}`);
    }
  };
  await writeStaged(plan, write, (f, rank) => join(f.dir, `${part(rank)}.parquet`));
}

/**
 * Computes `plan`, writing each partition with `write` as its task finishes (partitions a stage
 * returns whole are written after it), then commits the staged files under `finalPath`; any
 * failure removes them all.
 */
async function writeStaged(
  plan: PlanNode, write: (staged: StagedFiles, partition: number, table: arrow.Table) => Promise<void>,
  finalPath: Parameters<StagedFiles['commit']>[0],
): Promise<void> {
  const staged = new StagedFiles();
  try {
    const { partitions } = await computePartitions(plan, {}, (i, table) => write(staged, i, table));
    for (let i = 0; i < partitions.length; i++) await write(staged, i, partitions[i]!);
    await staged.commit(finalPath);
  } catch (error) {
    await staged.abort();
    throw error;
  }
}

export async function toCsv(plan: PlanNode, pattern: string): Promise<void> {
  const stars = pattern.split('*').length - 1;
  if (stars > 1) throw new PlanError('BAD_PATH', `toCsv: the pattern ${JSON.stringify(pattern)} has more than one '*'`);
  const path = (i: number): string => pattern.replace('*', String(i).padStart(5, '0'));
  // Without '*', the one file's name is the pattern: a second partition is an error, found
  // when it arrives (before anything is committed).
  const write = async (staged: StagedFiles, i: number, table: arrow.Table): Promise<void> => {
    if (stars === 0 && i > 0) {
      throw new PlanError('BAD_PATH', `toCsv: the frame has more than one partition, which needs a '*' in the path for the partition number (e.g. out/part-*.csv), or repartition to one`);
    }
    await staged.stage(dirname(path(i)), i, '.csv', (temp) => writeCsvFile(table, temp), `toCsv: partition ${i} (${path(i)})`);
  };
  await writeStaged(plan, write, (f) => path(f.order));
}
