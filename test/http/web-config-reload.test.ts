// The web config re-read while the exporter runs, over real TLS connections: a rotated certificate
// is served without a restart, a broken file keeps the old config (and is logged once), users
// change live, and a change that needs a restart says so instead of half-applying.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { createCa, type TestCa } from '../fakes/certificates.js';
import { waitFor } from '../support/wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'ehlo-web-reload-'));
const webFile = join(dir, 'web.yml');
const logLines: Array<{ msg: string; err?: string }> = [];
let ca: TestCa;
let app: App;
let port: number;

const TLS = 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n';
const users = (...names: string[]) => `basic_auth_users:\n${names.map((n) => `  ${n}: ${bcrypt.hashSync(`${n}-pw`, 4)}\n`).join('')}`;

/** Writes a new leaf as cert-manager does: the same file names, new contents. */
function rotate(commonName: string): void {
  const leaf = ca.issue({ commonName, sans: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'key.pem'), leaf.key);
  writeFileSync(join(dir, 'cert.pem'), leaf.cert);
}

/** The subject CN the server presents on a new connection. */
function servedName(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost' }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.end();
    });
    socket.once('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

function status(user?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const auth = user === undefined ? {} : { authorization: `Basic ${Buffer.from(`${user}:${user}-pw`).toString('base64')}` };
    const req = https.get({ host: '127.0.0.1', port, path: '/-/healthy', ca: ca.cert, servername: 'localhost', agent: false, headers: auth, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
  });
}

const errorsLogged = () => logLines.filter((l) => l.msg.startsWith('web config reload failed'));

beforeAll(async () => {
  ca = createCa();
  rotate('first');
  writeFileSync(webFile, TLS + users('prometheus'));
  const config = join(dir, 'ehlo-exporter.yml');
  writeFileSync(config, 'defaults:\n  schedule: "0 0 1 1 *"\ngroups:\n  - name: g\n    targets: ["127.0.0.1:9"]\n');
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as { msg: string; err?: string }) });
  app = await createApp({
    configFile: config,
    storagePath: ':memory:',
    webConfigFile: webFile,
    webConfigPollMs: 100,
    defaultHeloName: 'probe.ehlo-exporter.test',
    version: 'test',
    nodeVersion: process.version,
    logger,
  });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the web config, changed under a running exporter', () => {
  it('serves a rotated certificate on new connections without a restart', async () => {
    expect(await servedName()).toBe('first');
    rotate('second');
    await waitFor('the rotated certificate to be served', async () => ((await servedName()) === 'second' ? true : undefined), 5000);
    expect(logLines.some((l) => l.msg === 'web config reloaded')).toBe(true);
  });

  it('keeps the running config when the new files do not load, logs it once, and applies the repaired file', async () => {
    // A key that does not belong to the certificate: cert-manager caught between two writes.
    writeFileSync(join(dir, 'key.pem'), ca.issue({ commonName: 'stray' }).key);
    await waitFor('the failure to be logged', () => (errorsLogged().length > 0 ? true : undefined), 5000);
    expect(errorsLogged()[0]!.err).toContain('the certificate, key or client CA cannot be used');
    // Many polls later: still the old certificate, and the same failure not logged again.
    await new Promise((r) => setTimeout(r, 600));
    expect(errorsLogged()).toHaveLength(1);
    expect(await servedName()).toBe('second');
    rotate('third');
    await waitFor('the repaired files to be applied', async () => ((await servedName()) === 'third' ? true : undefined), 5000);
  });

  it('applies added and removed users at once', async () => {
    expect(await status('prometheus')).toBe(200);
    expect(await status('grafana')).toBe(401);
    writeFileSync(webFile, TLS + users('grafana'));
    await waitFor('the new user to be accepted', async () => ((await status('grafana')) === 200 ? true : undefined), 5000);
    expect(await status('prometheus')).toBe(401);
    expect(await status()).toBe(401);
  });

  it('refuses a change that needs a restart (TLS off), keeps serving TLS, and applies the file once it is valid again', async () => {
    const before = errorsLogged().length;
    writeFileSync(webFile, users('grafana'));
    await waitFor('the refusal to be logged', () => (errorsLogged().length > before ? true : undefined), 5000);
    expect(errorsLogged().at(-1)!.err).toBe('TLS is on and the new file turns it off; restart the exporter for that (the running web config stays)');
    expect(await servedName()).toBe('third');
    expect(await status('grafana')).toBe(200);
    writeFileSync(webFile, TLS + users('grafana', 'prometheus'));
    await waitFor('the valid file to be applied', async () => ((await status('prometheus')) === 200 ? true : undefined), 5000);
  });
});
