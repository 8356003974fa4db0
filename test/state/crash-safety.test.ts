// Crash safety of the store: a writer is SIGKILLed mid-loop, the store is reopened, and
// every change event the writer saw committed is there, with a baseline consistent with them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/probe/probe-result.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { useTempDir } from './temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const WRITER = join(import.meta.dirname, 'fixtures', 'crash-writer.mjs');
const tempDir = useTempDir();

/** `npm test` builds dist/ before vitest; when run alone, build it if state's output is missing or stale. */
beforeAll(() => {
  const built = join(DIST, 'state', 'target-states.js');
  const srcDir = join(ROOT, 'src', 'state');
  const newestSource = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 170_000,
    });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; what matters is that ours exists.
  }
  expect(existsSync(built), `${built} was not built`).toBe(true);
}, 180_000);

interface Run {
  /** target → sizes whose record() returned, in order. */
  committed: Map<string, number[]>;
}

/**
 * Starts the writer and SIGKILLs it once `killAfter` records have been reported committed, then
 * reads its stdout to the end, so `committed` holds every line it managed to print before dying.
 */
async function runAndKill(storePath: string, killAfter: number): Promise<Run> {
  const child = spawn(process.execPath, [WRITER, DIST, storePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const committed = new Map<string, number[]>();
  let count = 0;
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const take = (line: string): void => {
    const [target, size] = line.split(' ');
    if (target === undefined || size === undefined) return;
    const list = committed.get(target) ?? [];
    list.push(Number(size));
    committed.set(target, list);
    if (++count === killAfter) child.kill('SIGKILL');
  };
  const how = await new Promise<NodeJS.Signals | number | null>((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer committed ${count} of ${killAfter} records within 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    // 'close' comes after both the exit and the end of stdout: every printed line has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun(signal ?? code);
    });
  });
  if (how !== 'SIGKILL') throw new Error(`the writer exited with ${String(how)} before it was killed; stderr: ${stderr}`);
  return { committed };
}

describe('crash safety', () => {
  it('after SIGKILL mid-write: quick_check ok, every committed event present, baseline consistent', async () => {
    const path = join(tempDir(), 'crash.db');
    const everCommitted = new Map<string, number>();
    // Several kills, each on the file the previous one left behind: recovery on open every time.
    for (const killAfter of [150, 401, 777]) {
      const { committed } = await runAndKill(path, killAfter);
      for (const [target, sizes] of committed) everCommitted.set(target, Math.max(everCommitted.get(target) ?? 0, ...sizes));

      const store = SqliteStateStore.open(path); // runs the header check and PRAGMA quick_check
      const states = store.loadAll();
      expect(states.length).toBeGreaterThan(0);
      let unprinted = 0;
      for (const state of states) {
        const events = store.changes(state.target, 100_000).reverse();
        const sizes = events.map((e) => Number(e.new_value));
        const baselineSize = state.baseline?.before_tls?.size.limit_bytes;
        // The first probe of a target only set the baseline (size 1), so events run 2..baseline.
        expect(sizes).toEqual(Array.from({ length: (baselineSize ?? 1) - 1 }, (_, i) => i + 2));
        expect(state.change_counts.size_increased ?? 0).toBe(events.length);
        expect(state.last_result && capabilitiesOf(state.last_result).size.limit_bytes).toBe(baselineSize);
        const printed = everCommitted.get(state.target) ?? 0;
        // Everything printed is stored; at most the one record in flight at the kill is stored unprinted.
        expect(baselineSize).toBeGreaterThanOrEqual(printed);
        unprinted += (baselineSize ?? 0) - printed;
      }
      expect(unprinted).toBeLessThanOrEqual(1);
      for (const target of everCommitted.keys()) expect(states.map((s) => s.target)).toContain(target);
      store.close();
    }

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
  }, 120_000);
});
