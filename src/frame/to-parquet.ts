/**
 * toParquet / toCsv: compute the partitions, then write one file per partition
 * (`part-00000.parquet`, ...; with `partitionOn`, hive-style `col=value/` directories numbered
 * per directory, the partition columns not repeated inside). Every file is written to a
 * temporary name and renamed when complete, so a failed job leaves no half-written file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IoError, PlanError } from '../errors.js';
import { writeCsvFile } from '../io/csv/write-csv-file.js';
import { splitForHive, writeParquetFile } from '../io/parquet/write-parquet-file.js';
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
  const { partitions } = await computePartitions(plan);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new IoError('WRITE_FAILED', `toParquet: cannot create the directory ${dir}: ${(cause as Error).message}`, { cause });
  }
  if (partitionOn.length === 0) {
    for (let i = 0; i < partitions.length; i++) await writeParquetFile(partitions[i]!, join(dir, `${part(i)}.parquet`), { compression });
    return;
  }
  const numbers = new Map<string, number>();
  for (const table of partitions) {
    for (const piece of splitForHive(table, partitionOn)) {
      const n = numbers.get(piece.dir) ?? 0;
      numbers.set(piece.dir, n + 1);
      await writeParquetFile(piece.table, join(dir, piece.dir, `${part(n)}.parquet`), { compression });
    }
  }
}

export async function toCsv(plan: PlanNode, pattern: string): Promise<void> {
  const stars = pattern.split('*').length - 1;
  if (stars > 1) throw new PlanError('BAD_PATH', `toCsv: the pattern ${JSON.stringify(pattern)} has more than one '*'`);
  const { partitions } = await computePartitions(plan);
  if (stars === 0 && partitions.length > 1) {
    throw new PlanError('BAD_PATH', `toCsv: ${partitions.length} partitions need a '*' in the path for the partition number (e.g. out/part-*.csv), or repartition to one`);
  }
  for (let i = 0; i < partitions.length; i++) {
    await writeCsvFile(partitions[i]!, pattern.replace('*', String(i).padStart(5, '0')));
  }
}
