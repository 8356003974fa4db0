// probeTarget() and TLS over real sockets: STARTTLS upgrade, the RFC 3207 reset, certificate
// facts whether or not they verify, handshake failures and implicit TLS. Verification stays on.
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { probeTarget } from '../../src/probe/probe-target.js';
import { toProbeJson, type ProbeResult, type ProbeResultJson } from '../../src/probe/probe-result.js';
import { createCa, createSelfSigned, type KeyAndCert, type TestCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer, type ScriptedServerOptions } from '../fakes/scripted-smtp-server.js';
import { probeOptions, type ProbeOptionChanges } from '../support/probe-options.js';

const servers: ScriptedSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let ca: TestCa;
let valid: KeyAndCert;
beforeAll(() => {
  ca = createCa();
  valid = ca.issue({ commonName: 'mx.example.com', organization: 'Example Mail', sans: ['mx.example.com', '127.0.0.1'] });
});

async function serve(options: ScriptedServerOptions): Promise<ScriptedSmtpServer> {
  const server = await ScriptedSmtpServer.start(options);
  servers.push(server);
  return server;
}

/** The probe's answer in its `probe --json` form, the contract these tests check. */
const probeJson = (...args: Parameters<typeof probeTarget>) => probeTarget(...args).then((r) => toProbeJson(r));

function probe(server: { port: number }, over: ProbeOptionChanges = {}, tls: ProbeOptionChanges['tls'] = {}): Promise<ProbeResultJson> {
  return probeJson(
    { target: `127.0.0.1:${server.port}`, host: '127.0.0.1', port: server.port },
    probeOptions({ ...over, tls: { serverName: 'mx.example.com', ca: ca.cert, ...tls } }),
  );
}

