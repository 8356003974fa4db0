// From a mail domain to every address mail for it can reach, as a sending MTA sees it:
// RFC 5321 §5.1 (MX records in preference order; no MX: the domain's own A/AAAA as an implicit
// MX of preference 0), RFC 7505 (a null MX `0 .`: the domain accepts no mail, a fact and not a
// failure), RFC 2181 §10.3 (an MX must not name an alias: reported, and followed as MTAs do).
// Never rejects: every DNS failure becomes a DnsFailure with a stable reason.
import type { AddressRecord, DnsLookup } from './dns-lookup.js';

export type DnsFailureReason = 'nxdomain' | 'servfail' | 'timeout' | 'refused' | 'no_address' | 'mx_cname' | 'error';

export interface DnsFailure {
  stage: 'dns';
  reason: DnsFailureReason;
  message: string;
}

export type AddressFamily = 'ipv4' | 'ipv6';

export interface ResolvedAddress {
  address: string;
  family: AddressFamily;
}

export interface ResolvedMxHost {
  host: string;
  preference: number;
  /** Set when the host has no usable answer, or is an alias (its addresses are still listed then). */
  error: DnsFailure | null;
  addresses: ResolvedAddress[];
}

export type MxSource = 'mx' | 'implicit' | 'null_mx';

export interface DomainResolution {
  domain: string;
  /** null when the MX lookup itself failed. */
  mx_source: MxSource | null;
  error: DnsFailure | null;
  /** Preference order, then host name. */
  mx: ResolvedMxHost[];
  /** The shortest TTL among the address answers, null when there were none. */
  min_ttl_seconds: number | null;
}

/** Failures that say nothing about the records (the server or the path failed): worth keeping the last good set over. */
export const TRANSIENT_REASONS: ReadonlySet<DnsFailureReason> = new Set(['servfail', 'timeout', 'refused', 'error']);

/** c-ares codes → our reasons; ENOTFOUND is NXDOMAIN, ENODATA (NOERROR, no records) is handled by callers. */
export function dnsFailure(name: string, error: unknown): DnsFailure {
  const code = (error as { code?: unknown }).code;
  const reason: DnsFailureReason =
    code === 'ENOTFOUND' ? 'nxdomain' : code === 'ESERVFAIL' ? 'servfail' : code === 'ETIMEOUT' ? 'timeout' : code === 'EREFUSED' ? 'refused' : 'error';
  const what = { nxdomain: 'does not exist (NXDOMAIN)', servfail: 'lookup failed (SERVFAIL)', timeout: 'lookup timed out', refused: 'lookup refused' }[
    reason as string
  ];
  return { stage: 'dns', reason, message: `${name}: ${what ?? `lookup failed: ${(error as Error).message ?? String(error)}`}` };
}

export function isNoData(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENODATA';
}

/** A's and AAAA's answers, ENODATA as none; the first real failure wins. */
async function addressesOf(lookup: DnsLookup, name: string): Promise<{ addresses: ResolvedAddress[]; ttl: number | null; error: DnsFailure | null }> {
  const ask = async (q: (n: string) => Promise<AddressRecord[]>) => {
    try {
      return { records: await q(name), error: null };
    } catch (error) {
      return { records: [], error: isNoData(error) ? null : dnsFailure(name, error) };
    }
  };
  const [v4, v6] = await Promise.all([ask(lookup.a), ask(lookup.aaaa)]);
  const addresses = [
    ...v4.records.map((r) => ({ address: r.address, family: 'ipv4' as const })),
    ...v6.records.map((r) => ({ address: r.address, family: 'ipv6' as const })),
  ].sort((x, y) => (x.family === y.family ? x.address.localeCompare(y.address) : x.family === 'ipv4' ? -1 : 1));
  const ttls = [...v4.records, ...v6.records].map((r) => r.ttl);
  const error = v4.error ?? v6.error ?? (addresses.length === 0 ? { stage: 'dns' as const, reason: 'no_address' as const, message: `${name}: has no A or AAAA records` } : null);
  return { addresses, ttl: ttls.length === 0 ? null : Math.min(...ttls), error };
}

/** One host name's addresses (for `all_addresses` targets and the MX hosts of a domain). */
export async function resolveHost(lookup: DnsLookup, host: string, preference: number): Promise<{ host: ResolvedMxHost; ttl: number | null }> {
  const found = await addressesOf(lookup, host);
  return { host: { host, preference, error: found.error, addresses: found.addresses }, ttl: found.ttl };
}

async function resolveMxHost(lookup: DnsLookup, host: string, preference: number): Promise<{ host: ResolvedMxHost; ttl: number | null }> {
  const [resolved, alias] = await Promise.all([
    resolveHost(lookup, host, preference),
    lookup.cname(host).then(
      (target) => target,
      () => null, // ENODATA: not an alias; any other failure shows in the address lookup.
    ),
  ]);
  if (alias !== null && resolved.host.error === null) {
    resolved.host.error = { stage: 'dns', reason: 'mx_cname', message: `${host}: the MX names an alias (CNAME to ${alias}), which RFC 2181 §10.3 forbids` };
  }
  return resolved;
}

export async function resolveDomain(lookup: DnsLookup, domain: string): Promise<DomainResolution> {
  const out: DomainResolution = { domain, mx_source: null, error: null, mx: [], min_ttl_seconds: null };
  let records;
  try {
    records = await lookup.mx(domain);
  } catch (error) {
    if (!isNoData(error)) return { ...out, error: dnsFailure(domain, error) };
    records = null;
  }
  if (records !== null && records.length === 1 && records[0]!.exchange === '') return { ...out, mx_source: 'null_mx' };
  if (records === null || records.length === 0) {
    const implicit = await resolveHost(lookup, domain, 0);
    const error = implicit.host.error;
    if (error !== null && implicit.host.addresses.length === 0) {
      const message = error.reason === 'no_address' ? `${domain}: has no MX records and no A or AAAA records` : error.message;
      return { ...out, mx_source: 'implicit', error: { ...error, message } };
    }
    return { ...out, mx_source: 'implicit', mx: [implicit.host], min_ttl_seconds: implicit.ttl };
  }
  // Several records for one host keep the most preferred; "." mixed with real hosts is ignored (RFC 7505 §3).
  const best = new Map<string, number>();
  for (const r of records) if (r.exchange !== '') best.set(r.exchange, Math.min(r.priority, best.get(r.exchange) ?? Infinity));
  const hosts = await Promise.all([...best].map(([host, preference]) => resolveMxHost(lookup, host, preference)));
  const ttls = hosts.flatMap((h) => (h.ttl === null ? [] : [h.ttl]));
  return {
    ...out,
    mx_source: 'mx',
    mx: hosts.map((h) => h.host).sort((x, y) => x.preference - y.preference || x.host.localeCompare(y.host)),
    min_ttl_seconds: ttls.length === 0 ? null : Math.min(...ttls),
  };
}

/** A host name's own addresses as a one-host set, for host targets with `all_addresses`. */
export async function resolveHostSet(lookup: DnsLookup, name: string): Promise<DomainResolution> {
  const { host, ttl } = await resolveHost(lookup, name, 0);
  const error = host.addresses.length === 0 ? host.error : null;
  return { domain: name, mx_source: null, error, mx: error === null ? [host] : [], min_ttl_seconds: ttl };
}
