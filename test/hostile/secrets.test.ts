// Secrets stay secret: the real exporter process runs with a web config (TLS key, bcrypt hashes),
// is asked for everything it serves (with right and wrong passwords, a debug probe, the API),
// reloaded, stopped, and then its log (at debug level), every answer and its store file are
// searched for the password, the hashes, the Authorization header and the key material.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { startExporter, type ExporterProcess } from '../support/exporter-process.js';
import { waitFor } from '../support/wait-for.js';
import { useTempDir } from '../state/temp-dir.js';
import { get, type Answer } from './https-get.js';

const PASSWORD = 'Tr0ub4dor&3-do-not-leak';
const OTHER_PASSWORD = 'second-user-secret-xyz';

describe('secrets in the web config', () => {
  const tempDir = useTempDir();
  let dir: string;
  let exporter: ExporterProcess;
  let smtp: ScriptedSmtpServer;
  let caPem: string;
  let keyPem: string;
  let hashes: string[];
  const answers: Answer[] = [];
  let storeBytes = '';

  beforeAll(async () => {
    dir = tempDir();
    const ca = createCa();
    const leaf = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });
    caPem = ca.cert;
    keyPem = leaf.key;
    hashes = [bcrypt.hashSync(PASSWORD, 4), bcrypt.hashSync(OTHER_PASSWORD, 4).replace(/^\$2b\$/, '$2y$')];
    writeFileSync(join(dir, 'cert.pem'), leaf.cert);
    writeFileSync(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
    writeFileSync(
      join(dir, 'web.yml'),
      `tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\nbasic_auth_users:\n  prometheus: ${hashes[0]}\n  other: "${hashes[1]}"\n`,
    );
    smtp = await ScriptedSmtpServer.start({ capabilities: ['SIZE 1000', 'AUTH PLAIN LOGIN'] });
    writeFileSync(
      join(dir, 'config.yml'),
      `defaults:\n  schedule: "* * * * * *"\n  timeout: 2s\npoliteness:\n  min_gap: 0s\ngroups:\n  - name: g\n    targets: ["127.0.0.1:${smtp.port}"]\n`,
    );
    exporter = await startExporter(
      [`--config.file=${join(dir, 'config.yml')}`, `--web.config.file=${join(dir, 'web.yml')}`, `--storage.path=${join(dir, 'state.db')}`, '--log.level=debug'],
      { ready: false },
    );
  }, 60_000);

  afterAll(async () => {
    await exporter?.stop();
    await smtp?.close();
  });

  it('serves HTTPS only with the right password, and nothing it says or writes contains a secret', async () => {
    const base = exporter.url.replace('http:', 'https:');
    const ok = { ca: caPem, credentials: `prometheus:${PASSWORD}` };
    await waitFor('the exporter to answer /-/ready over HTTPS', async () => (await get(`${base}/-/ready`, ok).catch(() => null))?.status === 200 || undefined, 20_000);
    await waitFor('a scheduled probe', async () => {
      const r = await get(`${base}/api/v1/targets`, ok);
      return (JSON.parse(r.body) as { targets: { last_result: unknown }[] }).targets[0]?.last_result ? true : undefined;
    }, 20_000);

    // Wrong credentials of every kind, including the real password under another user and the
    // other user's password under the first.
    const wrong = [`prometheus:${PASSWORD}x`, `nobody:${PASSWORD}`, `prometheus:${OTHER_PASSWORD}`, `prometheus:${hashes[0]}`];
    for (const credentials of [...wrong, undefined]) {
      const r = await get(`${base}/metrics`, { ca: caPem, credentials });
      expect(r.status).toBe(401);
      answers.push(r);
    }
    expect((await get(`${base}/-/healthy`, { ca: caPem, credentials: `other:${OTHER_PASSWORD}` })).status).toBe(200);

    const target = encodeURIComponent(`127.0.0.1:${smtp.port}`);
    for (const path of ['/', '/metrics', '/api/v1/targets', `/api/v1/targets/${target}/changes`, `/probe?target=${target}&debug=true`, `/probe?target=${target}`, `/probe?target=${target}&password=${encodeURIComponent(PASSWORD)}`]) {
      const r = await get(`${base}${path}`, ok);
      expect(r.status, path).toBeLessThan(500);
      answers.push(r);
    }
    const debug = answers.find((a) => a.body.startsWith('Probe of'));
    expect(debug?.body).toContain('Transcript (seconds since the probe started):');

    exporter.child.kill('SIGHUP');
    await waitFor('the reload to be logged', () => (exporter.log().includes('config reloaded') ? true : undefined), 10_000);
    expect(await exporter.stop()).toBe(0);
    storeBytes = readFileSync(join(dir, 'state.db')).toString('latin1');

    const log = exporter.log();
    expect(log).toContain('basic authentication failed');
    const everything = { log, answers: answers.map((a) => `${JSON.stringify(a.headers)}\n${a.body}`).join('\n'), store: storeBytes };
    const keyLines = keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const secrets = [
      PASSWORD,
      OTHER_PASSWORD,
      // Every Authorization header sent: a wrong one may hold a real password under another name.
      ...[`prometheus:${PASSWORD}`, `other:${OTHER_PASSWORD}`, ...wrong].map((c) => Buffer.from(c).toString('base64')),
      ...hashes,
      ...hashes.map((h) => h.slice(7)), // the salt and digest without the "$2y$04$" prefix
      ...keyLines,
      'PRIVATE KEY',
    ];
    for (const [where, text] of Object.entries(everything)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  }, 90_000);

  it('a web config with a bad hash stops the start-up with the file and line, not the hash', async () => {
    const own = tempDir();
    writeFileSync(join(own, 'config.yml'), 'groups:\n  - name: g\n    targets: ["127.0.0.1:25"]\n');
    const bad = join(own, 'bad-web.yml');
    const leakedHash = '$2y$10$thisIsNotLongEnoughToBeAHash';
    writeFileSync(bad, `basic_auth_users:\n  prometheus: "${leakedHash}"\n`);
    const failed = await startExporter(
      [`--config.file=${join(own, 'config.yml')}`, `--web.config.file=${bad}`, `--storage.path=${join(own, 'bad.db')}`],
      { ready: false },
    );
    expect(await failed.exited).toBe(1);
    expect(failed.log()).toContain(`${bad}:2: basic_auth_users.prometheus: not a bcrypt hash`);
    expect(failed.log()).not.toContain(leakedHash.slice(7));
  }, 30_000);
});
