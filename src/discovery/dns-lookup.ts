// The few DNS questions discovery asks, behind a small interface so that callers (domains,
// MTA-STS, TLS-RPT) never see node:dns, and one implementation over node:dns's Resolver, which
// talks to the servers it is given (with ports: tests and split-horizon setups run their own).
import { Resolver } from 'node:dns/promises';

export interface AddressRecord {
  address: string;
  /** Seconds the answer may be cached. */
  ttl: number;
}

export interface MxRecord {
  /** Lower-case, without the trailing dot; "" for a null MX (RFC 7505 `0 .`). */
  exchange: string;
  priority: number;
}

export interface TxtRecord {
  /** The record's character-strings as sent; a reader joins them (RFC 8461 §3.1, RFC 8460 §3). */
  strings: string[];
  /** Always null with node:dns: c-ares reports no TTL for TXT answers (resolveTxt has no ttl option). */
  ttl: number | null;
}

export interface DnsLookup {
  mx(name: string): Promise<MxRecord[]>;
  a(name: string): Promise<AddressRecord[]>;
  aaaa(name: string): Promise<AddressRecord[]>;
  /** The CNAME target of `name` (rejects with ENODATA when `name` is not an alias). */
  cname(name: string): Promise<string>;
  /** Every TXT record at `name` (rejects with ENODATA/ENOTFOUND when there is none). */
  txt(name: string): Promise<TxtRecord[]>;
}

export interface DnsLookupOptions {
  /** "127.0.0.1:5353", "[::1]:53", "192.0.2.1"; empty: the system's resolvers. */
  servers: readonly string[];
  /** Per query attempt, in seconds. */
  timeoutSeconds: number;
  /** Attempts per query (c-ares retries on timeout only). */
  tries?: number;
}

const DEFAULT_TRIES = 2;

/** Throws on a malformed server address (node:dns names it). */
export function createDnsLookup(options: DnsLookupOptions): DnsLookup {
  const resolver = new Resolver({ timeout: Math.max(1, Math.round(options.timeoutSeconds * 1000)), tries: options.tries ?? DEFAULT_TRIES });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  const name = (host: string) => host.toLowerCase().replace(/\.$/, '');
  return {
    mx: async (host) => (await resolver.resolveMx(host)).map((r) => ({ exchange: name(r.exchange), priority: r.priority })),
    a: (host) => resolver.resolve4(host, { ttl: true }),
    aaaa: (host) => resolver.resolve6(host, { ttl: true }),
    cname: async (host) => name((await resolver.resolveCname(host))[0] ?? ''),
    txt: async (host) => (await resolver.resolveTxt(host)).map((strings) => ({ strings, ttl: null })),
  };
}
