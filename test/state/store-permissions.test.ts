// A store SQLite cannot write: a read-only directory (SQLite answers "attempt to write a readonly
// database") and a read-only file (SQLite answers "disk I/O error") are named as what they are,
// with what to do. Root writes anything, so as root (CI) the store is opened by a child process
// that loads the built module first and then drops to the unprivileged "nobody" user.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../support/exporter-process.js';

/** The uid and gid of Debian's "nobody". */
const NOBODY = 65534;
const root = process.getuid?.() === 0;

beforeAll(ensureBuilt);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The store's error when `path` is opened as nobody (as root) or as this user. */
function openError(path: string): string {
  const script = [
    `import { SqliteStateStore } from ${JSON.stringify(pathToFileURL(resolve('dist/state/sqlite-store.js')).href)};`,
    root ? `process.setgid(${NOBODY}); process.setuid(${NOBODY});` : '',
    'try { SqliteStateStore.open(process.argv[1]).close(); process.stdout.write("opened\\n"); }',
    'catch (e) { process.stdout.write(`${e.code}\\n${e.message}\\n`); }',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8', timeout: 20_000 });
  expect(run.stderr).toBe('');
  return run.stdout;
}

/** A directory the opening user owns (or may enter) with `mode`. */
function dirFor(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ehlo-store-perm-'));
  dirs.push(dir);
  if (root) chownSync(dir, NOBODY, NOBODY);
  chmodSync(dir, mode);
  return dir;
}

it('a store in a read-only directory is named as such, with advice', () => {
  const dir = dirFor(0o555);
  const path = join(dir, 'state.db');
  expect(openError(path)).toBe(
    `ERR_STORE_UNWRITABLE\ncannot create or write the store ${path}: its directory ${dir} is read-only (SQLite creates state.db-wal and -shm next to the store). ` +
      'Give a storage path in a writable directory, or :memory: to run without history.\n',
  );
});

it('a read-only store file is named as such, with advice', () => {
  const dir = dirFor(0o755);
  mkdirSync(join(dir, 'sub'));
  const path = join(dir, 'sub', 'state.db');
  if (root) chownSync(join(dir, 'sub'), NOBODY, NOBODY);
  writeFileSync(path, '');
  if (root) chownSync(path, NOBODY, NOBODY);
  chmodSync(path, 0o444);
  expect(openError(path)).toBe(
    `ERR_STORE_UNWRITABLE\ncannot create or write the store ${path}: the file is read-only (make it writable by the exporter's user). ` +
      'Give a storage path in a writable directory, or :memory: to run without history.\n',
  );
});
