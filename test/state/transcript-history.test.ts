// The transcripts kept for the status page's diff: only a success whose lines differ from the last
// stored one is written, at most TRANSCRIPTS_KEPT per target, and they survive a reopen; a schema 2
// store gains the table without losing anything.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/state/migrations.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { emptyState, encodeState } from '../../src/state/state-codec.js';
import { TRANSCRIPTS_KEPT, TranscriptHistory } from '../../src/state/transcript-history.js';
import { failure, success } from './probe-result-builder.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();
const T = 'mx.example.test:25';

function said(size: number, at: number, t = 0.01, greetingTime = '13:24:04'): ProbeResult {
  return {
    ...success({ target: T, startedAt: at }),
    transcript: [
      { t: 0, dir: 'S', line: `220 mx.example.test ESMTP Exim 4.96 Wed, 02 Dec 2026 ${greetingTime} +0000` },
      { t, dir: 'C', line: 'EHLO probe.example.test' },
      { t: t * 2, dir: 'S', line: `250 SIZE ${size}` },
    ],
  };
}

it('stores a transcript only when its lines change, keeps the newest few, and reads them back after a reopen', () => {
  const path = join(tempDir(), 'state.db');
  let store = SqliteStateStore.open(path);
  const history = new TranscriptHistory(store);
  expect(history.record(T, said(1000, 1))).toBeNull();
  expect(history.record(T, said(1000, 2, 0.5))).toBeNull(); // same lines, other times: not stored
  expect(history.record(T, said(1000, 2, 0.5, '13:25:04'))).toBeNull(); // the greeting's clock moved: not stored either
  expect(history.record(T, { ...failure('ehlo', 'rejected', { target: T }), transcript: said(5, 3).transcript })).toBeNull(); // failures: never
  expect(history.list(T).map((t) => t.started_at)).toEqual([1]);
  for (let i = 0; i < TRANSCRIPTS_KEPT + 2; i++) history.record(T, said(2000 + i, 10 + i));
  const kept = history.list(T);
  expect(kept).toHaveLength(TRANSCRIPTS_KEPT);
  expect(kept.map((t) => t.started_at)).toEqual([14, 13, 12]);
  expect(kept[0]!.entries[2]).toEqual({ t: 0.02, dir: 'S', line: '250 SIZE 2004' });
  store.close();

  store = SqliteStateStore.open(path);
  const reopened = new TranscriptHistory(store);
  // The last stored one is known again after the restart: the same lines are not stored twice.
  expect(reopened.record(T, said(2004, 20))).toBeNull();
  expect(reopened.list(T).map((t) => t.started_at)).toEqual([14, 13, 12]);
  store.close();
  expect(reopened.record(T, said(3000, 21))?.message).toMatch(/closed/);
});

it('a schema 2 store is upgraded to schema 3 with its states and events', () => {
  const path = join(tempDir(), 'v2.db');
  const v2 = new Database(path);
  v2.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) v2.exec(m.sql);
  v2.pragma(`application_id = ${APPLICATION_ID}`);
  v2.pragma('user_version = 2');
  v2.prepare('INSERT INTO target_state VALUES (?, ?, ?)').run(T, encodeState(emptyState(T, 'mx')), 1);
  v2.prepare(`INSERT INTO change_event (target, at, kind, tls, subject, old_value, new_value) VALUES ('${T}', 5, 'size_decreased', 0, 'SIZE', '2', '1')`).run();
  v2.close();

  const store = SqliteStateStore.open(path);
  expect(store.loadAll().map((s) => s.target)).toEqual([T]);
  expect(store.recentChanges(10)).toEqual([{ target: T, at: 5, kind: 'size_decreased', tls: false, subject: 'SIZE', old_value: '2', new_value: '1' }]);
  expect(store.recentChanges(10, 'extension_added')).toEqual([]);
  expect(new TranscriptHistory(store).record(T, said(1, 1))).toBeNull();
  store.close();
  const raw = new Database(path, { readonly: true });
  expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  expect(SCHEMA_VERSION).toBe(3);
  raw.close();
});
