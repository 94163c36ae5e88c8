/**
 * Counts line breaks the way an editor numbers lines: `\n`, `\r\n` and a lone `\r` each end
 * one line, wherever they are (inside quoted fields too). Error messages and block starting
 * lines are numbered with it.
 */
import { CR, LF } from './csv-options.js';

/** The number of line breaks that start in `[start, end)`. */
export function countLines(bytes: Uint8Array, start: number, end: number): number {
  // Searching a view that stops at `end` keeps a short count from scanning the whole file.
  const view = end < bytes.length ? bytes.subarray(0, end) : bytes;
  let lines = 0;
  for (let i = view.indexOf(LF, start); i >= 0; i = view.indexOf(LF, i + 1)) lines++;
  // A CR counts only when no LF follows it; most files have none, and one search says so.
  for (let i = view.indexOf(CR, start); i >= 0; i = view.indexOf(CR, i + 1)) {
    if (bytes[i + 1] !== LF) lines++;
  }
  return lines;
}
