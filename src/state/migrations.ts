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
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
