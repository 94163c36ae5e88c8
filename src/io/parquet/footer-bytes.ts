/**
 * Reading the raw footer (FileMetaData bytes) at the end of a Parquet file, synchronously for
 * planning and asynchronously for reading pieces, with the same checks: `PAR1` at both ends and
 * a footer length that fits in the file. Problems are `IoError`s naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { IoError } from '../../errors.js';

const MAGIC = 0x31524150; // "PAR1", little-endian

/**
 * Opening errors as `IoError`s: `NOT_FOUND` for a missing file, else `READ_FAILED`.
 *
 * @example
 * try { fd = openSync(file, 'r'); } catch (cause) { throw openError(file, cause); }
 */
export function openError(file: string, cause: unknown): IoError {
  const code = (cause as NodeJS.ErrnoException).code;
  return new IoError(code === 'ENOENT' ? 'NOT_FOUND' : 'READ_FAILED', `${file}: cannot open (${code ?? String(cause)})`, { cause });
}

/** The footer length, after checking the magic bytes (`head`: first 4 bytes, `tail`: last 8). */
function footerLength(head: Uint8Array, tail: Uint8Array, size: number, file: string, code: string): number {
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (size < 12) throw new IoError(code, `${file}: only ${size} bytes: too small to be a Parquet file`);
  if (view(tail).getUint32(4, true) !== MAGIC) {
    throw new IoError(code, `${file}: does not end with PAR1: not a Parquet file, or truncated`);
  }
  if (view(head).getUint32(0, true) !== MAGIC) throw new IoError(code, `${file}: does not start with PAR1: not a Parquet file`);
  const length = view(tail).getUint32(0, true);
  if (length + 12 > size) {
    throw new IoError(code, `${file}: footer length ${length} is larger than the file (${size} bytes): truncated or corrupt`);
  }
  return length;
}

/**
 * The footer bytes of the Parquet file at `file` (synchronous: a few KiB are read).
 * Corrupt files are `IoError`s with code `PARQUET_FOOTER`.
 *
 * @example
 * const footer = readFooterBytesSync('data/a.parquet');
 */
export function readFooterBytesSync(file: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    throw openError(file, cause);
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(4);
    const tail = new Uint8Array(8);
    if (size >= 12) {
      readSync(fd, head, 0, 4, 0);
      readSync(fd, tail, 0, 8, size - 8);
    }
    const length = footerLength(head, tail, size, file, 'PARQUET_FOOTER');
    const footer = new Uint8Array(length);
    readSync(fd, footer, 0, length, size - 8 - length);
    return footer;
  } catch (cause) {
    if (cause instanceof IoError) throw cause;
    throw new IoError('READ_FAILED', `${file}: cannot read the footer: ${String(cause)}`, { cause });
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads exactly `length` bytes at `position` into `into` at `offset` (a short file is an error).
 *
 * @example
 * await readFully(handle, buffer, 0, 8, size - 8);
 */
export async function readFully(handle: FileHandle, into: Uint8Array, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, offset + done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/**
 * The footer bytes and size of an open Parquet file. Problems are `IoError`s with `code`.
 *
 * @example
 * const { footer, size } = await readFooterBytes(handle, 'data/a.parquet', 'PARQUET_READ');
 */
export async function readFooterBytes(handle: FileHandle, file: string, code: string): Promise<{ footer: Uint8Array; size: number }> {
  const { size } = await handle.stat();
  const head = new Uint8Array(4);
  const tail = new Uint8Array(8);
  if (size >= 12) {
    await readFully(handle, head, 0, 4, 0);
    await readFully(handle, tail, 0, 8, size - 8);
  }
  const length = footerLength(head, tail, size, file, code);
  const footer = new Uint8Array(length);
  await readFully(handle, footer, 0, length, size - 8 - length);
  return { footer, size };
}
