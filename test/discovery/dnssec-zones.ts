// The DNSSEC test zones of the secure-dns and dane-lookup tests: one signed zone (with the cases
// RFC 7672 §2.2 distinguishes), one unsigned, one bogus. TLSA data is fixed hex: these tests are
// about DNS, not certificates (test/probe/probe-target-dane.test.ts matches real ones).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { createSecureDnsClient, type SecureDnsClient } from '../../src/discovery/secure-dns.js';
import type { TlsaRecord } from '../../src/smtp/types.js';
import { startDnssecResolver, tlsaLine, type DnssecResolver, type DnssecZones } from '../support/dnssec-resolver.js';

export const SIGNED = 'dane.test';
export const UNSIGNED = 'plain.test';
export const BOGUS = 'broken-sig.test';
/** Knot cannot load it: SERVFAIL for reasons that are not DNSSEC's. */
export const BROKEN = 'unloadable.test';

export const EE_RECORD: TlsaRecord = { usage: 3, selector: 1, matching_type: 1, data: 'ab'.repeat(32) };
/** Ten 3 0 0 records of 300 bytes: with their RRSIG far more than a 1232-byte UDP answer holds (RFC 6891). */
/** The zones' TTL (60 s, knot-server.ts) as a cached answer shows it: counting down while unbound holds it. */
export const CACHED_TTL = expect.toSatisfy((ttl: number) => ttl > 0 && ttl <= 60, 'a TTL in (0, 60]');

export const BIG_RRSET: TlsaRecord[] = Array.from({ length: 10 }, () => ({ usage: 3, selector: 0, matching_type: 0, data: randomBytes(300).toString('hex') }));

export function signedRecords(tlsa: readonly TlsaRecord[] = [EE_RECORD]): string {
  return [
    'mx A 127.0.0.21',
    'mx AAAA ::1',
    ...tlsa.map((r) => tlsaLine('_25._tcp.mx', r)),
    'notlsa A 127.0.0.22',
    'alias CNAME mx',
    'alias2 CNAME notlsa',
    tlsaLine('_25._tcp.alias2', EE_RECORD),
    'noaddr TXT "no address records"',
    'big A 127.0.0.24',
    ...BIG_RRSET.map((r) => tlsaLine('_25._tcp.big', r)),
  ].join('\n');
}

export const ZONES: DnssecZones = {
  signed: { [SIGNED]: signedRecords() },
  unsigned: { [UNSIGNED]: ['mx A 127.0.0.23', tlsaLine('_25._tcp.mx', EE_RECORD)].join('\n') },
  bogus: { [BOGUS]: ['mx A 127.0.0.25', tlsaLine('_25._tcp.mx', EE_RECORD)].join('\n') },
  broken: [BROKEN],
};

/** Serves ZONES for the enclosing describe block; the fields are set in its beforeAll. */
export function zonesResolver(): { resolver: DnssecResolver; client: SecureDnsClient } {
  const dns = {} as { resolver: DnssecResolver; client: SecureDnsClient };
  beforeAll(async () => {
    dns.resolver = await startDnssecResolver(ZONES);
    dns.client = createSecureDnsClient({ servers: [dns.resolver.server], timeoutMs: 2000 });
  }, 30_000);
  afterAll(async () => dns.resolver?.stop());
  return dns;
}
