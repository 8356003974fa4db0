// `groups:` and their `targets:` and `domains:`, read into raw layers with the nodes kept for line
// numbers; merging and the duplicate checks happen in resolve-targets.ts, once names are known.
import { isMap, isScalar } from 'yaml';
import type { Node } from 'yaml';
import { isHostname } from './host-syntax.js';
import { childPath, type NodeReader } from './node-reader.js';
import { emptyLayer, LAYER_KEYS, readProbeLayer, type ProbeLayer } from './read-probe-layer.js';
import { ProbeInputError } from '../probe/probe-input-error.js';
import { parseTargetAddress, type TargetAddress } from '../probe/target-address.js';

export const DEFAULT_PORT = 25;

export interface RawTarget {
  /** Normalised `host:port` / `[v6]:port`: the default name, and the key for duplicates in a group. */
  address: string;
  host: string;
  port: number;
  name: string | null;
  node: Node | null;
  path: string;
  layer: ProbeLayer;
  all_addresses: boolean;
}

export interface RawDomain {
  /** Lower-case, without a trailing dot. */
  domain: string;
  port: number;
  node: Node | null;
  path: string;
  layer: ProbeLayer;
  /** The domain's `policy:` override, read once its group's policy is known. */
  policyNode: Node | null;
}

export interface RawGroup {
  name: string | null;
  node: Node | null;
  path: string;
  layer: ProbeLayer;
  targets: RawTarget[];
  domains: RawDomain[];
  /** The group's `dns:` override, read once the top-level `dns:` is known. */
  dnsNode: Node | null;
  /** The group's `policy:` override, likewise. */
  policyNode: Node | null;
}

const GROUP_KEYS = ['name', 'targets', 'domains', 'dns', 'policy', ...LAYER_KEYS] as const;
const TARGET_KEYS = ['target', 'name', 'all_addresses', ...LAYER_KEYS.filter((k) => k !== 'schedule')] as const;
const DOMAIN_KEYS = ['domain', 'port', 'policy', ...LAYER_KEYS.filter((k) => k !== 'schedule')] as const;
const TARGET_MISPLACED = {
  schedule: 'a schedule belongs to the group (every target of a group is probed in the same rounds); put this target in a group of its own',
};

export function readGroups(r: NodeReader, node: Node | null, path: string): RawGroup[] {
  const items = r.seq(node, path);
  if (items === undefined) return [];
  if (items.length === 0) {
    r.report(r.resolve(node), path, 'at least one group is required');
    return [];
  }
  return items.map((item, i) => readGroup(r, item, childPath(path, i)));
}

function readGroup(r: NodeReader, node: Node | null, path: string): RawGroup {
  const group: RawGroup = { name: null, node, path, layer: emptyLayer(), targets: [], domains: [], dnsNode: null, policyNode: null };
  if (r.isNull(node)) {
    r.report(node, path, 'expected a mapping with "name" and "targets" or "domains", got nothing');
    return group;
  }
  const entries = r.map(node, path, GROUP_KEYS);
  if (entries === undefined) return group;
  const name = r.required(entries, 'name', node, path);
  if (name !== undefined) group.name = readName(r, name.value, childPath(path, 'name'));
  group.layer = readProbeLayer(r, entries, path);
  group.dnsNode = entries.get('dns')?.value ?? null;
  group.policyNode = entries.get('policy')?.value ?? null;
  const domains = entries.get('domains');
  if (domains !== undefined) {
    const dpath = childPath(path, 'domains');
    const items = r.seq(domains.value, dpath);
    if (items !== undefined && items.length === 0) r.report(r.resolve(domains.value), dpath, 'a group needs at least one domain when it has "domains"');
    items?.forEach((item, i) => {
      const d = readDomain(r, item, childPath(dpath, i));
      if (d !== undefined) group.domains.push(d);
    });
  }
  // A group of domains only needs no targets of its own.
  const targets = domains === undefined ? r.required(entries, 'targets', node, path) : entries.get('targets');
  if (targets !== undefined) {
    const tpath = childPath(path, 'targets');
    const items = r.seq(targets.value, tpath);
    if (items !== undefined && items.length === 0) {
      r.report(r.resolve(targets.value), tpath, 'a group needs at least one target');
    }
    items?.forEach((item, i) => {
      const t = readTarget(r, item, childPath(tpath, i));
      if (t !== undefined) group.targets.push(t);
    });
  }
  return group;
}

