/**
 * Atomic file writes for every writer (Parquet, CSV): the bytes go to a hidden temporary file
 * beside the target, which is renamed onto the target only once it is complete. A reader never
 * sees a half-written file, and a failed write leaves neither the target nor the temporary file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';

/** The bytes to write: one buffer, or a function returning the chunks in order. */
export type AtomicWriteSource = Uint8Array | (() => AsyncIterable<Uint8Array>);

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

/**
 * Writes `bytes` to `path` atomically: to `${dir}/.${base}.tmp-<random>` first (creating the
 * directories), then renamed onto `path`. On any failure, including an error thrown by the
 * chunk source, the temporary file is removed and an `IoError` with code `WRITE_FAILED` naming
 * `path` is thrown with the original error as `cause`.
 *
 * The file is not fsynced: atomicity here protects readers and failed tasks, not power loss.
 *
 * @example
 * await atomicWrite('out/part-00000.csv', new TextEncoder().encode('a,b\n1,2\n'));
 * await atomicWrite('out/big.bin', async function* () { yield head; yield body; });
 */
export async function atomicWrite(path: string, bytes: AtomicWriteSource): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  let handle: FileHandle | null = null;
  try {
    await mkdir(dir, { recursive: true });
    handle = await open(temp, 'wx');
    if (bytes instanceof Uint8Array) await writeAll(handle, bytes);
    else for await (const chunk of bytes()) await writeAll(handle, chunk);
    await handle.close();
    handle = null;
    await rename(temp, path);
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new IoError('WRITE_FAILED', `cannot write ${path}: ${reason}`, { cause });
  }
}
