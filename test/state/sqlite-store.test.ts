import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/state/migrations.js';
import { SqliteStateStore, StoreError } from '../../src/state/sqlite-store.js';
import { emptyState } from '../../src/state/state-codec.js';
import type { ChangeEvent } from '../../src/state/types.js';
import { success } from './probe-result-builder.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();

function event(target: string, at: number, n: number): ChangeEvent {
  return { target, at, kind: 'size_decreased', tls: n % 2 === 0, subject: 'SIZE', old_value: String(n + 1), new_value: String(n) };
}

function storeError(run: () => unknown): StoreError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError, nothing was thrown');
}

/** A real store file with some targets and events, closed. */
function populatedStore(dir: string): string {
  const path = join(dir, 'real.db');
  const store = SqliteStateStore.open(path);
  for (let t = 0; t < 50; t++) {
    const state = { ...emptyState(`mx${t}.example.test:25`, 'mx'), last_result: success({ target: `mx${t}.example.test:25` }) };
    store.save(state, Array.from({ length: 20 }, (_, i) => event(state.target, 1000 + i, i)));
  }
  store.close();
  return path;
}

describe('SqliteStateStore', () => {
  it('creates its directory and schema, and keeps states and events across a reopen', () => {
    const path = join(tempDir(), 'nested', 'deeper', 'store.db');
    const store = SqliteStateStore.open(path);
    const state = { ...emptyState('a:25', 'mx'), last_result: success({ target: 'a:25' }), failure_counts: { connect: { refused: 2 } } };
    store.save(state, [event('a:25', 100, 1), event('a:25', 200, 2), event('a:25', 150, 3)]);
    store.save(emptyState('b:25', 'submission'), []);
    store.close();
    store.close(); // idempotent

    const again = SqliteStateStore.open(path);
    expect(again.loadAll()).toEqual([state, emptyState('b:25', 'submission')]);
    expect(again.load('a:25')).toEqual(state);
    expect(again.load('nope:25')).toBeUndefined();
    expect(again.changes('a:25', 10).map((e) => e.at)).toEqual([200, 150, 100]);
    expect(again.changes('a:25', 2)).toEqual([event('a:25', 200, 2), event('a:25', 150, 3)]);
    expect(again.changes('a:25', 0)).toEqual([]);
    expect(again.changes('b:25', 10)).toEqual([]);
    again.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it("keeps SQLite's own 2 MB page cache, not better-sqlite3's 16 MB: the store is written, rarely read back", () => {
    const store = SqliteStateStore.open(join(tempDir(), 'cache.db'));
    const connection = (store as unknown as { db: Database.Database }).db;
    const plain = new Database(':memory:');
    expect(plain.pragma('cache_size', { simple: true })).toBe(-16000);
    plain.close();
    expect(connection.pragma('cache_size', { simple: true })).toBe(-2000);
    store.close();
  });

  it('works in memory', () => {
    const store = SqliteStateStore.open(':memory:');
    store.save(emptyState('a:25', 'g'), [event('a:25', 1, 1)]);
    expect(store.loadAll()).toHaveLength(1);
    expect(store.changes('a:25', 5)).toHaveLength(1);
    store.close();
  });

  it('prunes events older than the retention and keeps the rest', () => {
    const store = SqliteStateStore.open(join(tempDir(), 's.db'));
    const day = 86_400;
    const now = 100 * day;
    store.save(emptyState('a:25', 'g'), [event('a:25', now - 40 * day, 1), event('a:25', now - 31 * day, 2), event('a:25', now - 29 * day, 3), event('a:25', now, 4)]);
    expect(store.prune(now, 30)).toBe(2);
    expect(store.changes('a:25', 10).map((e) => e.new_value)).toEqual(['4', '3']);
    expect(store.prune(now, 30)).toBe(0);
    store.close();
  });

  it('rejects a write after close with a StoreError', () => {
    const store = SqliteStateStore.open(join(tempDir(), 's.db'));
    store.close();
    expect(storeError(() => store.save(emptyState('a:25', 'g'), [])).code).toBe('ERR_STORE_UNWRITABLE');
  });

  describe('a file it cannot read is reported and left byte-identical', () => {
    const cases: Array<{ name: string; damage: (path: string, original: Buffer) => void }> = [
      { name: 'garbage bytes', damage: (p) => writeFileSync(p, Buffer.from('this is not a database at all; '.repeat(200))) },
      { name: 'a few bytes', damage: (p) => writeFileSync(p, Buffer.from([1, 2, 3])) },
      { name: 'truncated to half', damage: (p, o) => truncateSync(p, Math.floor(o.length / 2)) },
      { name: 'truncated inside the header', damage: (p) => truncateSync(p, 50) },
      { name: 'truncated to the first page', damage: (p) => truncateSync(p, 4096) },
      {
        name: 'pages overwritten, size unchanged (found by quick_check)',
        damage: (p, o) => {
          const b = Buffer.from(o);
          b.fill(0x41, 4096, Math.min(b.length, 4096 * 6));
          writeFileSync(p, b);
        },
      },
    ];
    it.each(cases)('$name → ERR_STORE_CORRUPT', ({ damage }) => {
      const dir = tempDir();
      const path = populatedStore(dir);
      damage(path, readFileSync(path));
      const before = readFileSync(path);
      const listing = readdirSync(dir).sort();

      const error = storeError(() => SqliteStateStore.open(path));
      expect(error.code).toBe('ERR_STORE_CORRUPT');
      expect(error.path).toBe(path);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/move it aside/i);

      expect(readFileSync(path).equals(before)).toBe(true);
      // SQLite may leave an empty -wal or -shm beside a file it examined, never anything else.
      expect(readdirSync(dir).filter((f) => !listing.includes(f)).every((f) => f.startsWith('real.db-'))).toBe(true);
      // Asking again gives the same answer: nothing was "repaired" in between.
      expect(storeError(() => SqliteStateStore.open(path)).code).toBe('ERR_STORE_CORRUPT');
      expect(readFileSync(path).equals(before)).toBe(true);
    });
  });

  it('refuses another program’s SQLite database, and one from a newer schema, without changing them', () => {
    const dir = tempDir();
    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)');
    other.close();
    const foreignBytes = readFileSync(foreign);
    expect(storeError(() => SqliteStateStore.open(foreign)).code).toBe('ERR_STORE_SCHEMA');
    expect(readFileSync(foreign).equals(foreignBytes)).toBe(true);

    const newer = join(dir, 'newer.db');
    SqliteStateStore.open(newer).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error = storeError(() => SqliteStateStore.open(newer));
    expect(error.code).toBe('ERR_STORE_SCHEMA');
    expect(error.message).toContain('newer');
  });

  it('a second store on the same file fails with ERR_STORE_LOCKED while the first is open', () => {
    const path = join(tempDir(), 's.db');
    const first = SqliteStateStore.open(path);
    first.save(emptyState('a:25', 'g'), []);
    const error = storeError(() => SqliteStateStore.open(path, { busyTimeoutMs: 50 }));
    expect(error.code).toBe('ERR_STORE_LOCKED');
    expect(error.message).toContain(path);
    first.save(emptyState('b:25', 'g'), []); // the first one is unaffected
    first.close();
    const reopened = SqliteStateStore.open(path);
    expect(reopened.loadAll().map((s) => s.target)).toEqual(['a:25', 'b:25']);
    reopened.close();
  });

  it('another process holding an exclusive transaction → ERR_STORE_LOCKED', async () => {
    const path = join(tempDir(), 's.db');
    SqliteStateStore.open(path).close();
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.exec('BEGIN EXCLUSIVE');
      db.prepare("INSERT INTO target_state VALUES ('held:25', '{}', 0)").run();
      process.stdout.write('held\\n');
      process.stdin.on('data', () => {}); process.stdin.on('end', () => process.exit(0));
    `;
    const child = spawn(process.execPath, ['-e', script, path], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the lock-holding child did not report within 10 s')), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('held')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`the lock-holding child exited early (${code})`)));
      });
      const error = storeError(() => SqliteStateStore.open(path, { busyTimeoutMs: 50 }));
      expect(error.code).toBe('ERR_STORE_LOCKED');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    }
    // The lock dies with its holder; the uncommitted row never existed.
    const store = SqliteStateStore.open(path);
    expect(store.loadAll()).toEqual([]);
    store.close();
  });

  describe('a place it cannot write → ERR_STORE_UNWRITABLE', () => {
    it('a parent that is a regular file (chmod would not stop root)', () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'plain-file'), 'x');
      const error = storeError(() => SqliteStateStore.open(join(dir, 'plain-file', 'sub', 'store.db')));
      expect(error.code).toBe('ERR_STORE_UNWRITABLE');
      expect(error.message).toContain('plain-file');
    });
    it('under /proc', () => {
      expect(storeError(() => SqliteStateStore.open('/proc/ehlo-exporter-test/store.db')).code).toBe('ERR_STORE_UNWRITABLE');
    });
    it('a path that is a directory', () => {
      const dir = tempDir();
      expect(storeError(() => SqliteStateStore.open(dir)).code).toBe('ERR_STORE_UNWRITABLE');
      expect(statSync(dir).isDirectory()).toBe(true);
    });
  });

  it('a stored document that is not JSON is corruption naming the target', () => {
    const path = join(tempDir(), 's.db');
    SqliteStateStore.open(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO target_state VALUES ('bad:25', '{not json', 0)").run();
    raw.close();
    const store = SqliteStateStore.open(path);
    const error = storeError(() => store.loadAll());
    expect(error.code).toBe('ERR_STORE_CORRUPT');
    expect(error.message).toContain('bad:25');
    store.close();
  });
});
