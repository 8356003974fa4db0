// Which targets outside the config /probe may reach: an explicit allow list of networks (CIDRs)
// and host names. The check applies to the addresses a name resolves to, so a name that is
// allowed cannot be pointed (DNS rebinding) at loopback, link-local or a cloud metadata service
// unless a CIDR allows that address explicitly.
import { BlockList, isIP } from 'node:net';

export type AllowListErrorCode = 'ERR_ALLOWLIST_ENTRY';

export class AllowListError extends Error {
  readonly code: AllowListErrorCode = 'ERR_ALLOWLIST_ENTRY';
  constructor(
    /** Position of the entry in the list given to parseAllowList. */
    readonly index: number,
    readonly entry: string,
    /** Completes a sentence that starts with the quoted entry, e.g. "is not a valid CIDR block: …". */
    readonly detail: string,
  ) {
    super(`allow list entry ${index}: "${entry}" ${detail}`);
    this.name = 'AllowListError';
  }
}

interface Network {
  entry: string;
  list: BlockList;
}

export interface AllowList {
  readonly networks: readonly Network[];
  /** Lower-case names without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  /** From "*.example.com": ".example.com" (any depth of subdomain, not the apex). */
  readonly suffixes: readonly string[];
}

type Family = 'ipv4' | 'ipv6';

const familyOf = (address: string): Family | null => {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
};

/** Addresses a mail server has no business on, refused for allowed host names. */
const SPECIAL_RANGES: readonly { kind: string; address: string; prefix: number; family: Family }[] = [
  { kind: 'unspecified', address: '0.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'loopback', address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'cloud metadata', address: '169.254.169.254', prefix: 32, family: 'ipv4' },
  { kind: 'link-local', address: '169.254.0.0', prefix: 16, family: 'ipv4' },
  { kind: 'cloud metadata', address: '100.100.100.200', prefix: 32, family: 'ipv4' },
  { kind: 'multicast', address: '224.0.0.0', prefix: 4, family: 'ipv4' },
  { kind: 'broadcast', address: '255.255.255.255', prefix: 32, family: 'ipv4' },
  { kind: 'unspecified', address: '::', prefix: 128, family: 'ipv6' },
  { kind: 'loopback', address: '::1', prefix: 128, family: 'ipv6' },
  { kind: 'cloud metadata', address: 'fd00:ec2::254', prefix: 128, family: 'ipv6' },
  { kind: 'link-local', address: 'fe80::', prefix: 10, family: 'ipv6' },
  { kind: 'multicast', address: 'ff00::', prefix: 8, family: 'ipv6' },
];
const SPECIAL = SPECIAL_RANGES.map((s) => ({ kind: s.kind, list: subnet(s.address, s.prefix, s.family) }));

function subnet(address: string, prefix: number, family: Family): BlockList {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return list;
}

/** The kind of special address (e.g. "loopback"), or null. IPv4-mapped IPv6 counts as IPv4. */
export function specialAddressKind(address: string): string | null {
  const bare = address.split('%')[0]!;
  const family = familyOf(bare);
  if (family === null) return 'invalid';
  for (const s of SPECIAL) if (s.list.check(bare, family)) return s.kind;
  return null;
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

function isHostName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => HOST_LABEL.test(l));
}

function parseEntry(raw: string, index: number): Network | { host: string } | { suffix: string } {
  const entry = raw.trim();
  const fail = (detail: string): never => {
    throw new AllowListError(index, raw, detail);
  };
  if (entry === '') fail('is empty');
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const address = entry.slice(0, slash);
    const prefixText = entry.slice(slash + 1);
    const family = familyOf(address);
    if (family === null) fail(`is not a valid CIDR block: "${address}" is not an IP address`);
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
      fail(`is not a valid CIDR block: the prefix length must be 0–${max} for ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`);
    }
    return { entry, list: subnet(address, prefix, family!) };
  }
  const family = familyOf(entry);
  if (family !== null) return { entry, list: subnet(entry, family === 'ipv4' ? 32 : 128, family) };
  if (entry.startsWith('*.')) {
    const rest = normaliseHost(entry.slice(2));
    if (!isHostName(rest)) fail('is not a valid wildcard: "*." must be followed by a host name');
    return { suffix: `.${rest}` };
  }
  const host = normaliseHost(entry);
  if (!isHostName(host)) fail('is neither an IP address, a CIDR block, a host name nor "*.domain"');
  return { host };
}

/** Throws AllowListError (code ERR_ALLOWLIST_ENTRY) naming the first bad entry. */
export function parseAllowList(entries: string[]): AllowList {
  const networks: Network[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  entries.forEach((raw, i) => {
    const e = parseEntry(raw, i);
    if ('list' in e) networks.push(e);
    else if ('host' in e) hosts.add(e.host);
    else suffixes.push(e.suffix);
  });
  return { networks, hosts, suffixes };
}

function matchHost(list: AllowList, host: string): string | null {
  if (isIP(host) !== 0) return null; // an address literal is judged by the networks alone
  if (list.hosts.has(host)) return host;
  const suffix = list.suffixes.find((s) => host.endsWith(s) && host.length > s.length);
  return suffix === undefined ? null : `*${suffix}`;
}

function matchNetwork(list: AllowList, address: string, family: Family): string | null {
  for (const n of list.networks) if (n.list.check(address, family)) return n.entry;
  return null;
}

/**
 * Every resolved address must be allowed (the prober may connect to any of them): either it lies
 * in an allowed network, or the host name is allowed and the address is not special.
 */
export function isAllowed(list: AllowList, host: string, resolvedAddresses: string[]): { allowed: boolean; reason: string } {
  const name = normaliseHost(host);
  if (resolvedAddresses.length === 0) return { allowed: false, reason: `${host} resolved to no address` };
  const hostEntry = matchHost(list, name);
  for (const raw of resolvedAddresses) {
    const address = raw.split('%')[0]!;
    const family = familyOf(address);
    if (family === null) return { allowed: false, reason: `"${raw}" is not an IP address` };
    if (matchNetwork(list, address, family) !== null) continue;
    if (hostEntry === null) {
      return { allowed: false, reason: `${host} (${raw}) is neither in an allowed network nor an allowed host name` };
    }
    const special = specialAddressKind(address);
    if (special !== null) {
      return { allowed: false, reason: `${host} resolves to ${raw}, a ${special} address; only a CIDR entry can allow it` };
    }
  }
  return {
    allowed: true,
    reason: hostEntry !== null ? `${host} matches the allowed host ${hostEntry}` : `every address of ${host} is in an allowed network`,
  };
}
