/**
 * Calls `fn(start, end)` for each maximal run of valid rows in [0, length), reading an Arrow
 * validity bitmap (LSB first) from bit `bitOffset`. With no bitmap, the whole range is one run.
 * Kernels write their inner loop once, over a run, and stay branch-free inside it.
 */
export function forEachValidRun(
  validity: Uint8Array | null,
  bitOffset: number,
  length: number,
  fn: (start: number, end: number) => void,
): void {
  if (validity === null) {
    if (length > 0) fn(0, length);
    return;
  }
  let runStart = -1;
  let i = 0;
  while (i < length) {
    const bit = bitOffset + i;
    // Whole bytes at once when aligned: all valid or all null.
    if ((bit & 7) === 0 && i + 8 <= length) {
      const byte = validity[bit >> 3]!;
      if (byte === 0xff) {
        if (runStart < 0) runStart = i;
        i += 8;
        continue;
      }
      if (byte === 0) {
        if (runStart >= 0) {
          fn(runStart, i);
          runStart = -1;
        }
        i += 8;
        continue;
      }
    }
    const valid = (validity[bit >> 3]! >> (bit & 7)) & 1;
    if (valid === 1) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      fn(runStart, i);
      runStart = -1;
    }
    i++;
  }
  if (runStart >= 0) fn(runStart, length);
}
