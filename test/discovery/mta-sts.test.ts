// MTA-STS and TLS-RPT end to end over real sockets: the records served by a real Knot, the policy
// fetched over HTTPS from port 443 of a loopback address the zone's mta-sts A record names, with
// the certificate checked against a test CA, exactly as the exporter will fetch it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDnsLookup, type DnsLookup } from '../../src/discovery/dns-lookup.js';
import { refreshMtaSts, type MtaStsDeps, type MtaStsStatus } from '../../src/discovery/mta-sts.js';
import { lookupTlsRpt } from '../../src/discovery/tls-rpt.js';
import { createCa, type TestCa } from '../fakes/certificates.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { policyText, POLICY_PATH, startMtaStsServer, type MtaStsServer } from '../support/mta-sts-server.js';
import { describeWithReal } from '../support/require-real.js';

const ZONE = 'sts.test';
const URL_OF_POLICY = `https://mta-sts.${ZONE}${POLICY_PATH}`;
const ENFORCE = policyText({ mode: 'enforce', mx: ['mx1.sts.test', '*.mx.sts.test'], max_age: 86400 });
const NOW = 1_800_000_000;

function records(address: string, id: string, extra = ''): string {
  return [
    `mta-sts A ${address}`,
    `_mta-sts TXT "v=STSv1; id=${id};"`,
    '_mta-sts TXT "unrelated text, ignored"',
    '_smtp._tls TXT "v=TLSRPTv1; " "rua=mailto:tls-reports@sts.test,https://reports.sts.test/tlsrpt"',
    '_smtp._tls.bad-rua TXT "v=TLSRPTv1; rua=ftp://reports.sts.test/x"',
    '_smtp._tls.no-rua TXT "v=TLSRPTv1; ruf=mailto:x@sts.test"',
    '_smtp._tls.bad-host TXT "v=TLSRPTv1; rua=https://xn--zz.sts.test/tlsrpt"',
    '_smtp._tls.not-uri TXT "v=TLSRPTv1; rua=reports at sts.test"',
    '_smtp._tls.twice TXT "v=TLSRPTv1; rua=mailto:a@sts.test"',
    '_smtp._tls.twice TXT "v=TLSRPTv1; rua=mailto:b@sts.test"',
    'nohost A 127.0.0.1',
    '_mta-sts.nohost TXT "v=STSv1; id=1"',
    '_mta-sts.double TXT "v=STSv1; id=1"',
    '_mta-sts.double TXT "v=STSv1; id=2"',
    extra,
  ].join('\n');
}

