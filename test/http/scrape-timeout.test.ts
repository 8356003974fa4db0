// /probe within the scrape's own timeout (X-Prometheus-Scrape-Timeout-Seconds), as blackbox_exporter
// does: a silent server costs the scrape a failed probe in time, never a scrape timeout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { probeBudgetSeconds } from '../../src/http/scrape-timeout.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { sampleValue } from '../support/scrape.js';

describe('probeBudgetSeconds', () => {
  it.each([
    [undefined, undefined],
    ['10', 9.5],
    ['9.75', 9.25],
    [' 2 ', 1.5],
    // At or below the offset, half the scrape's timeout: the probe still ends before the scrape.
    ['1', 0.5],
    ['0.4', 0.2],
  ])('%s → %s', (header, budget) => {
    expect(probeBudgetSeconds(header)).toBe(budget);
  });

  it.each(['', '0', '-1', 'ten', '1e3', 'Infinity', '10s'])('"%s" is refused, naming the header', (header) => {
    expect(probeBudgetSeconds(header)).toEqual({
      error: `header X-Prometheus-Scrape-Timeout-Seconds must be a positive number of seconds, got "${header}"`,
    });
  });
});

describe('/probe of a silent server over real sockets', () => {
  let dir: string;
  let silent: ScriptedSmtpServer;
  let app: App;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehlo-scrape-timeout-'));
    // Accepts the connection and never sends its greeting.
    silent = await ScriptedSmtpServer.start({ greeting: () => undefined });
    const config = join(dir, 'ehlo-exporter.yml');
    // Scheduled once a year: only /probe talks to the server here.
    writeFileSync(config, `defaults:\n  schedule: "0 0 1 1 *"\n  timeout: 20s\ngroups:\n  - name: g\n    targets: ["127.0.0.1:${silent.port}"]\n`);
    app = await createApp({
      configFile: config,
      storagePath: ':memory:',
      defaultHeloName: 'probe.ehlo-exporter.test',
      version: 'test',
      nodeVersion: process.version,
      logger: pino({ level: 'silent' }),
    });
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}/probe?target=127.0.0.1:${silent.port}`;
  });

  afterAll(async () => {
    await app?.close();
    await silent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends the probe within the scrape timeout less the offset, instead of the configured 20 s', async () => {
    // The client waits longer than the scrape would: on a loaded machine the answer may come a
    // little after 2 s, and the point is that it comes near 1.5 s, not after the configured 20 s.
    const res = await fetch(url, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2' }, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sampleValue(text, 'smtp_probe_success')).toBe(0);
    expect(text).toMatch(/smtp_probe_failures_total\{[^}]*stage="greeting",reason="timeout"\} 1/);
    const took = sampleValue(text, 'smtp_probe_duration_seconds')!;
    // The budget is 1.5 s: the probe used it (not some other, shorter bound), and ended on it
    // (timers fire late on a loaded machine, so the upper bound leaves room; 20 s is far off).
    expect(took).toBeGreaterThanOrEqual(1.4);
    expect(took).toBeLessThan(5);
  });

  it('answers 400 naming the header when it is not a number, without probing', async () => {
    const before = silent.connectionCount;
    const res = await fetch(url, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': 'soon' }, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-error-code')).toBe('ERR_BAD_REQUEST');
    expect(await res.text()).toBe('header X-Prometheus-Scrape-Timeout-Seconds must be a positive number of seconds, got "soon"\n');
    expect(silent.connectionCount).toBe(before);
  });
});
