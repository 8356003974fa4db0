import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDnsLookup, type DnsLookup } from '../../src/discovery/dns-lookup.js';
import { resolveDomain } from '../../src/discovery/resolve-domain.js';
import { describeWithReal } from '../support/require-real.js';
import { knotUnavailableReason, startKnot, type KnotServer } from '../support/knot-server.js';
import { RECORDS, startSilentDns, ZONE } from './zone-fixture.js';

describeWithReal('resolveDomain against Knot DNS on loopback', knotUnavailableReason(), () => {
  let knot: KnotServer;
  let lookup: DnsLookup;
  beforeAll(async () => {
    knot = await startKnot({ [ZONE]: RECORDS }, ['broken.test']);
    lookup = createDnsLookup({ servers: knot.servers, timeoutSeconds: 2 });
  });
  afterAll(async () => knot?.stop());

  it('lists every MX host in preference order with all its IPv4 and IPv6 addresses', async () => {
    const r = await resolveDomain(lookup, `multi.${ZONE}`);
    expect(r).toEqual({
      domain: `multi.${ZONE}`,
      mx_source: 'mx',
      error: null,
      min_ttl_seconds: 60,
      mx: [
        {
          host: `mx1.${ZONE}`,
          preference: 10,
          error: null,
          addresses: [
            { address: '127.0.0.11', family: 'ipv4' },
            { address: '127.0.0.12', family: 'ipv4' },
            { address: '::1', family: 'ipv6' },
          ],
        },
        { host: `mx2.${ZONE}`, preference: 10, error: null, addresses: [{ address: '127.0.0.13', family: 'ipv4' }] },
        { host: `mx3.${ZONE}`, preference: 20, error: null, addresses: [{ address: '127.0.0.14', family: 'ipv4' }] },
      ],
    });
  });

  it('uses the domain itself as implicit MX when it has no MX records', async () => {
    const r = await resolveDomain(lookup, `implicit.${ZONE}`);
    expect(r.mx_source).toBe('implicit');
    expect(r.error).toBeNull();
    expect(r.mx).toEqual([{ host: `implicit.${ZONE}`, preference: 0, error: null, addresses: [{ address: '127.0.0.15', family: 'ipv4' }] }]);
  });

  it('reports a null MX as a fact with nothing to probe', async () => {
    expect(await resolveDomain(lookup, `nullmx.${ZONE}`)).toEqual({ domain: `nullmx.${ZONE}`, mx_source: 'null_mx', error: null, mx: [], min_ttl_seconds: null });
  });

  it('tells an MX naming an alias apart, and still lists where the alias leads', async () => {
    const r = await resolveDomain(lookup, `cname.${ZONE}`);
    expect(r.error).toBeNull();
    expect(r.mx[0]!.error?.reason).toBe('mx_cname');
    expect(r.mx[0]!.addresses).toEqual([{ address: '127.0.0.13', family: 'ipv4' }]);
  });

  it('tells an MX host without address records apart', async () => {
    const r = await resolveDomain(lookup, `noaddr.${ZONE}`);
    expect(r.mx).toEqual([{ host: `bare.${ZONE}`, preference: 10, error: expect.objectContaining({ stage: 'dns', reason: 'no_address' }), addresses: [] }]);
  });

  it.each([
    [`missing.${ZONE}`, 'nxdomain'],
    ['www.broken.test', 'servfail'],
  ])('%s fails with reason %s', async (domain, reason) => {
    const r = await resolveDomain(lookup, domain);
    expect(r.mx_source).toBeNull();
    expect(r.error).toEqual({ stage: 'dns', reason, message: expect.stringContaining(domain) });
  });

  it('tells a server that does not answer in time apart', async () => {
    const silent = await startSilentDns();
    try {
      const r = await resolveDomain(createDnsLookup({ servers: [silent.server], timeoutSeconds: 0.2, tries: 1 }), `multi.${ZONE}`);
      expect(r.error?.reason).toBe('timeout');
    } finally {
      await silent.close();
    }
  });
});
