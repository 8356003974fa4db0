// Schema 2 moves target_state from a WITHOUT ROWID table to a rowid table (large rows rewritten on
// every probe); a store written by schema 1 keeps every state and event across the upgrade.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/state/migrations.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { emptyState, encodeState } from '../../src/state/state-codec.js';
import { success } from './probe-result-builder.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();

it('a schema 1 store is upgraded in place: states and events kept, target_state no longer WITHOUT ROWID', () => {
  const path = join(tempDir(), 'v1.db');
  const v1 = new Database(path);
  v1.pragma('journal_mode = WAL');
  v1.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
  v1.pragma(`application_id = ${APPLICATION_ID}`);
  v1.pragma('user_version = 1');
  const states = Array.from({ length: 30 }, (_, i) => ({ ...emptyState(`mx${i}.example.test:25`, 'mx'), last_result: success({ target: `mx${i}.example.test:25` }) }));
  for (const s of states) v1.prepare('INSERT INTO target_state VALUES (?, ?, ?)').run(s.target, encodeState(s), 1000);
  v1.prepare("INSERT INTO change_event (target, at, kind, tls, subject, old_value, new_value) VALUES ('mx1.example.test:25', 1000, 'size_decreased', 0, 'SIZE', '2', '1')").run();
  expect((v1.prepare("SELECT sql FROM sqlite_schema WHERE name = 'target_state'").get() as { sql: string }).sql).toContain('WITHOUT ROWID');
  v1.close();

  const store = SqliteStateStore.open(path);
  expect(store.loadAll()).toEqual([...states].sort((a, b) => (a.target < b.target ? -1 : 1)));
  expect(store.changes('mx1.example.test:25', 10)).toHaveLength(1);
  store.save({ ...states[0]!, failure_counts: { connect: { refused: 1 } } }, []);
  expect(store.load(states[0]!.target)?.failure_counts).toEqual({ connect: { refused: 1 } });
  store.close();

  const raw = new Database(path, { readonly: true });
  expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  expect((raw.prepare("SELECT sql FROM sqlite_schema WHERE name = 'target_state'").get() as { sql: string }).sql).not.toContain('WITHOUT ROWID');
  raw.close();
});