describe('STARTTLS upgrade', () => {
  test('`250 STARTTLS` as the last line: upgrades, keeps both capability sets, verifies with the CA', async () => {
    const server = await serve({
      tls: valid,
      capabilities: ['PIPELINING', 'SIZE 10240000', 'STARTTLS'],
      capabilitiesAfterTls: ['PIPELINING', 'SIZE 20480000', 'AUTH PLAIN LOGIN'],
    });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.starttls).toEqual({ mode: 'auto', offered: true, attempted: true, reply_code: 220 });
    expect(result.extensions_before_tls).toEqual(['PIPELINING', 'SIZE', 'STARTTLS']);
    expect(result.extensions).toEqual(['AUTH', 'PIPELINING', 'SIZE']);
    expect(result.size.limit_bytes).toBe(20480000);
    expect(result.auth_mechanisms).toEqual(['LOGIN', 'PLAIN']);
    expect(result.ehlo_before_tls?.size.limit_bytes).toBe(10240000);

    const x509 = new X509Certificate(valid.cert);
    expect(result.tls).toEqual({
      mode: 'starttls',
      version: 'TLSv1.3',
      cipher: expect.stringMatching(/^TLS_/),
      cert: {
        subject: 'CN=mx.example.com, O=Example Mail',
        sans: ['DNS:mx.example.com', 'IP:127.0.0.1'],
        issuer: 'CN=ehlo-exporter test CA, O=ehlo-exporter tests',
        not_before: new Date(x509.validFrom).toISOString(),
        not_after: new Date(x509.validTo).toISOString(),
        fingerprint_sha256: x509.fingerprint256,
      },
      chain_earliest_not_after: new Date(x509.validTo).toISOString(),
      verified: true,
      verify_error: null,
    });
    expect(Object.keys(result.timings_seconds).sort()).toEqual(['connect', 'ehlo', 'ehlo_tls', 'greeting', 'quit', 'starttls', 'tls_handshake', 'total']);
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'STARTTLS', 'EHLO probe.example.net', 'QUIT']);
    expect(server.lastSession?.violations).toEqual([]);
  });

  test('required mode succeeds when the upgrade works', async () => {
    const server = await serve({ tls: valid });
    const result = await probe(server, { starttls: 'required' });
    expect(result.success).toBe(true);
    expect(result.tls?.verified).toBe(true);
  });

  // A server with Nagle on holds its EHLO reply behind its own unacknowledged ticket segment until
  // our delayed ACK fires (40 ms), which the probe would report as the server's ehlo_tls time; an
  // EHLO sent after the ticket carries that ACK (test/bench/postfix-tls.ts measures it on Postfix).
  test('TLS 1.3: the EHLO inside TLS is sent only once the server\'s session ticket is in', async () => {
    const server = await serve({ tls: valid });
    const result = await probe(server, { starttls: 'required' });
    expect(result.tls?.version).toBe('TLSv1.3');
    const lines = result.transcript.map((e) => `${e.dir} ${e.line}`);
    const established = lines.findIndex((l) => l.startsWith('* TLS established'));
    const ticket = lines.indexOf('* TLS 1.3 session ticket received');
    const ehloInTls = lines.findIndex((l, i) => i > established && l === 'C EHLO probe.example.net');
    expect(established).toBeGreaterThan(0);
    expect(ticket).toBeGreaterThan(-1);
    expect(ticket).toBeLessThan(ehloInTls);
    expect(lines.filter((l) => l.includes('session ticket'))).toHaveLength(1);
  });

  test('bytes injected after the STARTTLS 220 are discarded, never read as post-TLS facts', async () => {
    const server = await serve({
      tls: valid,
      capabilities: ['SIZE 1000', 'STARTTLS'],
      capabilitiesAfterTls: ['SIZE 1000'],
      injectAfterStartTls: '250-mx.evil.test\r\n250-INJECTED\r\n',
    });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.extensions).toEqual(['SIZE']);
    expect(result.ehlo_after_tls?.domain).toBe('mx.test');
    expect(Object.keys(result.ehlo_after_tls?.keywords ?? {})).not.toContain('INJECTED');
    expect(JSON.stringify(result.ehlo_after_tls)).not.toContain('evil');
    expect(result.transcript.some((e) => e.dir === '*' && /discarded \d+ bytes.*RFC 3207/.test(e.line))).toBe(true);
  });

  test('garbage after the 220 is discarded, not judged as a reply', async () => {
    const server = await serve({ tls: valid, injectAfterStartTls: 'not SMTP at all\r\n\u0000\u0001' });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.tls?.verified).toBe(true);
  });

  test('a complete injected reply after the 220 is discarded too', async () => {
    const server = await serve({ tls: valid, injectAfterStartTls: '250 INJECTED\r\n' });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.ehlo_after_tls?.domain).toBe('mx.test');
    expect(result.reply_codes.ehlo_tls).toBe(250);
  });
});

