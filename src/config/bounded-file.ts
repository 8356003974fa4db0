// Reading the files a config names (the config itself, CA bundles, the web config, TLS keys):
// regular files only, and no larger than a stated limit. A FIFO would block start-up or a reload
// forever and /dev/zero would grow the heap without end, so neither is ever read.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;
/** A web config, certificate or key: kilobytes in practice. */
export const MAX_SMALL_FILE_BYTES = 1024 * 1024;

/** Thrown with a sentence that completes "cannot read FILE: …". */
export class FileReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'FileReadError';
  }
}

function errnoReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.code ?? err.message;
}

function describeKind(mode: number): string {
  const kind = mode & constants.S_IFMT;
  if (kind === constants.S_IFIFO) return 'a named pipe';
  if (kind === constants.S_IFCHR) return 'a character device';
  if (kind === constants.S_IFBLK) return 'a block device';
  if (kind === constants.S_IFSOCK) return 'a socket';
  return 'not a regular file';
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** The file's bytes; throws FileReadError when it is not a regular file or larger than maxBytes. */
export function readBoundedFile(file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever before fstat could refuse it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileReadError(file, errnoReason(e as NodeJS.ErrnoException));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new FileReadError(file, 'is a directory');
    if (!stat.isFile()) throw new FileReadError(file, `is ${describeKind(stat.mode)}; only a regular file can be read`);
    if (stat.size > maxBytes) throw new FileReadError(file, `is ${stat.size} bytes, larger than the limit of ${mib(maxBytes)}`);
    // One byte more than allowed, so a file that grew since fstat is still caught.
    let buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw new FileReadError(file, `is larger than the limit of ${mib(maxBytes)}`);
        buffer = Buffer.concat([buffer, Buffer.alloc(Math.min(length, maxBytes + 1 - length))]);
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } catch (e) {
    if (e instanceof FileReadError) throw e;
    throw new FileReadError(file, errnoReason(e as NodeJS.ErrnoException));
  } finally {
    closeSync(fd);
  }
}
