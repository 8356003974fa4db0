// The exporter as a whole (config → schedule → probe → state → metrics → HTTP) against a real
// SMTP server whose capabilities change between probes, and across a restart on the same store.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { shouldSkip, toolAvailable } from '../rules/external-tool.js';
import { sampleValue } from '../support/scrape.js';
import { createAppInDir } from '../support/app-in-dir.js';
import { waitFor } from '../support/wait-for.js';

const silent = pino({ level: 'silent' });
let server: ScriptedSmtpServer;
let dir: string;
let app: App | null = null;

function writeConfig(targets: string[]): string {
  const file = join(dir, 'ehlo-exporter.yml');
  writeFileSync(
    file,
    [
      'defaults:',
      '  schedule: "* * * * * *"',
      '  timeout: 5s',
      '  helo_name: probe.ehlo-exporter.test',
      'politeness:',
      '  min_gap: 0s',
      'groups:',
      '  - name: relays',
      '    targets:',
      ...targets.map((t) => `      - ${t}`),
      '',
    ].join('\n'),
  );
  return file;
}

async function start(): Promise<App> {
  app = await createAppInDir(dir, silent);
  return app;
}

async function metrics(): Promise<string> {
  const res = await app!.server.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** Waits until the exporter has finished `n` more probes of the target than it had at the call. */
async function probesLater(n: number): Promise<string> {
  const start = server.connectionCount;
  await waitFor(`${n} more probes`, () => server.connectionCount >= start + n || undefined);
  // The last connection may still be finishing: wait until its result is exported.
  return waitFor('its result in /metrics', async () => {
    const text = await metrics();
    const ts = sampleValue(text, 'smtp_last_probe_timestamp_seconds', { target });
    return ts !== undefined && server.lastSession?.closed ? text : undefined;
  });
}

let target: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehlo-e2e-'));
  server = await ScriptedSmtpServer.start({ capabilities: ['PIPELINING', 'SIZE 20971520', '8BITMIME', 'DSN', 'AUTH PLAIN LOGIN'] });
  target = `127.0.0.1:${server.port}`;
  writeConfig([target]);
});
afterEach(async () => {
  await app?.close();
  app = null;
});
afterAll(async () => {
  await server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('change detection through the whole exporter', () => {
  it('records each change once, keeps the removed extension at 0, and survives a restart without spurious changes', async () => {
    await start();
    let text = await probesLater(1);
    expect(sampleValue(text, 'smtp_probe_success', { target, group: 'relays' })).toBe(1);
    expect(sampleValue(text, 'smtp_size_limit_bytes', { target, tls: 'false' })).toBe(20971520);
    expect(sampleValue(text, 'smtp_extension_advertised', { target, extension: 'DSN', tls: 'false' })).toBe(1);
    expect(text).not.toContain('smtp_capability_changes_total{');

    server.set({ capabilities: ['PIPELINING', 'SIZE 10485760', '8BITMIME', 'AUTH PLAIN'] });
    text = await probesLater(2);
    const changes = (change: string) => sampleValue(text, 'smtp_capability_changes_total', { target, change });
    expect(changes('size_decreased')).toBe(1);
    expect(changes('extension_removed')).toBe(1);
    expect(changes('auth_mechanism_removed')).toBe(1);
    expect(changes('size_increased')).toBeUndefined();
    expect(sampleValue(text, 'smtp_size_limit_bytes', { target, tls: 'false' })).toBe(10485760);
    expect(sampleValue(text, 'smtp_extension_advertised', { target, extension: 'DSN', tls: 'false' })).toBe(0);
    expect(sampleValue(text, 'smtp_capabilities_last_change_timestamp_seconds', { target })).toBeGreaterThan(0);

    const api = await app!.server.inject({ method: 'GET', url: `/api/v1/targets/${encodeURIComponent(target)}/changes` });
    const events = (api.json() as { changes?: { kind: string; old_value: string | null; new_value: string | null }[] }).changes ?? api.json();
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'size_decreased', old_value: '20971520', new_value: '10485760' }),
        expect.objectContaining({ kind: 'extension_removed', subject: 'DSN' }),
      ]),
    );

    await app!.close();
    app = null;
    await start();
    text = await probesLater(2);
    expect(sampleValue(text, 'smtp_capability_changes_total', { target, change: 'size_decreased' })).toBe(1);
    expect(sampleValue(text, 'smtp_capability_changes_total', { target, change: 'extension_removed' })).toBe(1);
    expect(sampleValue(text, 'smtp_extension_advertised', { target, extension: 'DSN', tls: 'false' })).toBe(0);
  });

  it('a failed probe is not a capability change, and removed targets stop being exported after a reload', async () => {
    const other = await ScriptedSmtpServer.start({ capabilities: ['PIPELINING', 'SIZE 1000'] });
    const otherTarget = `127.0.0.1:${other.port}`;
    try {
      writeConfig([target, otherTarget]);
      await start();
      await waitFor('both targets probed', async () => {
        const text = await metrics();
        return sampleValue(text, 'smtp_probe_success', { target: otherTarget }) === 1 && sampleValue(text, 'smtp_probe_success', { target }) === 1 ? true : undefined;
      });
      const before = await metrics();
      server.set({ greeting: ['421 4.3.2 Service shutting down'] });
      let text = await waitFor('a failed probe', async () => {
        const t = await metrics();
        return sampleValue(t, 'smtp_probe_success', { target }) === 0 ? t : undefined;
      });
      expect(sampleValue(text, 'smtp_probe_failures_total', { target, stage: 'greeting', reason: 'service_unavailable' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(text, 'smtp_reply_code', { target, stage: 'greeting' })).toBe(421);
      expect(sampleValue(text, 'smtp_probe_backoff_seconds', { target })).toBeGreaterThan(0);
      for (const change of ['size_decreased', 'extension_removed', 'starttls_lost']) {
        expect(sampleValue(text, 'smtp_capability_changes_total', { target, change })).toBe(sampleValue(before, 'smtp_capability_changes_total', { target, change }));
      }
      // Capabilities stay those of the last successful probe while it is down.
      expect(sampleValue(text, 'smtp_extension_advertised', { target, extension: 'PIPELINING', tls: 'false' })).toBe(1);

      writeConfig([target]);
      const reload = await app!.server.inject({ method: 'POST', url: '/-/reload' });
      expect(reload.statusCode).toBe(200);
      text = await metrics();
      expect(text).not.toContain(otherTarget);
      expect(sampleValue(text, 'smtp_exporter_config_last_reload_successful')).toBe(1);

      writeFileSync(join(dir, 'ehlo-exporter.yml'), 'groups: [\n');
      const bad = await app!.server.inject({ method: 'POST', url: '/-/reload' });
      expect(bad.statusCode).toBe(500);
      expect(bad.body).toContain('ehlo-exporter.yml:');
      text = await metrics();
      expect(sampleValue(text, 'smtp_exporter_config_last_reload_successful')).toBe(0);
      expect(sampleValue(text, 'smtp_exporter_targets', { group: 'relays' })).toBe(1);
    } finally {
      server.set({ greeting: undefined });
      writeConfig([target]);
      await other.close();
    }
  });

  it('serves complete, valid /metrics while a fleet is being probed', async () => {
    const fleet = await Promise.all(Array.from({ length: 20 }, (_, i) => ScriptedSmtpServer.start({ capabilities: ['PIPELINING', `SIZE ${1000 + i}`, '8BITMIME'] })));
    const names = fleet.map((f) => `127.0.0.1:${f.port}`);
    try {
      writeConfig(names);
      await start();
      const scrapes: string[] = [];
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        scrapes.push(await metrics());
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const text of scrapes) {
        const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
        expect(new Set(series).size, 'no series twice in one scrape').toBe(series.length);
        // A target's series come from one probe: if it has a SIZE, it is that server's SIZE.
        for (const [i, name] of names.entries()) {
          const size = sampleValue(text, 'smtp_size_limit_bytes', { target: name, tls: 'false' });
          if (size !== undefined) expect(size).toBe(1000 + i);
        }
      }
      const last = scrapes[scrapes.length - 1]!;
      expect(names.filter((n) => sampleValue(last, 'smtp_probe_success', { target: n }) === 1).length).toBeGreaterThan(15);
      if (!shouldSkip(toolAvailable('promtool'))) {
        const check = spawnSync('promtool', ['check', 'metrics'], { input: last, encoding: 'utf8' });
        expect(check.status, check.stdout + check.stderr).toBe(0);
      }
    } finally {
      writeConfig([target]);
      await Promise.all(fleet.map((f) => f.close()));
    }
  });
});
