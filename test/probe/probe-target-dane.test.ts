// DANE through the real probe (the entry the scheduler uses), over real TLS sessions: TLSA records
// in the options, the presented chain checked in the session, the verdict in tls.dane. The last
// block takes the records from a real validating resolver and rotates them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lookupDane } from '../../src/discovery/dane-lookup.js';
import { createSecureDnsClient } from '../../src/discovery/secure-dns.js';
import type { ProbeResult } from '../../src/probe/probe-result.js';
import { probeTarget } from '../../src/probe/probe-target.js';
import type { DaneCheck } from '../../src/smtp/types.js';
import { createCa, type KeyAndCert, type TestCa } from '../fakes/certificates.js';
import { ScriptedSmtpServer } from '../fakes/scripted-smtp-server.js';
import { dnssecUnavailableReason, startDnssecResolver, tlsaFor, tlsaLine, type DnssecResolver } from '../support/dnssec-resolver.js';
import { describeWithReal } from '../support/require-real.js';
import { probeOptions, type ProbeOptionChanges } from '../support/probe-options.js';

const MX = 'mx.dane.test';

const servers: ScriptedSmtpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(tls: KeyAndCert): Promise<ScriptedSmtpServer> {
  const server = await ScriptedSmtpServer.start({ tls, capabilities: ['PIPELINING', 'STARTTLS'] });
  servers.push(server);
  return server;
}

/** WebPKI cannot verify these certificates (their CA is not trusted) and fails the probe on that unless DANE is asked. */
function probe(server: ScriptedSmtpServer, dane: DaneCheck | null, tls: ProbeOptionChanges['tls'] = {}): Promise<ProbeResult> {
  return probeTarget(
    { target: `${MX}:${server.port}`, host: MX, port: server.port, dial: '127.0.0.1' },
    probeOptions({ starttls: 'required', tls: { failOnVerifyError: true, dane, ...tls } }),
  );
}

let ca: TestCa;
let leaf: KeyAndCert;
beforeAll(() => {
  ca = createCa({ commonName: 'dane.test issuing CA' });
  leaf = ca.issue({ commonName: MX });
});

describe('DANE in the TLS session', () => {
  it('DANE-EE 3 1 1 matching the leaf: matched, and a WebPKI failure does not fail the probe', async () => {
    const record = tlsaFor(leaf.cert, 3, 1, 1);
    const result = await probe(await serve(leaf), { records: [record], names: [MX] });
    expect(result.success).toBe(true);
    expect(result.tls?.verified).toBe(false);
    expect(result.tls?.dane).toEqual({ usable_records: 1, matched: record, failure: null, leaf_spki_sha256: record.data, leaf_cert_sha256: tlsaFor(leaf.cert, 3, 0, 1).data });
    expect(result.transcript.some((e) => e.line.includes('DANE: a TLSA record matches'))).toBe(true);
  });

  it('DANE-TA 2 0 1 for the CA the server sends after its leaf: matched', async () => {
    const record = tlsaFor(ca.cert, 2, 0, 1);
    const result = await probe(await serve({ key: leaf.key, cert: leaf.cert + ca.cert }), { records: [record], names: [MX] });
    expect(result.success).toBe(true);
    expect(result.tls?.dane).toMatchObject({ matched: record, failure: null });
  });

  it('DANE-TA 2 0 1 for a CA we trust but the server did not send: no_match (the anchor must be presented)', async () => {
    const result = await probe(await serve(leaf), { records: [tlsaFor(ca.cert, 2, 0, 1)], names: [MX] }, { ca: ca.cert });
    expect(result.tls?.verified).toBe(true);
    expect(result.tls?.dane).toMatchObject({ matched: null, failure: 'no_match' });
  });

  it('a rotated certificate the TLSA record does not name: no_match, with the digests of what was presented', async () => {
    const rotated = ca.issue({ commonName: MX });
    const result = await probe(await serve(rotated), { records: [tlsaFor(leaf.cert, 3, 1, 1)], names: [MX] });
    expect(result.success).toBe(true);
    expect(result.tls?.dane).toEqual({
      usable_records: 1,
      matched: null,
      failure: 'no_match',
      leaf_spki_sha256: tlsaFor(rotated.cert, 3, 1, 1).data,
      leaf_cert_sha256: tlsaFor(rotated.cert, 3, 0, 1).data,
    });
    expect(result.transcript.some((e) => e.line.includes('DANE: no_match'))).toBe(true);
  });

  it('DANE-TA 2 0 1 with a leaf for another name: name_mismatch', async () => {
    const elsewhere = ca.issue({ commonName: 'mx.elsewhere.test' });
    const result = await probe(await serve({ key: elsewhere.key, cert: elsewhere.cert + ca.cert }), { records: [tlsaFor(ca.cert, 2, 0, 1)], names: [MX, 'dane.test'] });
    expect(result.tls?.dane).toMatchObject({ matched: null, failure: 'name_mismatch' });
  });

  it('only PKIX usages (0/1): no_usable_records', async () => {
    const result = await probe(await serve(leaf), { records: [tlsaFor(leaf.cert, 1, 1, 1), tlsaFor(ca.cert, 0, 0, 1)], names: [MX] });
    expect(result.tls?.dane).toMatchObject({ usable_records: 0, matched: null, failure: 'no_usable_records' });
  });

  it('without DANE asked: no tls.dane, and the WebPKI failure fails the probe as before', async () => {
    const result = await probe(await serve(leaf), null);
    expect(result.success).toBe(false);
    expect(result.error?.reason).toBe('tls_verify');
    expect(result.tls).not.toBeNull();
    expect(result.tls).not.toHaveProperty('dane');
  });
});

describeWithReal('DANE from a validating resolver to the probe, and a TLSA rotation', dnssecUnavailableReason(), () => {
  let resolver: DnssecResolver;
  const zone = (cert: string, port: number) => `mx A 127.0.0.1\n${tlsaLine(`_${port}._tcp.mx`, tlsaFor(cert, 3, 1, 1))}`;
  beforeAll(async () => {
    resolver = await startDnssecResolver({ signed: { 'dane.test': 'mx A 127.0.0.1' } });
  }, 30_000);
  afterAll(async () => resolver?.stop());

  it('the looked-up records match; after a certificate rotation they do not; after the TLSA update they do again', async () => {
    const client = createSecureDnsClient({ servers: [resolver.server], timeoutMs: 2000 });
    const check = async (server: ScriptedSmtpServer) => {
      const lookup = await lookupDane(client, MX, server.port);
      expect(lookup.status).toBe('secure');
      return (await probe(server, { records: lookup.records, names: [MX] })).tls?.dane?.failure;
    };
    const first = await serve(leaf);
    await resolver.setZone('dane.test', zone(leaf.cert, first.port));
    expect(await check(first)).toBeNull();

    const rotated = ca.issue({ commonName: MX });
    const second = await serve(rotated);
    await resolver.setZone('dane.test', zone(leaf.cert, second.port));
    expect(await check(second)).toBe('no_match');

    await resolver.setZone('dane.test', zone(rotated.cert, second.port));
    expect(await check(second)).toBeNull();
  });
});
