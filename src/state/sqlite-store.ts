// The SQLite store (better-sqlite3): one JSON document per target and an append-only events table.
//
// Durability choices:
// - WAL journal: a commit appends to the WAL, readers never see a half-written transaction, and a
//   process killed mid-write (SIGKILL, OOM) loses at most the transaction it was in.
// - synchronous=NORMAL, not FULL: in WAL mode NORMAL is still atomic and durable across a process
//   crash; only a power loss or kernel panic can roll back the last few commits, and the database
//   stays consistent when it does. FULL would fsync on every write (hundreds a second in a large
//   fleet) on the event loop that also serves /metrics. Losing the last seconds of state on power
//   loss costs at most one change detected again (its event was lost in the same transaction as
//   the baseline).
// - locking_mode=EXCLUSIVE: the exporter is the only writer and holds the lock for as long as it
//   runs, so a second exporter pointed at the same file fails at start-up with ERR_STORE_LOCKED
//   instead of interleaving baselines with the first. The price: other programs cannot read the
//   file while the exporter runs (use /api/v1/targets, or copy the file after stopping it).
// - An existing file is checked (header, then PRAGMA quick_check on a read-only connection) before
//   it is opened for writing; a file that fails is reported and never modified or deleted.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { decodeState, encodeState } from './state-codec.js';
import { checkHeader, corruptMessage, lockedMessage, quickCheck } from './store-file-check.js';
import { StoreError, storeCodeOf, type StoreErrorCode } from './store-error.js';
import type { ChangeEvent, ChangeKind, StoredTranscript, TargetState } from './types.js';

export { StoreError, type StoreErrorCode } from './store-error.js';

export interface StoreOpenOptions {
  /** How long to wait for another process's lock before ERR_STORE_LOCKED. Small: at start-up a
   *  lock held longer than this is another exporter, not a transient reader. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 250;

interface EventRow {
  target: string;
  at: number;
  kind: string;
  tls: number | null;
  subject: string | null;
  old_value: string | null;
  new_value: string | null;
}

interface TranscriptRow {
  target: string;
  started_at: number;
  timings: string;
  entries: string;
}

function eventOf(r: EventRow): ChangeEvent {
  return {
    target: r.target,
    at: r.at,
    kind: r.kind as ChangeKind,
    tls: r.tls === null ? null : r.tls !== 0,
    subject: r.subject,
    old_value: r.old_value,
    new_value: r.new_value,
  };
}

export class SqliteStateStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly upsertState: Database.Statement<[string, string, number]>;
  private readonly insertEvent: Database.Statement<[string, number, string, number | null, string | null, string | null, string | null]>;
  private readonly selectAll: Database.Statement<[], { target: string; state: string }>;
  private readonly selectOne: Database.Statement<[string], { target: string; state: string }>;
  private readonly selectChanges: Database.Statement<[string, number], EventRow>;
  private readonly deleteOlder: Database.Statement<[number]>;
  private readonly selectRecent: Database.Statement<[number], EventRow>;
  private readonly selectRecentOfKind: Database.Statement<[string, number], EventRow>;
  private readonly insertTranscript: Database.Statement<[string, number, string, string]>;
  private readonly trimTranscripts: Database.Statement<[string, string, number]>;
  private readonly selectTranscripts: Database.Statement<[string, number], TranscriptRow>;
  private readonly transcriptTransaction: (t: StoredTranscript, keep: number) => void;
  private readonly saveTransaction: (states: readonly TargetState[], events: readonly ChangeEvent[]) => void;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.upsertState = db.prepare(
      'INSERT INTO target_state (target, state, updated_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (target) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
    );
    this.insertEvent = db.prepare(
      'INSERT INTO change_event (target, at, kind, tls, subject, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectAll = db.prepare('SELECT target, state FROM target_state ORDER BY target');
    this.selectOne = db.prepare('SELECT target, state FROM target_state WHERE target = ?');
    this.selectChanges = db.prepare(
      'SELECT target, at, kind, tls, subject, old_value, new_value FROM change_event ' +
        'WHERE target = ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.deleteOlder = db.prepare('DELETE FROM change_event WHERE at < ?');
    const recent = 'SELECT target, at, kind, tls, subject, old_value, new_value FROM change_event';
    this.selectRecent = db.prepare(`${recent} ORDER BY at DESC, id DESC LIMIT ?`);
    this.selectRecentOfKind = db.prepare(`${recent} WHERE kind = ? ORDER BY at DESC, id DESC LIMIT ?`);
    this.insertTranscript = db.prepare('INSERT INTO transcript (target, started_at, timings, entries) VALUES (?, ?, ?, ?)');
    this.trimTranscripts = db.prepare(
      'DELETE FROM transcript WHERE target = ? AND id NOT IN (SELECT id FROM transcript WHERE target = ? ORDER BY id DESC LIMIT ?)',
    );
    this.selectTranscripts = db.prepare('SELECT target, started_at, timings, entries FROM transcript WHERE target = ? ORDER BY id DESC LIMIT ?');
    this.transcriptTransaction = db.transaction((t: StoredTranscript, keep: number) => {
      this.insertTranscript.run(t.target, t.started_at, JSON.stringify(t.timings_seconds), JSON.stringify(t.entries));
      this.trimTranscripts.run(t.target, t.target, keep);
    });
    this.saveTransaction = db.transaction((states: readonly TargetState[], events: readonly ChangeEvent[]) => {
      for (const state of states) this.upsertState.run(state.target, encodeState(state), state.last_result?.started_at ?? 0);
      for (const e of events) {
        const tls = e.tls === null ? null : e.tls ? 1 : 0;
        this.insertEvent.run(e.target, e.at, e.kind, tls, e.subject, e.old_value, e.new_value);
      }
    });
  }

  /** Opens (creating it and its directory when missing) the store at `path`; ':memory:' keeps nothing. */
  static open(path: string, options: StoreOpenOptions = {}): SqliteStateStore {
    const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (path === ':memory:') return new SqliteStateStore(path, prepare(path, new Database(':memory:'), true));

    makeDirectories(path);
    checkWritable(path);
    let size: number | null = null;
    try {
      const stat = statSync(path);
      if (stat.isDirectory()) throw unwritable(path, 'it is a directory');
      size = stat.size;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if ((error as { code?: unknown }).code !== 'ENOENT') throw unwritable(path, messageOf(error), error);
    }
    if (size !== null && size > 0) {
      try {
        checkHeader(path, size);
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw unwritable(path, `it cannot be read: ${messageOf(error)}`, error);
      }
      quickCheck(path, timeout);
    }

    let db: Database.Database;
    try {
      db = new Database(path, { timeout });
    } catch (error) {
      throw wrap(path, error, 'ERR_STORE_UNWRITABLE');
    }
    try {
      return new SqliteStateStore(path, prepare(path, db, false));
    } catch (error) {
      db.close();
      // Unmapped SQLite errors here are statements that do not fit the file (a missing table).
      throw wrap(path, error, 'ERR_STORE_SCHEMA');
    }
  }

