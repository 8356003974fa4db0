// probeTarget() against a real, independent SMTP implementation (the `smtp-server` npm package)
// with STARTTLS on a certificate from our test CA: SIZE, AUTH and the post-TLS set are read right.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { probeTarget } from '../../src/probe/probe-target.js';
import { toProbeJson, type ProbeResult, type ProbeResultJson } from '../../src/probe/probe-result.js';
import { createCa, type TestCa } from '../fakes/certificates.js';
import { probeOptions } from '../support/probe-options.js';

const SIZE_LIMIT = 31_457_280;

let ca: TestCa;
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  ca = createCa();
  const leaf = ca.issue({ commonName: 'mx.example.com', sans: ['mx.example.com'] });
  const options: SMTPServerOptions & { hideREQUIRETLS: boolean } = {
    name: 'mx.example.com',
    banner: 'ehlo-exporter test server',
    key: leaf.key,
    cert: leaf.cert,
    size: SIZE_LIMIT,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
    // No reverse DNS for 127.0.0.1: tests must not depend on a resolver.
    disableReverseLookup: true,
    logger: false,
    onAuth: (_auth, _session, callback) => callback(new Error('no logins in tests')),
    // Announced inside TLS only (RFC 8689); newer than the package's type definitions.
    hideREQUIRETLS: false,
  };
  server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The probe's answer in its `probe --json` form, the contract these tests check. */
const probeJson = (...args: Parameters<typeof probeTarget>) => probeTarget(...args).then((r) => toProbeJson(r));

function probe(starttls: 'auto' | 'never' | 'required'): Promise<ProbeResultJson> {
  return probeJson(
    { target: `127.0.0.1:${port}`, host: '127.0.0.1', port },
    probeOptions({ starttls, timeoutSeconds: 10, tls: { serverName: 'mx.example.com', ca: ca.cert, failOnVerifyError: true } }),
  );
}

test('reads the greeting, SIZE, AUTH and STARTTLS, upgrades and reports the post-TLS set', async () => {
  const result = await probe('required');
  expect(result.error).toBeNull();
  expect(result.success).toBe(true);
  expect(result.banner?.code).toBe(220);
  expect(result.banner?.lines.join(' ')).toContain('ehlo-exporter test server');
  expect(result.esmtp).toBe(true);

  expect(result.ehlo_before_tls?.extensions).toContain('STARTTLS');
  expect(result.ehlo_before_tls?.size).toEqual({ advertised: true, limit_bytes: SIZE_LIMIT, no_fixed_limit: false });
  expect(result.starttls).toEqual({ mode: 'required', offered: true, attempted: true, reply_code: 220 });

  expect(result.tls).toMatchObject({ mode: 'starttls', verified: true, verify_error: null });
  expect(result.tls?.cert?.sans).toEqual(['DNS:mx.example.com']);
  expect(result.extensions).not.toContain('STARTTLS');
  // smtp-server announces REQUIRETLS only inside TLS (RFC 8689): the post-TLS set is really read.
  expect(result.extensions).toContain('REQUIRETLS');
  expect(result.extensions_before_tls).not.toContain('REQUIRETLS');
  expect(result.size).toEqual({ advertised: true, limit_bytes: SIZE_LIMIT, no_fixed_limit: false });
  expect(result.auth_mechanisms).toEqual(['CRAM-MD5', 'LOGIN', 'PLAIN']);
  expect(result.reply_codes).toMatchObject({ greeting: 220, ehlo: 250, starttls: 220, ehlo_tls: 250, quit: 221 });
});

test('with STARTTLS never, the plaintext set is the effective one', async () => {
  const result = await probe('never');
  expect(result.success).toBe(true);
  expect(result.tls).toBeNull();
  expect(result.extensions).toContain('STARTTLS');
  expect(result.extensions).toEqual(result.extensions_before_tls);
  expect(result.size.limit_bytes).toBe(SIZE_LIMIT);
});
