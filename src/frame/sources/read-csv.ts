/** readCsv: a lazy scan over CSV files; the schema comes from a sample now, data at compute time. */
import { openCsvDataset, type ReadCsvOptions } from '../../io/csv/csv-dataset.js';
import type { ScanNode } from '../../plan/logical-plan.js';
import { parseSize } from '../../size.js';
import { DEFAULT_BLOCKSIZE } from '../../sched/blocksize.js';

export interface ReadCsvFrameOptions extends Omit<ReadCsvOptions, 'blocksize'> {
  /** Target bytes of CSV text per partition. Default: as readParquet's (128 MB, less under a tight `memoryLimit`). */
  blocksize?: string | number;
}

export function readCsvPlan(pathOrGlob: string | readonly string[], options: ReadCsvFrameOptions = {}): ScanNode {
  const blocksize = options.blocksize === undefined ? null : parseSize(options.blocksize, 'blocksize');
  // The dataset checks a given size; the size used is the scan's (scanBlocksize at compute time).
  const dataset = openCsvDataset(pathOrGlob, { ...options, blocksize: blocksize ?? DEFAULT_BLOCKSIZE });
  const label = typeof pathOrGlob === 'string' ? pathOrGlob : pathOrGlob.join(', ');
  return { kind: 'scan', source: { kind: 'csv', dataset, blocksize, label }, columns: dataset.schema.fields.map((f) => f.name), predicate: null, schema: dataset.schema };
}
