import { afterEach, describe, expect, it } from 'vitest';
import { runProbeCommand, type ProbeCommandDeps } from '../../src/cli/probe-command.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import { createCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';

let server: ScriptedSmtpServer | undefined;
afterEach(async () => server?.close());

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: ProbeCommandDeps = {
    probe: probeTarget,
    defaultHeloName: () => 'probe.ehlo-exporter.test',
    out: (t) => (out += t),
    err: (t) => (err += t),
    nowSeconds: () => Date.now() / 1000,
  };
  const code = await runProbeCommand(argv, deps);
  return { code, out, err };
}

describe('ehlo-exporter probe', () => {
  it('prints the JSON contract for a STARTTLS server and exits 0', async () => {
    const ca = createCa();
    const leaf = ca.issue({ commonName: 'localhost', sans: ['localhost', '127.0.0.1'] });
    server = await ScriptedSmtpServer.start({
      tls: leaf,
      capabilities: ['PIPELINING', 'SIZE 35882577', '8BITMIME', 'LIMITS RCPTMAX=100 MAILMAX=1000'],
      capabilitiesAfterTls: ['PIPELINING', 'SIZE 35882577', '8BITMIME', 'AUTH PLAIN LOGIN', 'LIMITS RCPTMAX=100 MAILMAX=1000'],
    });
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ehlo-cli-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
    const { code, out, err } = await run([`127.0.0.1:${server.port}`, '--json', '--ca-file', caFile, '--tls-server-name', 'localhost']).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out);
    for (const key of ['target', 'address', 'success', 'error', 'banner', 'esmtp', 'size', 'extensions', 'extensions_before_tls', 'auth_mechanisms', 'limits', 'tls', 'timings_seconds', 'transcript']) {
      expect(json, key).toHaveProperty(key);
    }
    expect(json.success).toBe(true);
    expect(json.error).toBeNull();
    expect(json.size).toEqual({ advertised: true, limit_bytes: 35882577, no_fixed_limit: false });
    expect(json.extensions).toEqual(['8BITMIME', 'AUTH', 'LIMITS', 'PIPELINING', 'SIZE']);
    expect(json.extensions_before_tls).toContain('STARTTLS');
    expect(json.auth_mechanisms).toEqual(['LOGIN', 'PLAIN']);
    expect(json.limits).toEqual({ RCPTMAX: 100, MAILMAX: 1000 });
    expect(json.tls).toMatchObject({ verified: true, verify_error: null });
    expect(Object.keys(json.tls.cert).sort()).toEqual(['fingerprint_sha256', 'issuer', 'not_after', 'not_before', 'sans', 'subject']);
  });

  it('explains a failure for a person and exits 1', async () => {
    server = await ScriptedSmtpServer.start({ greeting: ['421 4.7.0 mx.test Error: too many connections from 127.0.0.1'] });
    const { code, out } = await run([`127.0.0.1:${server.port}`]);
    expect(code).toBe(1);
    expect(out).toContain('FAILED at greeting: service_unavailable (421)');
    expect(out).toContain('too many connections');
  });

  it('highlights what STARTTLS changed and shows SIZE in human units', async () => {
    const ca = createCa();
    server = await ScriptedSmtpServer.start({
      tls: ca.issue({ commonName: 'localhost' }),
      capabilities: ['SIZE 52428800', '8BITMIME'],
      capabilitiesAfterTls: ['SIZE 52428800', '8BITMIME', 'AUTH PLAIN'],
    });
    const { code, out } = await run([`127.0.0.1:${server.port}`, '--insecure', '--transcript']);
    expect(code).toBe(0);
    expect(out).toContain('SIZE        52428800 bytes (50.0 MiB)');
    expect(out).toMatch(/^\+ AUTH PLAIN {3}\(after TLS only\)$/m);
    expect(out).toMatch(/^- STARTTLS {3}\(before TLS only\)$/m);
    expect(out).toContain('verified  NO (');
    expect(out).toMatch(/C STARTTLS/);
  });

  it('records a certificate that does not verify without failing, as the exporter does, unless --fail-on-verify-error', async () => {
    const ca = createCa();
    server = await ScriptedSmtpServer.start({
      tls: ca.issue({ commonName: 'localhost' }),
      capabilities: ['SIZE 52428800', '8BITMIME'],
      capabilitiesAfterTls: ['SIZE 52428800', '8BITMIME', 'AUTH PLAIN'],
    });
    const byDefault = await run([`127.0.0.1:${server.port}`, '--json']);
    expect(byDefault.code).toBe(0);
    expect(JSON.parse(byDefault.out)).toMatchObject({ success: true, tls: { verified: false, verify_error: expect.any(String) }, size: { limit_bytes: 52428800 } });
    expect((await run([`127.0.0.1:${server.port}`, '--insecure'])).code).toBe(0);

    const strict = await run([`127.0.0.1:${server.port}`, '--json', '--fail-on-verify-error']);
    expect(strict.code).toBe(1);
    const json = JSON.parse(strict.out);
    expect(json.error).toMatchObject({ stage: 'tls_handshake', reason: 'tls_verify' });
    // What the plaintext EHLO said is reported; the set inside TLS was never seen, so it is unknown, not empty.
    expect(json.size_before_tls).toEqual({ advertised: true, limit_bytes: 52428800, no_fixed_limit: false });
    expect(json.extensions_before_tls).toEqual(['8BITMIME', 'SIZE', 'STARTTLS']);
    expect(json.size).toBeNull();
    expect(json.extensions).toBeNull();
    expect(json.auth_mechanisms).toBeNull();
    expect(json.limits).toBeNull();

    const text = await run([`127.0.0.1:${server.port}`, '--fail-on-verify-error']);
    expect(text.out).toContain('FAILED at tls_handshake: tls_verify');
    expect(text.out).toContain('SIZE        unknown inside TLS; before TLS: 52428800 bytes (50.0 MiB)');
  });

  it.each([
    [[], 'missing HOST[:PORT]'],
    [['mx.test', '--starttls', 'sometimes'], '--starttls must be one of auto, never, required'],
    [['mx.test', '--timeout', 'soon'], '--timeout must be a duration'],
    [['mx.test', '--tls', 'explicit'], '--tls takes only "implicit"'],
    [['mx.test:99999'], 'port'],
    [['mx.test', '--bogus'], "Unknown option '--bogus'"],
  ])('exits 2 with a one-line hint for %j', async (argv, message) => {
    const { code, err } = await run(argv as string[]);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('usage: ehlo-exporter probe HOST[:PORT]');
  });
});