/** A group or target name: it becomes a label value, a log field and a /probe?target= value, so no control characters. */
function readName(r: NodeReader, node: Node | null, path: string): string | null {
  const name = r.string(node, path);
  if (name === undefined) return null;
  if (/[\x00-\x1f\x7f]/.test(name)) {
    r.report(r.resolve(node), path, `must not contain control characters (newline, tab, NUL, …), got ${JSON.stringify(name)}`);
    return null;
  }
  return name;
}

function readTarget(r: NodeReader, node: Node | null, path: string): RawTarget | undefined {
  // Short form: just the target string.
  if (isScalar(node)) {
    const parsed = readAddress(r, node, path);
    if (parsed === undefined) return undefined;
    return { address: parsed.target, host: parsed.host, port: parsed.port, name: null, node, path, layer: emptyLayer(), all_addresses: false };
  }
  if (!isMap(node)) {
    r.report(node, path, 'expected a target string such as mx.example.com:25, or a mapping with "target"');
    return undefined;
  }
  const entries = r.map(node, path, TARGET_KEYS, TARGET_MISPLACED);
  if (entries === undefined) return undefined;
  const layer = readProbeLayer(r, entries, path);
  let name: string | null = null;
  const nameEntry = entries.get('name');
  if (nameEntry !== undefined) name = readName(r, nameEntry.value, childPath(path, 'name'));
  const target = r.required(entries, 'target', node, path);
  if (target === undefined) return undefined;
  const parsed = readAddress(r, r.resolve(target.value), childPath(path, 'target'));
  if (parsed === undefined) return undefined;
  const all = entries.get('all_addresses');
  const all_addresses = all === undefined ? false : (r.boolean(all.value, childPath(path, 'all_addresses')) ?? false);
  if (all_addresses && !isHostname(parsed.host)) {
    r.report(r.resolve(all?.value ?? null), childPath(path, 'all_addresses'), `all_addresses needs a host name, but ${parsed.host} is an address`);
  }
  return { address: parsed.target, host: parsed.host, port: parsed.port, name, node, path, layer, all_addresses };
}

/** A domain entry: "example.com" or { domain: example.com, port: 25, starttls: …, expect: … }. */
function readDomain(r: NodeReader, node: Node | null, path: string): RawDomain | undefined {
  if (isScalar(node)) {
    const domain = readDomainName(r, node, path);
    return domain === undefined ? undefined : { domain, port: DEFAULT_PORT, node, path, layer: emptyLayer(), policyNode: null };
  }
  if (!isMap(node)) {
    r.report(node, path, 'expected a mail domain such as example.com, or a mapping with "domain"');
    return undefined;
  }
  const entries = r.map(node, path, DOMAIN_KEYS, TARGET_MISPLACED);
  if (entries === undefined) return undefined;
  const layer = readProbeLayer(r, entries, path);
  const portEntry = entries.get('port');
  const port = portEntry === undefined ? DEFAULT_PORT : r.integer(portEntry.value, childPath(path, 'port'), 1, 65535);
  const entry = r.required(entries, 'domain', node, path);
  if (entry === undefined || port === undefined) return undefined;
  const domain = readDomainName(r, r.resolve(entry.value), childPath(path, 'domain'));
  return domain === undefined ? undefined : { domain, port, node, path, layer, policyNode: entries.get('policy')?.value ?? null };
}

function readDomainName(r: NodeReader, node: Node | null, path: string): string | undefined {
  const text = r.string(node, path);
  if (text === undefined) return undefined;
  const domain = text.trim().toLowerCase().replace(/\.$/, '');
  if (!isHostname(domain) || !domain.includes('.')) {
    r.report(node, path, `"${text}" is not a mail domain such as example.com (a port goes in "port", an address in "targets")`);
    return undefined;
  }
  return domain;
}

/** One parser for target strings, shared with `ehlo-exporter probe` and /probe. */
function readAddress(r: NodeReader, node: Node | null, path: string): TargetAddress | undefined {
  const text = r.string(node, path);
  if (text === undefined) return undefined;
  try {
    return parseTargetAddress(text, DEFAULT_PORT);
  } catch (e) {
    if (!(e instanceof ProbeInputError)) throw e;
    r.report(node, path, e.code === 'ERR_TARGET_PORT' ? portMessage(text) : e.message);
    return undefined;
  }
}

/** The port range in the words the config docs use; the parser has already found the port text. */
function portMessage(text: string): string {
  const port = text.trim().slice(text.trim().lastIndexOf(':') + 1);
  return /^\d+$/.test(port) ? `port must be 1–65535, got ${Number(port)}` : `port must be a number 1–65535, got "${port}"`;
}
