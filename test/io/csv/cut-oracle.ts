/**
 * The record boundaries of a CSV file as the in-memory splitter sees them, for checking the
 * streaming cut finder and the dataset planner: with one-byte blocks, `splitBlocks` ends a block
 * at every record boundary, so its block ends are all the places a file may be cut.
 */
import { countLines } from '../../../src/io/csv/count-lines.js';
import type { CsvOptions } from '../../../src/io/csv/csv-options.js';
import { splitBlocks } from '../../../src/io/csv/split-blocks.js';

export interface CutOracle {
  headerStart: number;
  dataStart: number;
  /** The boundary a target should be cut at: the first one at or after it, never before the data. */
  cutAt(target: number): number;
  /** The line number at a byte offset. */
  lineAt(at: number): number;
}

export function cutOracle(bytes: Uint8Array, options: CsvOptions = {}): CutOracle {
  const plan = splitBlocks(bytes, { blockBytes: 1 }, options);
  const boundaries = [plan.headerEnd, ...plan.blocks.map((b) => b.end)];
  return {
    headerStart: plan.headerStart,
    dataStart: plan.headerEnd,
    cutAt(target: number): number {
      if (target <= plan.headerEnd) return plan.headerEnd;
      return boundaries.find((b) => b >= target) ?? bytes.length;
    },
    lineAt(at: number): number {
      return 1 + countLines(bytes, 0, at);
    },
  };
}