  loadAll(): TargetState[] {
    const rows = this.guard('ERR_STORE_CORRUPT', () => this.selectAll.all());
    return rows.map((row) => this.decode(row.target, row.state));
  }

  /** One target's stored state, also after it was dropped from memory by a reload. */
  load(target: string): TargetState | undefined {
    const row = this.guard('ERR_STORE_CORRUPT', () => this.selectOne.get(target));
    return row === undefined ? undefined : this.decode(row.target, row.state);
  }

  /** One transaction: the target's state row and its new change events. */
  save(state: TargetState, events: readonly ChangeEvent[]): void {
    this.guard('ERR_STORE_UNWRITABLE', () => this.saveTransaction([state], events));
  }

  /** One transaction for several targets' state rows (no events). */
  saveAll(states: readonly TargetState[]): void {
    if (states.length > 0) this.guard('ERR_STORE_UNWRITABLE', () => this.saveTransaction(states, []));
  }

  /** The target's change events, newest first. */
  changes(target: string, limit: number): ChangeEvent[] {
    if (!Number.isFinite(limit) || limit < 1) return [];
    return this.guard('ERR_STORE_CORRUPT', () => this.selectChanges.all(target, Math.floor(limit))).map(eventOf);
  }

  /** The whole fleet's change events, newest first, optionally of one kind only. */
  recentChanges(limit: number, kind?: ChangeKind): ChangeEvent[] {
    if (!Number.isFinite(limit) || limit < 1) return [];
    const n = Math.floor(limit);
    const rows = this.guard('ERR_STORE_CORRUPT', () => (kind === undefined ? this.selectRecent.all(n) : this.selectRecentOfKind.all(kind, n)));
    return rows.map(eventOf);
  }

  /** One transaction: the transcript, and the target's older ones beyond the newest `keep` deleted. */
  saveTranscript(transcript: StoredTranscript, keep: number): void {
    this.guard('ERR_STORE_UNWRITABLE', () => this.transcriptTransaction(transcript, keep));
  }

  /** The target's stored transcripts, newest first. */
  transcripts(target: string, limit: number): StoredTranscript[] {
    const rows = this.guard('ERR_STORE_CORRUPT', () => this.selectTranscripts.all(target, limit));
    return rows.map((r) => {
      try {
        return { target: r.target, started_at: r.started_at, timings_seconds: JSON.parse(r.timings), entries: JSON.parse(r.entries) } as StoredTranscript;
      } catch (error) {
        const detail = `a stored transcript of target ${JSON.stringify(target)} cannot be decoded: ${messageOf(error)}`;
        throw new StoreError('ERR_STORE_CORRUPT', this.path, corruptMessage(this.path, detail), { cause: error });
      }
    });
  }

  /** Deletes change events older than the retention; returns how many. */
  prune(nowSeconds: number, retentionDays: number): number {
    const cutoff = nowSeconds - retentionDays * 86_400;
    return this.guard('ERR_STORE_UNWRITABLE', () => this.deleteOlder.run(cutoff).changes);
  }

