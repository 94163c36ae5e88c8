/** fromArrow / fromArrays: DataFrames over data already in memory, split into partitions. */
import * as arrow from 'apache-arrow';
import { DuskError, SchemaError } from '../../errors.js';
import { parseSize } from '../../size.js';
import { memoryScan } from './memory-scan.js';
import type { ScanNode } from '../../plan/logical-plan.js';

export interface FromArrowOptions {
  /** How many partitions (default: one per about 128 MB, at least 1). */
  npartitions?: number;
  /** Target bytes per partition, instead of a count. */
  partitionSize?: string | number;
}

const DEFAULT_PARTITION_BYTES = 128e6;

function tableBytes(table: arrow.Table): number {
  let bytes = 0;
  const visit = (d: arrow.Data): void => {
    for (const b of [d.values, d.valueOffsets, d.nullBitmap] as (ArrayBufferView | undefined)[]) bytes += b?.byteLength ?? 0;
    (d.children ?? []).forEach(visit);
  };
  for (const batch of table.batches) visit(batch.data);
  return bytes;
}

/** Splits `table` into `n` row ranges of near-equal size (views, no copies). */
function split(table: arrow.Table, n: number): arrow.Table[] {
  const rows = table.numRows;
  const out: arrow.Table[] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor((rows * i) / n);
    const end = Math.floor((rows * (i + 1)) / n);
    out.push(table.slice(start, end));
  }
  return out;
}

export function partitionCount(table: arrow.Table, options: FromArrowOptions, operator: string): number {
  if (options.npartitions !== undefined && options.partitionSize !== undefined) {
    throw new DuskError('BAD_OPTION', `${operator}: give npartitions or partitionSize, not both`);
  }
  if (options.npartitions !== undefined) {
    if (!Number.isInteger(options.npartitions) || options.npartitions < 1) {
      throw new DuskError('BAD_OPTION', `${operator}: npartitions must be a positive integer, not ${options.npartitions}`);
    }
    return Math.max(1, Math.min(options.npartitions, Math.max(1, table.numRows)));
  }
  const size = options.partitionSize === undefined ? DEFAULT_PARTITION_BYTES : parseSize(options.partitionSize, 'partitionSize');
  return Math.max(1, Math.min(Math.ceil(tableBytes(table) / size), Math.max(1, table.numRows)));
}

export function fromArrowScan(table: arrow.Table, options: FromArrowOptions = {}): ScanNode {
  if (!(table instanceof arrow.Table)) throw new DuskError('BAD_INPUT', 'fromArrow: expected an apache-arrow Table');
  const names = new Set<string>();
  for (const n of table.schema.fields.map((f) => f.name)) {
    if (names.has(n)) throw new SchemaError('DUPLICATE_COLUMN', `fromArrow: column '${n}' appears twice`);
    names.add(n);
  }
  return memoryScan(split(table, partitionCount(table, options, 'fromArrow')), 'fromArrow');
}

type ArrayInput = ArrayLike<unknown> | arrow.Vector;

export function fromArraysScan(record: Readonly<Record<string, ArrayInput>>, options: { npartitions?: number } = {}): ScanNode {
  const entries = Object.entries(record);
  if (entries.length === 0) throw new DuskError('BAD_INPUT', 'fromArrays: give at least one column');
  const lengths = new Set(entries.map(([, v]) => v.length));
  if (lengths.size > 1) {
    throw new DuskError('BAD_INPUT', `fromArrays: columns have different lengths: ${entries.map(([k, v]) => `${k}=${v.length}`).join(', ')}`);
  }
  const vectors: Record<string, arrow.Vector> = {};
  for (const [name, values] of entries) {
    vectors[name] = values instanceof arrow.Vector
      ? values
      : ArrayBuffer.isView(values)
        ? arrow.makeVector(values as Int32Array)
        : arrow.vectorFromArray(values as unknown[]);
  }
  return fromArrowScan(new arrow.Table(vectors), options);
}
