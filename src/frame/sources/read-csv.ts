/** readCsv: a lazy scan over CSV files; the schema comes from a sample now, data at compute time. */
import { openCsvDataset, type ReadCsvOptions } from '../../io/csv/csv-dataset.js';
import type { ScanNode } from '../../plan/logical-plan.js';
import { parseSize } from '../../size.js';
import { DEFAULT_BLOCKSIZE } from './read-parquet.js';

export interface ReadCsvFrameOptions extends Omit<ReadCsvOptions, 'blocksize'> {
  /** Target bytes of CSV text per partition (default 128 MB). */
  blocksize?: string | number;
}

export function readCsvPlan(pathOrGlob: string | readonly string[], options: ReadCsvFrameOptions = {}): ScanNode {
  const blocksize = options.blocksize === undefined ? DEFAULT_BLOCKSIZE : parseSize(options.blocksize, 'blocksize');
  const dataset = openCsvDataset(pathOrGlob, { ...options, blocksize });
  const label = typeof pathOrGlob === 'string' ? pathOrGlob : pathOrGlob.join(', ');
  return { kind: 'scan', source: { kind: 'csv', dataset, label }, columns: dataset.schema.fields.map((f) => f.name), predicate: null, schema: dataset.schema };
}
