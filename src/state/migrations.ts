// The store's schema, versioned with PRAGMA user_version; each migration moves it one version up
// inside the same transaction that bumps the version, so a crash leaves the old or the new schema.
//
// One JSON document per target (written whole on every probe: one row, one statement) and an
// append-only events table indexed for "newest events of a target" and for pruning by age.

/** Marks the file as ours (PRAGMA application_id), so another program's database is refused. */
export const APPLICATION_ID = 0x45484c4f; // "EHLO"

export interface Migration {
  /** The user_version after this migration. */
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE target_state (
        target TEXT PRIMARY KEY NOT NULL,
        state TEXT NOT NULL,
        updated_at REAL NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE change_event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        tls INTEGER,
        subject TEXT,
        old_value TEXT,
        new_value TEXT
      );
      CREATE INDEX change_event_target_at ON change_event (target, at);
      CREATE INDEX change_event_at ON change_event (at);
    `,
  },
  {
    // A state document is 2–4 KB, rewritten on every probe. In a WITHOUT ROWID table the whole row
    // lives in the primary-key B-tree, so each upsert rewrote overflow chains and interior pages:
    // ~3× the CPU of a rowid table (SQLite advises rowid tables for rows over 1/20 of a page).
    version: 2,
    sql: `
      CREATE TABLE target_state_rowid (
        target TEXT PRIMARY KEY NOT NULL,
        state TEXT NOT NULL,
        updated_at REAL NOT NULL
      );
      INSERT INTO target_state_rowid (target, state, updated_at) SELECT target, state, updated_at FROM target_state;
      DROP TABLE target_state;
      ALTER TABLE target_state_rowid RENAME TO target_state;
    `,
  },
  {
    // The last few distinct transcripts of each target's successful probes, for the status page's
    // side-by-side diff. A row is written only when a transcript differs from the target's previous
    // one, and at most TRANSCRIPTS_KEPT rows per target remain (transcript-history.ts).
    version: 3,
    sql: `
      CREATE TABLE transcript (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        started_at REAL NOT NULL,
        timings TEXT NOT NULL,
        entries TEXT NOT NULL
      );
      CREATE INDEX transcript_target_id ON transcript (target, id);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