  /** Closes the database (checkpointing the WAL into the file); safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private decode(target: string, json: string): TargetState {
    try {
      return decodeState(target, json);
    } catch (error) {
      const detail = `the stored state of target ${JSON.stringify(target)} cannot be decoded: ${messageOf(error)}`;
      throw new StoreError('ERR_STORE_CORRUPT', this.path, corruptMessage(this.path, detail), { cause: error });
    }
  }

  private guard<T>(fallback: StoreErrorCode, run: () => T): T {
    if (!this.db.open) throw new StoreError('ERR_STORE_UNWRITABLE', this.path, `the store ${this.path} is closed`);
    try {
      return run();
    } catch (error) {
      throw wrap(this.path, error, fallback);
    }
  }
}

/**
 * SQLite's own default page cache (-N is N KiB), not better-sqlite3's build default of 16 MB. The
 * exporter writes rows and reads them back only at start-up and for the API's history, so a large
 * cache held nothing it would read again. It filled as the file grew (16 MiB of pages at 10,000
 * STARTTLS targets in heaptrack); RSS in `npm run bench` 209–211 MiB instead of 217–219 there, CPU
 * the same. The kernel's page cache holds the file anyway.
 */
const PAGE_CACHE_SIZE = -2000;

/** Pragmas, schema check and migrations; the database is ours and current when it returns. */
function prepare(path: string, db: Database.Database, memory: boolean): Database.Database {
  // Before the first read, so the WAL index lives in our heap and the lock is ours alone.
  if (!memory) db.pragma('locking_mode = EXCLUSIVE');
  db.pragma(`cache_size = ${PAGE_CACHE_SIZE}`);
  // Only reads until the file is known to be ours: switching to WAL rewrites the header.
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'ERR_STORE_SCHEMA',
      path,
      `${path} was written by a newer ehlo-exporter (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
        'Run that version, or move the file aside to start with an empty store.',
    );
  }
  const objects = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number }).n;
  const fresh = version === 0 && appId === 0 && objects === 0;
  if (!fresh && appId !== APPLICATION_ID) {
    throw new StoreError(
      'ERR_STORE_SCHEMA',
      path,
      `${path} is an SQLite database but not an ehlo-exporter store (application_id ${appId}). ` +
        'Point the storage path at a new file; this one has been left as it is.',
    );
  }
  if (!memory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw unwritable(path, `it cannot be switched to WAL mode (journal_mode is ${String(mode)})`);
    db.pragma('synchronous = NORMAL');
  }
  // Always a write transaction, even with nothing to migrate: it takes the exclusive lock now and
  // proves the file writable at start-up rather than at the first probe.
  db.transaction(() => {
    for (const m of MIGRATIONS) if (m.version > version) db.exec(m.sql);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return db;
}

/**
 * mkdir -p for the store's parent, one level at a time. Node 20's `mkdirSync(…, { recursive: true })`
 * spins forever where mkdir answers ENOENT under an existing parent (e.g. /proc), which would hang
 * start-up instead of reporting the bad path.
 */
function makeDirectories(path: string): void {
  const missing: string[] = [];
  let dir = dirname(resolve(path));
  for (;;) {
    try {
      if (!statSync(dir).isDirectory()) throw unwritable(path, `${dir} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if ((error as { code?: unknown }).code !== 'ENOENT' || dirname(dir) === dir) {
        throw unwritable(path, `${dir} cannot be used: ${messageOf(error)}`, error);
      }
      missing.unshift(dir);
      dir = dirname(dir);
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (error) {
      // Created meanwhile by someone else: fine, as long as it is a directory.
      if ((error as { code?: unknown }).code === 'EEXIST' && isDirectory(d)) continue;
      throw unwritable(path, `its directory ${d} cannot be created: ${messageOf(error)}`, error);
    }
  }
}

/**
 * SQLite itself reports a read-only directory as "attempt to write a readonly database" and a
 * read-only file as "disk I/O error"; name the real problem before it gets that far.
 */
function checkWritable(path: string): void {
  const dir = dirname(resolve(path));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw unwritable(path, `its directory ${dir} is read-only (SQLite creates ${basename(path)}-wal and -shm next to the store)`);
  }
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw unwritable(path, 'the file is read-only (make it writable by the exporter\'s user)', error);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function wrap(path: string, error: unknown, fallback: StoreErrorCode): StoreError {
  if (error instanceof StoreError) return error;
  const code = storeCodeOf(error) ?? fallback;
  const detail = messageOf(error);
  switch (code) {
    case 'ERR_STORE_CORRUPT':
      return new StoreError(code, path, corruptMessage(path, detail), { cause: error });
    case 'ERR_STORE_LOCKED':
      return new StoreError(code, path, lockedMessage(path), { cause: error });
    case 'ERR_STORE_UNWRITABLE':
      return unwritable(path, detail, error);
    case 'ERR_STORE_SCHEMA':
      return new StoreError(code, path, `${path}: unexpected schema: ${detail}`, { cause: error });
  }
}

function unwritable(path: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    'ERR_STORE_UNWRITABLE',
    path,
    `cannot create or write the store ${path}: ${detail}. Give a storage path in a writable directory, ` +
      'or :memory: to run without history.',
    { cause },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
