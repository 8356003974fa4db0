// The composition root under reloads and restarts, with real sockets, a real SQLite file and a
// scripted SMTP server: concurrent reloads coalesce, a reload does not reset /probe's rate limits,
// a failed reload is logged once, and a 421 back-off outlives a restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { createAppInDir } from '../support/app-in-dir.js';
import { sampleValue } from '../support/scrape.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let smtp: ScriptedSmtpServer;
let app: App | null = null;
let logLines: Array<{ msg: string; level: number }> = [];

/** A config probing the scripted server on `schedule` (by default once a year: on-demand probes only). */
function writeConfig(over: { schedule?: string; perTarget?: number; broken?: boolean } = {}): void {
  const lines = [
    'defaults:',
    `  schedule: "${over.schedule ?? '0 0 1 1 *'}"`,
    '  timeout: 5s',
    '  helo_name: probe.ehlo-exporter.test',
    'politeness:',
    '  min_gap: 0s',
    '  backoff_initial: 10m',
    'probe_endpoint:',
    `  per_target_per_minute: ${over.perTarget ?? 2}`,
    '  total_per_minute: 3',
    'groups:',
    '  - name: relays',
    '    targets:',
    `      - 127.0.0.1:${smtp.port}`,
    over.broken ? '  - name: [' : '',
    '',
  ];
  writeFileSync(join(dir, 'ehlo-exporter.yml'), lines.join('\n'));
}

async function start(): Promise<App> {
  const destination = { write: (line: string) => void logLines.push(JSON.parse(line) as { msg: string; level: number }) };
  app = await createAppInDir(dir, pino({ level: 'info' }, destination));
  return app;
}

const logged = (msg: RegExp) => logLines.filter((l) => msg.test(l.msg)).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ehlo-app-'));
  smtp = await ScriptedSmtpServer.start();
});
afterEach(async () => {
  await app?.close();
  app = null;
  logLines = [];
  smtp.set({ greeting: undefined });
  rmSync(join(dir, 'state.db'), { force: true });
});
afterAll(async () => {
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `n` POST /-/reload on n connections, all written before the server reads any; returns the status codes. */
async function concurrentReloads(port: number, n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    })),
  );
  const answers = sockets.map((s) => new Promise<number>((resolve, reject) => {
    let text = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (text += d));
    s.once('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    s.once('error', reject);
    s.setTimeout(30_000, () => s.destroy(new Error('no answer within 30 s')));
  }));
  for (const s of sockets) s.write('POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  return Promise.all(answers);
}

describe('reloads', () => {
  it('100 concurrent POST /-/reload all succeed and run at most 2 reloads', async () => {
    writeConfig();
    const exporter = await start();
    await exporter.server.listen({ host: '127.0.0.1', port: 0 });
    const port = (exporter.server.server.address() as net.AddressInfo).port;
    const codes = await concurrentReloads(port, 100);
    expect(codes).toEqual(Array(100).fill(200));
    const reloads = logged(/^config reloaded$/);
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThanOrEqual(2);
  });

  it('alternating reload and /probe cannot bypass the per-target rate limit', async () => {
    writeConfig();
    const exporter = await start();
    const target = `127.0.0.1:${smtp.port}`;
    const before = smtp.connectionCount;
    const answers = [];
    for (let i = 0; i < 6; i++) {
      expect((await exporter.server.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
      answers.push(await exporter.server.inject({ method: 'GET', url: `/probe?target=${target}` }));
    }
    // per_target_per_minute: 2 — the reloads in between refill nothing.
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 429, 429, 429, 429]);
    // The next token comes 30 s after the first probe (a minute's allowance of 2), less the time the
    // loop took since: 30 in whole seconds, 29 on a machine slow enough to take a second over it.
    for (const a of answers.slice(2)) expect(Number(a.headers['retry-after'])).toBeOneOf([29, 30]);
    expect(smtp.connectionCount - before).toBe(2);
  });

  it('a reload that raises the limit does not refill the buckets: the tokens already taken stay taken', async () => {
    writeConfig();
    const exporter = await start();
    const target = `127.0.0.1:${smtp.port}`;
    for (let i = 0; i < 2; i++) expect((await exporter.server.inject({ method: 'GET', url: `/probe?target=${target}` })).statusCode).toBe(200);
    writeConfig({ perTarget: 3 });
    expect((await exporter.server.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    expect((await exporter.server.inject({ method: 'GET', url: `/probe?target=${target}` })).statusCode).toBe(429);
  });

  it('a failed reload is logged once, keeps the old config, and says so in /metrics', async () => {
    writeConfig();
    const exporter = await start();
    writeConfig({ broken: true });
    const answer = await exporter.server.inject({ method: 'POST', url: '/-/reload' });
    expect(answer.statusCode).toBe(500);
    expect(answer.headers['x-error-code']).toBe('ERR_RELOAD_FAILED');
    expect(logLines.filter((l) => /reload failed/.test(l.msg)).length).toBe(1);
    const text = (await exporter.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sampleValue(text, 'smtp_exporter_config_last_reload_successful')).toBe(0);
    expect(sampleValue(text, 'smtp_exporter_targets', { group: 'relays' })).toBe(1);
  });
});

describe('the 421 back-off across a restart', () => {
  it('is kept in the store with the target state: after a restart the target is still left alone', async () => {
    smtp.set({ greeting: ['421 4.7.0 mx.test Error: too many connections'] });
    writeConfig({ schedule: '* * * * * *' });
    const target = `127.0.0.1:${smtp.port}`;
    const before = smtp.connectionCount;
    const first = await start();
    const backoff = async (exporter: App) =>
      sampleValue((await exporter.server.inject({ method: 'GET', url: '/metrics' })).body, 'smtp_probe_backoff_seconds', { target }) ?? 0;
    await waitFor('a 421 and its back-off', async () => (await backoff(first)) > 0 || undefined);
    const probed = smtp.connectionCount;
    expect(probed - before).toBe(1);
    await first.close();
    app = null;

    const second = await start();
    // 10 minutes of back-off were persisted with the state; the restart resumes them.
    expect(await backoff(second)).toBeGreaterThan(590);
    const onDemand = await second.server.inject({ method: 'GET', url: `/probe?target=${target}` });
    expect(onDemand.statusCode).toBe(429);
    expect(Number(onDemand.headers['retry-after'])).toBeGreaterThan(590);
    // The schedule fires every second: without the persisted back-off it would probe again now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(smtp.connectionCount).toBe(probed);
  });
});
