// The package as users get it: `npm pack`, then `npm install` of the tarball into an empty directory
// (its dependencies from the registry, which CI can reach), then `ehlo-exporter probe` and the exporter
// itself run from that install, against a fake SMTP server on loopback. The install skips install
// scripts and takes better-sqlite3's native binding from this checkout's node_modules (the same pinned
// version, built by `npm ci` for the Node running this test): compiling SQLite again costs minutes, and
// the production install's native build has its own test (test/docker). Slow (an install from the
// registry): always in CI, else with EHLO_SLOW_TESTS=1.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { IN_CI } from '../rules/external-tool.js';
import { REPO_ROOT, ensureBuilt, freePort } from '../support/exporter-process.js';
import { npmEnvForThisNode } from '../support/npm-for-this-node.js';
import { waitFor } from '../support/wait-for.js';

const SLOW = IN_CI || Boolean(process.env.EHLO_SLOW_TESTS);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe.skipIf(!SLOW)(
  `npm pack, installed into an empty directory${SLOW ? '' : ' (skipped: set EHLO_SLOW_TESTS=1; installs from the registry; always runs when CI=true)'}`,
  () => {
    let dir = '';
    let packed: PackResult = { filename: '', files: [] };
    let install = { status: null as number | null, output: '' };
    let installed = '';
    let sqliteVersions: string[] = [];
    let smtp: ScriptedSmtpServer | undefined;

    beforeAll(async () => {
      await ensureBuilt();
      dir = mkdtempSync(join(tmpdir(), 'ehlo-pack-'));
      const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
      if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
      packed = (JSON.parse(pack.stdout) as PackResult[])[0] as PackResult;
      const app = join(dir, 'app');
      mkdirSync(app);
      const npm = spawnSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, packed.filename)], {
        cwd: app,
        encoding: 'utf8',
        timeout: 300_000,
        env: npmEnvForThisNode(),
      });
      install = { status: npm.status, output: `${npm.stdout}${npm.stderr}${npm.error?.message ?? ''}` };
      installed = join(app, 'node_modules', 'ehlo-exporter');
      const sqlite = (root: string) => join(root, 'node_modules', 'better-sqlite3');
      if (npm.status === 0) cpSync(join(sqlite(REPO_ROOT), 'build'), join(sqlite(app), 'build'), { recursive: true });
      sqliteVersions = [sqlite(REPO_ROOT), sqlite(app)].map((d) => (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { version: string }).version);
      smtp = await ScriptedSmtpServer.start({});
    }, 420_000);

    afterAll(async () => {
      await smtp?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the tarball holds the built code, the docs, the rules, the dashboards and the LICENSE; no sources or tests', () => {
      const paths = packed.files.map((f) => f.path);
      for (const p of [
        'LICENSE',
        'README.md',
        'package.json',
        'dist/main.js',
        'docs/runbook.md',
        'docs/alerts.md',
        'config/prometheus/ehlo-exporter.rules.yml',
        'dashboards/ehlo-fleet-overview.json',
        'dashboards/ehlo-target-detail.json',
      ]) {
        expect(paths, p).toContain(p);
      }
      expect(paths.filter((p) => /^(src|test|mixin)\//.test(p) || p.endsWith('.ts'))).toEqual([]);
    });

    it('installs from the tarball, with its licence and links', () => {
      expect(install.status, install.output).toBe(0);
      // The binding taken from this checkout fits only the same better-sqlite3.
      expect(sqliteVersions[1]).toBe(sqliteVersions[0]);
      const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
      expect(pkg.license).toBe('Apache-2.0');
      expect(pkg.repository).toMatchObject({ url: expect.stringContaining('github.com/ehlo-exporter/ehlo-exporter') });
      expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/ehlo-exporter\/ehlo-exporter/);
      expect(pkg.bugs).toMatchObject({ url: 'https://github.com/ehlo-exporter/ehlo-exporter/issues' });
      const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
      expect(license).toContain('Apache License');
      expect(license).toContain('Version 2.0, January 2004');
      expect(license).toContain('END OF TERMS AND CONDITIONS');
    });

    it("every installed alert's runbook link names a section of the installed runbook", () => {
      const rules = parse(readFileSync(join(installed, 'config', 'prometheus', 'ehlo-exporter.rules.yml'), 'utf8')) as {
        groups: { rules: { alert?: string; annotations?: { runbook_url?: string } }[] }[];
      };
      const runbook = readFileSync(join(installed, 'docs', 'runbook.md'), 'utf8');
      const anchors = new Set([...runbook.matchAll(/^#{2,3} (\w+)$/gm)].map((m) => (m[1] ?? '').toLowerCase()));
      const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
      expect(alerts.length).toBeGreaterThan(10);
      for (const a of alerts) expect(anchors, a.alert).toContain(a.annotations?.runbook_url?.split('#')[1]);
    });

    it('`ehlo-exporter probe` from the install probes a fake SMTP server', async () => {
      expect(install.status, install.output).toBe(0);
      const bin = join(installed, '..', '.bin', 'ehlo-exporter');
      expect(existsSync(bin)).toBe(true);
      // Asynchronous: the fake server lives in this process and must answer while the probe runs.
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(bin, ['probe', `127.0.0.1:${smtp!.port}`, '--json'], { timeout: 30_000, env: npmEnvForThisNode() }, (_e, stdout, stderr) =>
          resolve({ status: child.exitCode, stdout, stderr }),
        );
      });
      expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
      const json = JSON.parse(r.stdout) as { success: boolean; extensions: string[] };
      expect(json.success).toBe(true);
      expect(json.extensions).toContain('PIPELINING');
    });

    it('the exporter from the install starts, probes and answers /-/healthy, and stops on SIGTERM', { timeout: 60_000 }, async () => {
      expect(install.status, install.output).toBe(0);
      const config = join(dir, 'ehlo-exporter.yml');
      writeFileSync(config, ['defaults:', '  schedule: "* * * * * *"', 'groups:', '  - name: pack', '    targets:', `      - 127.0.0.1:${smtp!.port}`, ''].join('\n'));
      const port = await freePort();
      const child = spawn(
        join(installed, '..', '.bin', 'ehlo-exporter'),
        [`--config.file=${config}`, `--storage.path=${join(dir, 'state.db')}`, `--web.listen-address=127.0.0.1:${port}`],
        { stdio: ['ignore', 'pipe', 'pipe'], env: npmEnvForThisNode() },
      );
      let log = '';
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      child.stdout.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitFor(`the installed exporter to answer ${url}/-/healthy (log: ${log})`, async () => {
          const res = await fetch(`${url}/-/healthy`).catch(() => null);
          return res?.status === 200 || undefined;
        }, 20_000);
        await waitFor('a probe of the fake server in /metrics', async () => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return /^smtp_probe_success\{[^}]*target="127\.0\.0\.1:\d+"[^}]*\} 1$/m.test(text) || undefined;
        }, 20_000);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, log).toBe(0);
    });
  },
);
