// lookupDane (RFC 7672 §2.2) against unbound validating knot-signed zones: secure TLSA records,
// a signed zone without them, an unsigned zone, a bogus one, lookup failures, and a rotation seen
// as soon as the zone is reloaded.
import { expect, it } from 'vitest';
import { lookupDane } from '../../src/discovery/dane-lookup.js';
import { createSecureDnsClient } from '../../src/discovery/secure-dns.js';
import type { TlsaRecord } from '../../src/smtp/types.js';
import { dnssecUnavailableReason } from '../support/dnssec-resolver.js';
import { describeWithReal } from '../support/require-real.js';
import { BOGUS, BROKEN, CACHED_TTL, EE_RECORD, SIGNED, signedRecords, UNSIGNED, zonesResolver } from './dnssec-zones.js';
import { startSilentDns } from './zone-fixture.js';

describeWithReal('lookupDane against unbound validating knot-signed zones', dnssecUnavailableReason(), () => {
  const dns = zonesResolver();

  it('secure addresses and a secure TLSA RRset: the records, with their TTL', async () => {
    expect(await lookupDane(dns.client, `MX.${SIGNED}.`, 25)).toEqual({
      status: 'secure',
      name: `_25._tcp.mx.${SIGNED}`,
      records: [EE_RECORD],
      message: null,
      ttl_seconds: CACHED_TTL,
    });
  });

  it('a signed zone without TLSA records at that port: secure, no records (no DANE)', async () => {
    expect(await lookupDane(dns.client, `mx.${SIGNED}`, 465)).toMatchObject({ status: 'secure', name: `_465._tcp.mx.${SIGNED}`, records: [], message: null, ttl_seconds: CACHED_TTL });
    expect(await lookupDane(dns.client, `notlsa.${SIGNED}`, 25)).toMatchObject({ status: 'secure', records: [] });
  });

  it('an unsigned zone: insecure, its TLSA records are not trusted', async () => {
    const lookup = await lookupDane(dns.client, `mx.${UNSIGNED}`, 25);
    expect(lookup).toMatchObject({ status: 'insecure', records: [], ttl_seconds: null });
    expect(lookup.message).toContain(`A mx.${UNSIGNED}`);
  });

  it('a zone whose signatures do not validate: bogus', async () => {
    const lookup = await lookupDane(dns.client, `mx.${BOGUS}`, 25);
    expect(lookup).toMatchObject({ status: 'bogus', records: [] });
    expect(lookup.message).toContain('DNSSEC validation failed');
  });

  it('an MX host that is an alias: TLSA at the alias target first, then at the MX host name (RFC 7672 §2.2.3)', async () => {
    expect(await lookupDane(dns.client, `alias.${SIGNED}`, 25)).toMatchObject({ status: 'secure', name: `_25._tcp.mx.${SIGNED}`, records: [EE_RECORD] });
    expect(await lookupDane(dns.client, `alias2.${SIGNED}`, 25)).toMatchObject({ status: 'secure', name: `_25._tcp.alias2.${SIGNED}`, records: [EE_RECORD] });
    expect(await lookupDane(dns.client, `alias.${SIGNED}`, 587)).toMatchObject({ status: 'secure', name: `_587._tcp.alias.${SIGNED}`, records: [] });
  });

  it('a zone that fails for reasons other than DNSSEC: error, not bogus', async () => {
    expect(await lookupDane(dns.client, `mx.${BROKEN}`, 25)).toMatchObject({ status: 'error', message: `A mx.${BROKEN}: the resolver answered SERVFAIL` });
  });

  it('an MX host without addresses: an error, not a verdict on DANE', async () => {
    const lookup = await lookupDane(dns.client, `noaddr.${SIGNED}`, 25);
    expect(lookup).toMatchObject({ status: 'error', message: `noaddr.${SIGNED} has no A or AAAA records` });
  });

  it('a rotated TLSA record is seen at once after the zone is reloaded', async () => {
    const rotated: TlsaRecord = { usage: 2, selector: 0, matching_type: 2, data: 'cd'.repeat(64) };
    await dns.resolver.setZone(SIGNED, signedRecords([rotated]));
    try {
      expect((await lookupDane(dns.client, `mx.${SIGNED}`, 25)).records).toEqual([rotated]);
    } finally {
      await dns.resolver.setZone(SIGNED, signedRecords());
    }
    expect((await lookupDane(dns.client, `mx.${SIGNED}`, 25)).records).toEqual([EE_RECORD]);
  });
});

it('a resolver that never answers: status error with the timeout, never a rejection', async () => {
  const silent = await startSilentDns();
  try {
    const lookup = await lookupDane(createSecureDnsClient({ servers: [silent.server], timeoutMs: 200 }), 'mx.example.test', 25);
    expect(lookup).toMatchObject({ status: 'error', name: '_25._tcp.mx.example.test', records: [], ttl_seconds: null });
    expect(lookup.message).toContain('no answer');
  } finally {
    await silent.close();
  }
});