describe('certificate facts without verification', () => {
  test('without our CA the chain does not verify; facts are still recorded and the probe succeeds', async () => {
    const server = await serve({ tls: valid });
    const result = await probe(server, {}, { ca: null });
    expect(result.success).toBe(true);
    expect(result.tls?.verified).toBe(false);
    expect(result.tls?.verify_error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(result.tls?.cert?.subject).toBe('CN=mx.example.com, O=Example Mail');
  });

  test('an expired certificate: facts recorded, not verified with CERT_HAS_EXPIRED', async () => {
    const expired = ca.issue({ commonName: 'mx.example.com', notBeforeDays: -60, notAfterDays: -1 });
    const server = await serve({ tls: expired });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.tls?.verified).toBe(false);
    expect(result.tls?.verify_error).toBe('CERT_HAS_EXPIRED');
    expect(Date.parse(result.tls?.cert?.not_after ?? '')).toBeLessThan(Date.now());
    expect(result.ehlo_after_tls).not.toBeNull();
  });

  test('an expired certificate with failOnVerifyError fails at tls_handshake as tls_verify, facts kept, QUIT inside TLS', async () => {
    const expired = ca.issue({ commonName: 'mx.example.com', notBeforeDays: -60, notAfterDays: -1 });
    const server = await serve({ tls: expired });
    const result = await probe(server, {}, { failOnVerifyError: true });
    expect(result.success).toBe(false);
    expect(result.error).toMatchObject({ stage: 'tls_handshake', reason: 'tls_verify', detail: 'ERR_CERT_NOT_VERIFIED', code: null });
    expect(result.tls?.verify_error).toBe('CERT_HAS_EXPIRED');
    expect(result.tls?.cert?.fingerprint_sha256).toBe(new X509Certificate(expired.cert).fingerprint256);
    expect(result.extensions).toEqual([]);
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'STARTTLS', 'QUIT']);
  });

  test('a self-signed certificate is reported as such', async () => {
    const self = createSelfSigned({ commonName: 'mx.example.com' });
    const server = await serve({ tls: self });
    const result = await probe(server);
    expect(result.success).toBe(true);
    expect(result.tls).toMatchObject({ verified: false, verify_error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(result.tls?.cert?.issuer).toBe('CN=mx.example.com');
  });

  test('a certificate for another name verifies as a chain but fails the name check', async () => {
    const other = ca.issue({ commonName: 'other.example.org' });
    const server = await serve({ tls: other });
    const result = await probe(server);
    expect(result.tls).toMatchObject({ verified: false, verify_error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(result.tls?.cert?.sans).toEqual(['DNS:other.example.org']);
  });

  test('the earliest expiry is taken over the whole presented chain', async () => {
    const shortCa = createCa({ commonName: 'short-lived CA', notAfterDays: 5 });
    const leaf = shortCa.issue({ commonName: 'mx.example.com', notAfterDays: 60 });
    const server = await serve({ tls: { key: leaf.key, cert: leaf.cert + shortCa.cert } });
    const result = await probe(server, {}, { ca: shortCa.cert });
    expect(result.tls?.verified).toBe(true);
    expect(result.tls?.chain_earliest_not_after).toBe(new Date(new X509Certificate(shortCa.cert).validTo).toISOString());
    expect(result.tls?.cert?.not_after).toBe(new Date(new X509Certificate(leaf.cert).validTo).toISOString());
  });
});

describe('handshake failures', () => {
  test('a server that answers the ClientHello with plain text fails at tls_handshake as tls_error', async () => {
    const server = await serve({
      tls: valid,
      starttls: async (s) => {
        s.ignoreInput();
        const clientHello = s.nextClientBytes();
        s.reply(['220 2.0.0 Ready to start TLS']);
        await clientHello;
        s.write('this is not TLS at all\r\n');
      },
    });
    const result = await probe(server);
    expect(result.error).toMatchObject({ stage: 'tls_handshake', reason: 'tls_error', code: null });
    expect(result.tls).toBeNull();
  });

  test('a server that never starts TLS times out at tls_handshake', async () => {
    const server = await serve({
      tls: valid,
      starttls: (s) => {
        s.reply(['220 2.0.0 Ready to start TLS']);
        s.ignoreInput();
      },
    });
    const result = await probe(server, { timeoutSeconds: 1 });
    expect(result.error).toMatchObject({ stage: 'tls_handshake', reason: 'timeout' });
    expect(result.timings_seconds.total).toBeLessThan(3);
  });
});

describe('implicit TLS', () => {
  test('TLS first, then the greeting and EHLO inside it', async () => {
    const server = await serve({ tls: valid, implicitTls: true, capabilities: ['SIZE 35882577', 'AUTH PLAIN'] });
    const result = await probe(server, { implicitTls: true });
    expect(result.success).toBe(true);
    expect(result.tls).toMatchObject({ mode: 'implicit', verified: true });
    expect(result.banner?.code).toBe(220);
    expect(result.ehlo_before_tls).toBeNull();
    expect(result.extensions_before_tls).toEqual([]);
    expect(result.extensions).toEqual(['AUTH', 'SIZE']);
    expect(result.size.limit_bytes).toBe(35882577);
    expect(result.starttls.attempted).toBe(false);
    expect(server.lastSession?.commands).toEqual(['EHLO probe.example.net', 'QUIT']);
  });

  test('a plaintext server probed with implicit TLS fails at tls_handshake', async () => {
    const server = await serve({});
    const result = await probe(server, { implicitTls: true });
    expect(result.error).toMatchObject({ stage: 'tls_handshake', reason: 'tls_error' });
  });
});
