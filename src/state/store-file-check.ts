// Looking at an existing store file before SQLite opens it for writing, so that a file we cannot
// read is reported and left exactly as it is, never "repaired" or overwritten.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError, storeCodeOf } from './store-error.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

export function corruptMessage(path: string, detail: string): string {
  return (
    `${path} is not a readable ehlo-exporter store (${detail}). It has been left as it is. ` +
    `Move it aside together with any ${path}-wal and ${path}-shm beside it (e.g. mv ${path} ${path}.corrupt) ` +
    `to start with an empty store, or restore it from a backup.`
  );
}

export function lockedMessage(path: string): string {
  return (
    `${path} is locked by another process (is another ehlo-exporter using the same storage path?). ` +
    `Stop that process, or give each exporter its own storage path.`
  );
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/**
 * The SQLite file header (https://www.sqlite.org/fileformat.html §1.3): catches garbage and
 * truncation without letting SQLite touch the file. The size check is skipped while a non-empty
 * WAL exists: after a crash during a checkpoint the header may already count pages the WAL still
 * holds, and SQLite recovers that case itself.
 */
export function checkHeader(path: string, size: number): void {
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const corrupt = (detail: string): StoreError => new StoreError('ERR_STORE_CORRUPT', path, corruptMessage(path, detail));
  if (read < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt('it does not start with the SQLite header; it is not an SQLite database');
  }
  if (read < HEADER_BYTES) throw corrupt(`it is truncated: ${size} bytes, less than the 100-byte SQLite header`);
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw corrupt(`its header names an invalid page size ${rawPageSize}`);
  const changeCounter = header.readUInt32BE(24);
  const pages = header.readUInt32BE(28);
  const validFor = header.readUInt32BE(92);
  const walSize = fileSize(`${path}-wal`) ?? 0;
  if (walSize === 0 && pages > 0 && changeCounter === validFor && size < pages * pageSize) {
    throw corrupt(`it is truncated: its header counts ${pages} pages of ${pageSize} bytes, the file has ${size} bytes`);
  }
}

/**
 * PRAGMA quick_check on a read-only connection: a read-only connection never checkpoints a WAL
 * into the main file on close, so a damaged file is not written to while we look at it.
 */
export function quickCheck(path: string, busyTimeoutMs: number): void {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) {
      const first = problems.join('; ').replace(/\s+/g, ' ').slice(0, 300);
      throw new StoreError('ERR_STORE_CORRUPT', path, corruptMessage(path, `PRAGMA quick_check failed: ${first}`));
    }
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = storeCodeOf(error);
    const detail = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_STORE_LOCKED') throw new StoreError(code, path, lockedMessage(path), { cause: error });
    if (code === 'ERR_STORE_CORRUPT') throw new StoreError(code, path, corruptMessage(path, detail), { cause: error });
    throw new StoreError('ERR_STORE_UNWRITABLE', path, `cannot read ${path}: ${detail}`, { cause: error });
  } finally {
    db?.close();
  }
}
