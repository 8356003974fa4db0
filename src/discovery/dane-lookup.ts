// RFC 7672 §2.2: the TLSA records of one MX host, trusted only when DNSSEC vouches for them — and
// for the host's own address records, since an insecure address makes DANE moot (§2.2.1).
import type { TlsaRecord } from '../smtp/types.js';
import type { SecureDnsAnswer, SecureDnsClient } from './secure-dns.js';

export interface DaneLookup {
  /** 'secure': MX host addresses and the TLSA RRset (or its non-existence) validated;
   *  'insecure': an unsigned zone on the way (no DANE applies, not a failure);
   *  'bogus': validation failed (the resolver SERVFAILs, a CD=1 retry answers);
   *  'error': the lookup itself failed (timeout, SERVFAIL without DNSSEC cause, refused). */
  status: 'secure' | 'insecure' | 'bogus' | 'error';
  /** e.g. "_25._tcp.mx1.example.com"; for an MX host that is an alias, the TLSA name that answered (RFC 7672 §2.2.3). */
  name: string;
  /** Only when status is 'secure'; [] = signed zone without TLSA records (no DANE). */
  records: TlsaRecord[];
  message: string | null;
  ttl_seconds: number | null;
}

/** An answer that exists or provably does not (RFC 2308 NODATA/NXDOMAIN): both can be secure. */
const CONCLUSIVE = new Set(['NOERROR', 'NXDOMAIN']);

type Verdict = Pick<DaneLookup, 'status' | 'message'>;

/** Never rejects: a lookup that fails is an answer with status 'error'. */
export async function lookupDane(client: SecureDnsClient, mxHost: string, port: number): Promise<DaneLookup> {
  const host = mxHost.toLowerCase().replace(/\.$/, '');
  const name = `_${port}._tcp.${host}`;
  const result = (verdict: Verdict, at = name, records: TlsaRecord[] = [], ttl: number | null = null): DaneLookup => ({ ...verdict, name: at, records, ttl_seconds: ttl });
  const tlsaAt = async (base: string): Promise<DaneLookup> => {
    const at = `_${port}._tcp.${base}`;
    const tlsa = await client.query(at, 'TLSA');
    const verdict = judge(tlsa, `TLSA ${at}`);
    if (verdict !== null) return result(verdict, at);
    return result({ status: 'secure', message: null }, at, tlsa.records.map((r) => tlsaRecord(r.data)), tlsa.ttl);
  };
  try {
    const [a, aaaa] = await Promise.all([client.query(host, 'A'), client.query(host, 'AAAA')]);
    const addresses = judge(a, `A ${host}`) ?? judge(aaaa, `AAAA ${host}`);
    if (addresses !== null) return result(addresses);
    if (a.records.length + aaaa.records.length === 0) return result({ status: 'error', message: `${host} has no A or AAAA records` });
    // RFC 7672 §2.2.3: for an MX host that is a (secure) alias, the TLSA base domain is first the
    // name at the end of the CNAME chain; only a secure "no TLSA there" sends us on to the MX host name.
    const target = a.cnames.at(-1) ?? aaaa.cnames.at(-1);
    if (target === undefined) return await tlsaAt(host);
    const atTarget = await tlsaAt(target);
    return atTarget.status !== 'secure' || atTarget.records.length > 0 ? atTarget : await tlsaAt(host);
  } catch (err) {
    return result({ status: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

/** null when the answer is secure and conclusive; else why DANE cannot go on. */
function judge(answer: SecureDnsAnswer, question: string): Verdict | null {
  if (answer.status === 'bogus') return { status: 'bogus', message: `${question}: DNSSEC validation failed (the resolver answers SERVFAIL, and with checking disabled it answers)` };
  if (!CONCLUSIVE.has(answer.rcode)) return { status: 'error', message: `${question}: the resolver answered ${answer.rcode}` };
  if (answer.status !== 'secure') return { status: 'insecure', message: `${question}: the answer is not DNSSEC-validated (no AD bit): no DANE` };
  return null;
}

/** RFC 6698 §2.1 wire fields as dns-packet decodes them; the data as lower-case hex. */
function tlsaRecord(data: unknown): TlsaRecord {
  const { usage, selector, matchingType, certificate } = data as { usage: number; selector: number; matchingType: number; certificate: Buffer };
  return { usage, selector, matching_type: matchingType, data: certificate.toString('hex') };
}
