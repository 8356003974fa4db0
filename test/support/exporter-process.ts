// The built exporter (`node dist/main.js`) as a real child process on a free loopback port, for
// tests of what only a process has: signals, exit codes, logs, restarts on the same store.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export { freePort };
import { waitFor } from './wait-for.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'main.js');
/** The probe pool's worker thread runs compiled code: tests of the pool point it here. */
export const PROBE_WORKER_JS = join(REPO_ROOT, 'dist', 'probe', 'probe-worker.js');

/** `npm test` builds first; a lone `vitest run` may not have. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(MAIN_JS) && existsSync(PROBE_WORKER_JS)) return;
  const { execFileSync } = await import('node:child_process');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

export interface ExporterProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything written to stderr (the log) so far. */
  log(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * `listen` replaces the default `--web.listen-address=127.0.0.1:PORT` (`url` then still names
 * 127.0.0.1:PORT, which the given addresses must serve for the readiness wait).
 */
export async function startExporter(args: string[], options: { port?: number; ready?: boolean; readyTimeoutMs?: number; listen?: string[] } = {}): Promise<ExporterProcess> {
  await ensureBuilt();
  const port = options.port ?? (await freePort());
  const listen = (options.listen ?? [`127.0.0.1:${port}`]).map((a) => `--web.listen-address=${a}`);
  const child = spawn(process.execPath, [MAIN_JS, ...listen, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const proc: ExporterProcess = {
    child,
    port,
    url,
    log: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (options.ready !== false) {
    let gone = false;
    void exited.then(() => (gone = true));
    try {
      await waitFor(`the exporter to serve ${url}/-/ready (log: ${stderr})`, async () => {
        if (gone) throw new Error(`exporter exited early: ${stderr}`);
        const res = await fetch(`${url}/-/ready`).catch(() => null);
        return res?.status === 200 || undefined;
      }, options.readyTimeoutMs ?? 20_000);
    } catch (error) {
      // The caller never gets a handle to stop it: do not leave it running.
      child.kill('SIGKILL');
      throw error;
    }
  }
  return proc;
}
