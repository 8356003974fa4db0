// The store's errors, each with a stable code that callers and tests match on.

export type StoreErrorCode = 'ERR_STORE_CORRUPT' | 'ERR_STORE_LOCKED' | 'ERR_STORE_UNWRITABLE' | 'ERR_STORE_SCHEMA';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** The store file concerned. */
  readonly path: string;
  constructor(code: StoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.path = path;
  }
}

/** SQLite result codes (better-sqlite3's `SqliteError.code`) → our codes; null for "not a store problem". */
export function storeCodeOf(error: unknown): StoreErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return 'ERR_STORE_CORRUPT';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'ERR_STORE_LOCKED';
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM' ||
    code.startsWith('SQLITE_AUTH')
  ) {
    return 'ERR_STORE_UNWRITABLE';
  }
  if (['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST', 'ENOENT', 'EISDIR'].includes(code)) {
    return 'ERR_STORE_UNWRITABLE';
  }
  return null;
}
