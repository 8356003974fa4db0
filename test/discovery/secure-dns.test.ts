// createSecureDnsClient against a real validating resolver (unbound) in front of a real signing
// authoritative server (knot): the AD bit, bogus detection, NXDOMAIN, CNAMEs, TCP on truncation,
// and the bounds (a silent server, a server that answers with the wrong ID).
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { expect, it } from 'vitest';
import { createSecureDnsClient, SecureDnsError } from '../../src/discovery/secure-dns.js';
import { dnssecUnavailableReason } from '../support/dnssec-resolver.js';
import { describeWithReal } from '../support/require-real.js';
import { BIG_RRSET, BOGUS, BROKEN, CACHED_TTL, SIGNED, UNSIGNED, zonesResolver } from './dnssec-zones.js';
import { startSilentDns } from './zone-fixture.js';

describeWithReal('secure-dns against unbound validating knot-signed zones', dnssecUnavailableReason(), () => {
  const dns = zonesResolver();

  it('a signed zone: the AD bit makes the answer secure', async () => {
    const answer = await dns.client.query(`mx.${SIGNED}`, 'A');
    expect(answer).toMatchObject({ rcode: 'NOERROR', status: 'secure', cnames: [], ttl: CACHED_TTL });
    expect(answer.records.map((r) => r.data)).toEqual(['127.0.0.21']);
  });

  it('an unsigned zone: answers, but insecure', async () => {
    const answer = await dns.client.query(`mx.${UNSIGNED}`, 'A');
    expect(answer).toMatchObject({ rcode: 'NOERROR', status: 'insecure' });
    expect(answer.records.map((r) => r.data)).toEqual(['127.0.0.23']);
  });

  it('a zone that does not validate: SERVFAIL, and bogus because the CD=1 retry answers', async () => {
    const answer = await dns.client.query(`mx.${BOGUS}`, 'A');
    expect(answer).toMatchObject({ rcode: 'SERVFAIL', status: 'bogus', records: [] });
  });

  it('a SERVFAIL that checking disabled does not cure is not bogus: rcode SERVFAIL, insecure', async () => {
    expect(await dns.client.query(`mx.${BROKEN}`, 'A')).toMatchObject({ rcode: 'SERVFAIL', status: 'insecure', records: [] });
  });

  it('the resolver over IPv6 ([::1]:port), UDP and TCP', async () => {
    const v6 = createSecureDnsClient({ servers: [dns.resolver.server6], timeoutMs: 2000 });
    expect(await v6.query(`mx.${SIGNED}`, 'AAAA')).toMatchObject({ status: 'secure', records: [{ data: '::1' }] });
    expect((await v6.query(`_25._tcp.big.${SIGNED}`, 'TLSA')).records).toHaveLength(BIG_RRSET.length);
  });

  it('a name that does not exist in a signed zone: a secure NXDOMAIN with the negative TTL', async () => {
    const answer = await dns.client.query(`nothing-here.${SIGNED}`, 'TLSA');
    expect(answer).toEqual({ rcode: 'NXDOMAIN', status: 'secure', records: [], cnames: [], ttl: CACHED_TTL });
  });

  it('NODATA in a signed zone: NOERROR, secure, no records', async () => {
    const answer = await dns.client.query(`_25._tcp.notlsa.${SIGNED}`, 'TLSA');
    expect(answer.status).toBe('secure');
    expect(['NOERROR', 'NXDOMAIN']).toContain(answer.rcode);
    expect(answer.records).toEqual([]);
    const nodata = await dns.client.query(`notlsa.${SIGNED}`, 'AAAA');
    expect(nodata).toMatchObject({ rcode: 'NOERROR', status: 'secure', records: [] });
  });

  it('follows the CNAME the resolver returns to the records asked for', async () => {
    const answer = await dns.client.query(`alias.${SIGNED}`, 'A');
    expect(answer).toMatchObject({ status: 'secure', cnames: [`mx.${SIGNED}`] });
    expect(answer.records).toEqual([{ name: `mx.${SIGNED}`, type: 'A', ttl: CACHED_TTL, data: '127.0.0.21' }]);
  });

  it('an RRset too large for UDP arrives whole over TCP', async () => {
    const answer = await dns.client.query(`_25._tcp.big.${SIGNED}`, 'TLSA');
    expect(answer.status).toBe('secure');
    const data = answer.records.map((r) => (r.data as { certificate: Buffer }).certificate.toString('hex')).sort();
    expect(data).toEqual(BIG_RRSET.map((r) => r.data).sort());
    // More than the 1232-byte UDP payload the query offers: it cannot have come over UDP.
    expect(data.join('').length / 2).toBeGreaterThan(1232);
  });

  it('asks the next server when the first is silent', async () => {
    const silent = await startSilentDns();
    try {
      const fallback = createSecureDnsClient({ servers: [silent.server, dns.resolver.server], timeoutMs: 300 });
      expect((await fallback.query(`mx.${SIGNED}`, 'A')).status).toBe('secure');
    } finally {
      await silent.close();
    }
  });
});

it('a silent server: rejects with ETIMEOUT after the per-attempt timeout', async () => {
  const silent = await startSilentDns();
  try {
    const client = createSecureDnsClient({ servers: [silent.server], timeoutMs: 200 });
    const err = await client.query('mx.example.test', 'A').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecureDnsError);
    expect((err as SecureDnsError).code).toBe('ETIMEOUT');
    expect((err as SecureDnsError).message).toContain(silent.server);
  } finally {
    await silent.close();
  }
});

it('ignores an answer with another ID or another question (a spoof), and keeps waiting', async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const spoofs: string[] = [];
  socket.on('message', (bytes, from) => {
    const query = dnsPacket.decode(bytes);
    const answer = (id: number, name: string) =>
      dnsPacket.encode({ type: 'response', id, flags: dnsPacket.AUTHENTIC_DATA, questions: [{ type: 'A', name }], answers: [{ type: 'A', name, ttl: 60, data: '192.0.2.66' }] });
    spoofs.push(name(query));
    socket.send(answer(((query.id ?? 0) + 1) & 0xffff, name(query)), from.port, from.address);
    socket.send(answer(query.id ?? 0, 'other.example.test'), from.port, from.address);
  });
  const name = (p: dnsPacket.Packet) => p.questions?.[0]?.name ?? '';
  try {
    const client = createSecureDnsClient({ servers: [`127.0.0.1:${socket.address().port}`], timeoutMs: 300 });
    const err = await client.query('mx.example.test', 'A').catch((e: unknown) => e);
    expect((err as SecureDnsError).code).toBe('ETIMEOUT');
    expect(spoofs).toEqual(['mx.example.test']);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

it('a malformed server address is refused when the client is made', () => {
  expect(() => createSecureDnsClient({ servers: ['not an address'], timeoutMs: 100 })).toThrow(/not an address/);
});