describeWithReal('MTA-STS against Knot DNS and an HTTPS policy server on loopback', knotUnavailableReason(), () => {
  let ca: TestCa;
  let server: MtaStsServer;
  let knot: KnotServer;
  let lookup: DnsLookup;
  const deps = (over: Partial<MtaStsDeps> = {}): MtaStsDeps => ({ lookup, ca: ca.cert, timeoutMs: 3000, nowSeconds: NOW, ...over });
  const refresh = (prev: MtaStsStatus | null = null, over: Partial<MtaStsDeps> = {}) => refreshMtaSts(ZONE, prev, deps(over));

  beforeAll(async () => {
    ca = createCa();
    server = await startMtaStsServer(ca.issue({ commonName: `mta-sts.${ZONE}` }));
    knot = await startKnot({ [ZONE]: records(server.address, 'id1') });
    lookup = createDnsLookup({ servers: knot.servers, timeoutSeconds: 2 });
  });
  afterAll(async () => {
    await server?.stop();
    await knot?.stop();
  });
  beforeEach(async () => {
    server.set({ status: 200, contentType: 'text/plain; charset=utf-8', body: ENFORCE, location: null, delayMs: 0, chunked: false });
    server.setCertificate(ca.issue({ commonName: `mta-sts.${ZONE}` }));
    await knot.setZone(ZONE, records(server.address, 'id1'));
  });

  it('reads the record, fetches and parses an enforce policy, and reads TLS-RPT', async () => {
    expect(await refresh()).toEqual({
      domain: ZONE,
      record: { id: 'id1' },
      record_error: null,
      policy: { version: 'STSv1', mode: 'enforce', mx: ['mx1.sts.test', '*.mx.sts.test'], max_age: 86400 },
      policy_id: 'id1',
      fetched_at: NOW,
      fetch_error: null,
      tlsrpt: { valid: true, rua: ['mailto:tls-reports@sts.test', 'https://reports.sts.test/tlsrpt'], error: null },
    });
  });

  it('reads a testing-mode policy served with LF line ends', async () => {
    server.set({ body: policyText({ mode: 'testing', mx: ['mx1.sts.test'], max_age: 600 }, '\n') });
    expect((await refresh()).policy).toEqual({ version: 'STSv1', mode: 'testing', mx: ['mx1.sts.test'], max_age: 600 });
  });

  it('hands back TXT records with their strings as sent and no TTL (c-ares reports none for TXT)', async () => {
    expect(await lookup.txt(`_smtp._tls.${ZONE}`)).toEqual([{ strings: ['v=TLSRPTv1; ', 'rua=mailto:tls-reports@sts.test,https://reports.sts.test/tlsrpt'], ttl: null }]);
  });

  describe('each fetch failure has its reason and a message naming the URL', () => {
    const failureOf = async (over: Partial<MtaStsDeps> = {}) => {
      const status = await refresh(null, over);
      expect(status.policy).toBeNull();
      expect(status.fetch_error?.message).toContain(URL_OF_POLICY);
      return status.fetch_error!;
    };

    it('a media type other than text/plain', async () => {
      server.set({ contentType: 'text/html' });
      expect(await failureOf()).toEqual({ reason: 'content_type', message: expect.stringContaining('"text/html"') });
      server.set({ contentType: null });
      expect((await failureOf()).reason).toBe('content_type');
    });

    it('a certificate from a CA the fetch does not trust', async () => {
      expect(await failureOf({ ca: null })).toEqual({ reason: 'tls', message: expect.stringMatching(/certificate/i) });
    });

    it('a configured CA that does not parse: node:tls ignores it, so nothing is trusted beyond the roots (and nothing throws)', async () => {
      const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      expect(await failureOf({ ca: broken })).toEqual({ reason: 'tls', message: expect.stringContaining('UNABLE_TO_VERIFY_LEAF_SIGNATURE') });
    });

    it('a certificate for another name', async () => {
      server.setCertificate(ca.issue({ commonName: `www.${ZONE}` }));
      expect(await failureOf()).toEqual({ reason: 'tls', message: expect.stringContaining(`mta-sts.${ZONE}`) });
    });

    it('a body over 64 KiB, declared or chunked', async () => {
      const big = `${ENFORCE}${'x-padding: y\r\n'.repeat(5000)}`;
      server.set({ body: big });
      expect(await failureOf()).toEqual({ reason: 'too_large', message: expect.stringContaining('Content-Length') });
      server.set({ body: big, chunked: true });
      expect(await failureOf()).toEqual({ reason: 'too_large', message: expect.stringContaining('body exceeds 65536 bytes') });
    });

    it('a redirect, not followed', async () => {
      server.set({ status: 301, location: `https://www.${ZONE}/mta-sts.txt` });
      const before = server.requests;
      expect(await failureOf()).toEqual({ reason: 'redirect', message: expect.stringContaining(`https://www.${ZONE}/mta-sts.txt`) });
      expect(server.requests).toBe(before + 1);
    });

    it('HTTP 404', async () => {
      server.set({ status: 404 });
      expect(await failureOf()).toEqual({ reason: 'http_status', message: expect.stringContaining('HTTP 404') });
    });

    it('a server that never answers, bounded by the timeout', async () => {
      server.set({ delayMs: Infinity });
      const started = Date.now();
      expect((await failureOf({ timeoutMs: 400 })).reason).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('a policy that breaks the grammar, with its line', async () => {
      server.set({ body: 'version: STSv1\nmode: enforce\nmode: testing\nmx: a.sts.test\nmax_age: 1\n' });
      expect(await failureOf()).toEqual({ reason: 'syntax', message: expect.stringContaining('line 3: mode appears again (first on line 2)') });
    });

    it('a policy host without addresses, and nobody listening', async () => {
      const noAddress = await refreshMtaSts(`nohost.${ZONE}`, null, deps());
      expect(noAddress.fetch_error).toEqual({ reason: 'dns', message: expect.stringContaining(`https://mta-sts.nohost.${ZONE}/`) });
      await knot.setZone(ZONE, records('127.0.0.1', 'id1').replace(/^mta-sts A .*$/m, 'mta-sts A 127.255.255.254'));
      expect((await failureOf()).reason).toBe('connect');
    });
  });

  it('fetches again when the id changes and not while it stays', async () => {
    const first = await refresh();
    const count = server.requests;
    const same = await refresh(first, { nowSeconds: NOW + 60 });
    expect(server.requests).toBe(count);
    expect(same).toEqual(first);
    await knot.setZone(ZONE, records(server.address, 'id2'));
    server.set({ body: policyText({ mode: 'testing', mx: ['mx1.sts.test'], max_age: 86400 }) });
    const changed = await refresh(same, { nowSeconds: NOW + 120 });
    expect(server.requests).toBe(count + 1);
    expect(changed).toMatchObject({ record: { id: 'id2' }, policy_id: 'id2', fetched_at: NOW + 120, policy: { mode: 'testing' } });
  });

  it('fetches again when max_age runs out (injected clock), and not a second before', async () => {
    const first = await refresh();
    const count = server.requests;
    expect((await refresh(first, { nowSeconds: NOW + 86399 })).fetched_at).toBe(NOW);
    expect(server.requests).toBe(count);
    expect((await refresh(first, { nowSeconds: NOW + 86400 })).fetched_at).toBe(NOW + 86400);
    expect(server.requests).toBe(count + 1);
  });

  it('keeps the cached policy through a failed fetch while it lasts, and says why the fetch failed', async () => {
    const first = await refresh();
    await knot.setZone(ZONE, records(server.address, 'id3'));
    server.set({ status: 500 });
    const kept = await refresh(first, { nowSeconds: NOW + 100 });
    expect(kept).toMatchObject({ record: { id: 'id3' }, policy: first.policy, policy_id: 'id1', fetched_at: NOW, fetch_error: { reason: 'http_status' } });
    const expired = await refresh(kept, { nowSeconds: NOW + 86400 });
    expect(expired).toMatchObject({ policy: null, policy_id: null, fetched_at: null, fetch_error: { reason: 'http_status' } });
  });

  it('keeps the cached policy while it lasts when the record disappears, as senders do (RFC 8461 §5.1)', async () => {
    const first = await refresh();
    await knot.setZone(ZONE, records(server.address, 'id1').replace(/^_mta-sts TXT "v=STSv1.*$/m, ''));
    const count = server.requests;
    const gone = await refresh(first, { nowSeconds: NOW + 10 });
    expect(gone).toMatchObject({ record: null, record_error: null, policy: first.policy, policy_id: 'id1', fetch_error: null });
    expect((await refresh(gone, { nowSeconds: NOW + 86400 })).policy).toBeNull();
    expect(server.requests).toBe(count);
  });

  it('reports a domain with two v=STSv1 records as having no valid record, and one without any as having none', async () => {
    const double = await refreshMtaSts(`double.${ZONE}`, null, deps());
    expect(double).toMatchObject({ record: null, record_error: expect.stringContaining(`_mta-sts.double.${ZONE}: 2 TXT records`), policy: null, fetch_error: null });
    expect(await refreshMtaSts(`absent.${ZONE}`, null, deps())).toMatchObject({ record: null, record_error: null, policy: null, tlsrpt: null });
  });

  it.each([
    ['bad-rua', 'must be a mailto: or https: URI'],
    ['no-rua', 'no rua= field'],
    ['bad-host', '"https://xn--zz.sts.test/tlsrpt" names no usable host'],
    ['not-uri', '"reports at sts.test" is not a URI'],
    ['twice', '2 TXT records begin with "v=TLSRPTv1"'],
  ])('TLS-RPT at %s is invalid: %s', async (name, message) => {
    const status = await lookupTlsRpt(lookup, `${name}.${ZONE}`);
    expect(status).toMatchObject({ valid: false, error: expect.stringContaining(message) });
  });
});
