/**
 * Byte-range reads of a data file through `fs/promises`, so that a reader holds only the bytes it
 * was asked for, and the `IoError`s every CSV read raises when the file is gone, unreadable, or
 * shorter than when the dataset was opened.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { IoError } from '../../errors.js';

/**
 * Bytes `[start, end)` of `file`. Raises `IoError` `NOT_FOUND` when the file is gone,
 * `READ_FAILED` when it cannot be read, and `FILE_CHANGED` when it ends before `end`.
 *
 * @example
 * const bytes = await readFileRange('data/a.csv', piece.start, piece.end);
 */
export async function readFileRange(file: string, start: number, end: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(end - start);
  if (bytes.length === 0) return bytes;
  const handle = await openForRead(file);
  try {
    await readFully(handle, file, bytes, start);
  } finally {
    await handle.close();
  }
  return bytes;
}

/** Opens `file` for reading, with the errors of `readFileRange`. */
export async function openForRead(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (error) {
    throw readError(file, error);
  }
}

/** Fills `into` from `file` at `position`, however many reads it takes. */
export async function readFully(handle: FileHandle, file: string, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(into, done, into.length - done, position + done));
    } catch (error) {
      throw readError(file, error);
    }
    if (n === 0) {
      throw new IoError(
        'FILE_CHANGED',
        `${file}: the file ends at byte ${position + done}, before byte ${position + into.length}; it changed after it was opened, so open it again`,
      );
    }
    done += n;
  }
}

/** The `IoError` for a failed open or read of `file`. */
export function readError(file: string, error: unknown): IoError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT') return new IoError('NOT_FOUND', `${file}: no such file`, { cause: error });
  return new IoError('READ_FAILED', `${file}: cannot read the file: ${reason}`, { cause: error });
}
