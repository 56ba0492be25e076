/**
 * Reading a file a user named, bounded by the bytes actually read and by a deadline. `stat` cannot
 * bound it: a device (`/dev/zero`), a FIFO or a procfs file reports size 0 and then streams without
 * end or never answers. The file is opened non-blocking (POSIX `O_NONBLOCK`, so opening a FIFO
 * without a writer does not wait for one), read in chunks until end of file, and refused once it
 * holds more than `maxBytes` or takes longer than `timeoutMs`.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Certificate files, CA bundles and target lists: 16 MiB is far above any real one. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
/** Longest wait for one file: a local file reads in milliseconds; a pipe with no data never ends. */
export const INPUT_TIMEOUT_MS = 10_000;

/** Base class of every refusal; the message names the file and the limit. */
export class InputFileError extends Error {
  override readonly name: string = 'InputFileError';
}

/** The file holds more than the limit (or never ends: a device such as /dev/zero). */
export class FileTooLargeError extends InputFileError {
  override readonly name = 'FileTooLargeError';
}

/** No end of file within the deadline (a FIFO whose writer sends nothing, a slow device). */
export class FileReadTimeoutError extends InputFileError {
  override readonly name = 'FileReadTimeoutError';
}

export interface BoundedReadOptions {
  /** Bytes accepted; one more is a refusal. @default MAX_INPUT_BYTES */
  readonly maxBytes?: number;
  /** Milliseconds until end of file. @default INPUT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Names the file's role in messages (`--ca-file`, `certificate file`). @default 'file' */
  readonly what?: string;
}

const CHUNK = 64 * 1024;
/** Wait between reads when a non-blocking pipe has no data yet (EAGAIN). */
const POLL_MS = 20;

/**
 * The whole content of `path`, at most `maxBytes`, within `timeoutMs`. Rejects with
 * FileTooLargeError or FileReadTimeoutError (messages name the path and the limit), or the
 * system's error (ENOENT, EACCES, EISDIR, ...).
 */
export const readFileBounded = async (path: string, options: BoundedReadOptions = {}): Promise<Buffer> => {
  const maxBytes = options.maxBytes ?? MAX_INPUT_BYTES;
  const timeoutMs = options.timeoutMs ?? INPUT_TIMEOUT_MS;
  const what = options.what ?? 'file';
  const deadline = Date.now() + timeoutMs;
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (Date.now() > deadline) {
        throw new FileReadTimeoutError(
          `${what} ${path}: no end of file within ${timeoutMs} ms (a pipe or device?); refused`,
        );
      }
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      total += bytesRead;
      if (total > maxBytes) {
        throw new FileTooLargeError(`${what} ${path} holds more than ${maxBytes} bytes (the limit); refused`);
      }
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
};

/** readFileBounded as UTF-8 text. */
export const readTextBounded = async (path: string, options: BoundedReadOptions = {}): Promise<string> =>
  (await readFileBounded(path, options)).toString('utf8');
