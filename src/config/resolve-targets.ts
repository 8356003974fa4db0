// Merges the layers (built-in defaults ← `defaults` ← group ← target, most specific wins, key by
// key) into complete TargetConfigs, and checks what only the whole fleet can show: duplicates.
import type { Node } from 'yaml';
import type { DnsSettings, DomainConfig, PolicySettings, Expectations, GroupConfig, ProbeSettings, TargetConfig, TlsSettings } from './types.js';
import { childPath, type NodeReader } from './node-reader.js';
import type { ProbeLayer } from './read-probe-layer.js';
import { readDns } from './read-globals.js';
import { readPolicy } from './read-policy.js';
import type { RawGroup } from './read-groups.js';

export const DEFAULT_SCHEDULE = '0 * * * * *';
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_TLS: TlsSettings = {
  server_name: null,
  ca_file: null,
  fail_on_verify_error: false,
  min_version: 'TLSv1.2',
};
/** RFC 8314 §3.3: port 465 speaks TLS from the first byte. */
export const IMPLICIT_TLS_PORT = 465;

export interface DefaultsInput {
  layer: ProbeLayer;
  node: Node | null;
  path: string;
  helo_name: string;
}

export function resolveDefaults(d: DefaultsInput): ProbeSettings {
  return {
    helo_name: d.layer.helo_name ?? d.helo_name,
    starttls: d.layer.starttls ?? 'auto',
    implicit_tls: d.layer.implicit_tls ?? false,
    timeout_seconds: d.layer.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS,
    tls: { ...DEFAULT_TLS, ...d.layer.tls },
  };
}

function bothRequiredAndForbidden(e: Expectations): string[] {
  const forbidden = new Set(e.forbidden_extensions ?? []);
  return (e.required_extensions ?? []).filter((k) => forbidden.has(k));
}

/** Reports a required/forbidden clash only at the layer that introduced it, not once per target below. */
function checkExpect(r: NodeReader, merged: Expectations, parent: Expectations | null, node: Node | null, path: string): void {
  const before = new Set(parent === null ? [] : bothRequiredAndForbidden(parent));
  const fresh = bothRequiredAndForbidden(merged).filter((k) => !before.has(k));
  if (fresh.length > 0) {
    const list = fresh.map((k) => `"${k}"`).join(', ');
    r.report(r.resolve(node), childPath(path, 'expect'), `${list} is both in required_extensions and forbidden_extensions (after merging with the levels above)`);
  }
}

interface Seen {
  path: string;
  line: number | null;
}

function where(s: Seen): string {
  return s.line === null ? s.path : `${s.path}, line ${s.line}`;
}

/** One target's or domain's probe settings: its own layer over its group's over the defaults. */
function mergeProbe(base: ProbeSettings, defaults: DefaultsInput, group: ProbeLayer, own: ProbeLayer, port: number): ProbeSettings {
  const pick = <K extends keyof ProbeLayer>(key: K): ProbeLayer[K] => own[key] ?? group[key];
  return {
    helo_name: pick('helo_name') ?? base.helo_name,
    starttls: pick('starttls') ?? base.starttls,
    implicit_tls: pick('implicit_tls') ?? defaults.layer.implicit_tls ?? port === IMPLICIT_TLS_PORT,
    timeout_seconds: pick('timeout_seconds') ?? base.timeout_seconds,
    tls: { ...base.tls, ...group.tls, ...own.tls },
  };
}

/**
 * One object per distinct value: the thousands of targets of a group usually share one probe
 * setting and one set of expectations, and a copy per target cost ~200 bytes of heap each
 * (issue 13). The config is frozen once resolved, so sharing is safe.
 */
function interner<T>(): (value: T) => T {
  const seen = new Map<string, T>();
  return (value) => {
    const key = JSON.stringify(value);
    const held = seen.get(key);
    if (held !== undefined) return held;
    seen.set(key, value);
    return value;
  };
}

export function resolveGroups(r: NodeReader, defaults: DefaultsInput, raw: RawGroup[], dns: DnsSettings, policy: PolicySettings): GroupConfig[] {
  const base = resolveDefaults(defaults);
  const defaultsSchedule = defaults.layer.schedule ?? DEFAULT_SCHEDULE;
  checkExpect(r, defaults.layer.expect, null, defaults.layer.expectNode ?? defaults.node, defaults.path);
  const groupNames = new Map<string, Seen>();
  const targetNames = new Map<string, Seen>();
  const domainNames = new Map<string, Seen>();
  const groups: GroupConfig[] = [];
  const sharedProbe = interner<ProbeSettings>();
  const sharedExpectations = interner<Expectations>();

  raw.forEach((g, gi) => {
    const groupName = g.name ?? `#${gi}`;
    if (g.name !== null) {
      const first = groupNames.get(g.name);
      if (first !== undefined) {
        r.report(r.resolve(g.node), childPath(g.path, 'name'), `duplicate group name "${g.name}" (first at ${where(first)})`);
      } else {
        groupNames.set(g.name, { path: g.path, line: r.lineOf(r.resolve(g.node)) });
      }
    }
    const schedule = g.layer.schedule ?? defaultsSchedule;
    const groupExpect = { ...defaults.layer.expect, ...g.layer.expect };
    checkExpect(r, groupExpect, defaults.layer.expect, g.layer.expectNode ?? g.node, g.path);
    const endpoints = new Map<string, Seen>();
    const targets: TargetConfig[] = [];

    for (const t of g.targets) {
      const endpoint = t.address;
      const name = t.name ?? endpoint;
      const seen: Seen = { path: t.path, line: r.lineOf(r.resolve(t.node)) };
      const firstName = targetNames.get(name);
      const firstEndpoint = endpoints.get(endpoint);
      if (firstName !== undefined) {
        r.report(r.resolve(t.node), t.path, `duplicate target name "${name}" (first at ${where(firstName)}); names must be unique, set "name" to tell them apart`);
      } else if (firstEndpoint !== undefined) {
        r.report(r.resolve(t.node), t.path, `duplicate target ${endpoint} in group "${groupName}" (first at ${where(firstEndpoint)})`);
      }
      targetNames.set(name, targetNames.get(name) ?? seen);
      endpoints.set(endpoint, endpoints.get(endpoint) ?? seen);

      const expectations = { ...groupExpect, ...t.layer.expect };
      checkExpect(r, expectations, groupExpect, t.layer.expectNode ?? t.node, t.path);
      const probe = sharedProbe(mergeProbe(base, defaults, g.layer, t.layer, t.port));
      const target: TargetConfig = { name, host: t.host, port: t.port, group: groupName, schedule, probe, expectations: sharedExpectations(expectations) };
      targets.push(t.all_addresses ? { ...target, all_addresses: true } : target);
    }

    const groupDns = g.dnsNode === null ? dns : readDns(r, g.dnsNode, childPath(g.path, 'dns'), dns);
    const groupPolicy = g.policyNode === null ? policy : readPolicy(r, g.policyNode, childPath(g.path, 'policy'), policy);
    const domains: DomainConfig[] = [];
    for (const d of g.domains) {
      // The domain is the `domain` label and the key of its change history: one watcher per domain.
      const first = domainNames.get(d.domain);
      const seen: Seen = { path: d.path, line: r.lineOf(r.resolve(d.node)) };
      if (first !== undefined) {
        r.report(r.resolve(d.node), d.path, `duplicate domain ${d.domain} (first at ${where(first)}); watch a domain in one group only`);
      } else {
        domainNames.set(d.domain, seen);
      }
      const expectations = { ...groupExpect, ...d.layer.expect };
      checkExpect(r, expectations, groupExpect, d.layer.expectNode ?? d.node, d.path);
      const probe = mergeProbe(base, defaults, g.layer, d.layer, d.port);
      const domainPolicy = d.policyNode === null ? groupPolicy : readPolicy(r, d.policyNode, childPath(d.path, 'policy'), groupPolicy);
      domains.push({ domain: d.domain, port: d.port, group: groupName, schedule, probe, expectations, dns: groupDns, policy: domainPolicy });
    }
    groups.push({ name: groupName, schedule, targets, domains, dns: groupDns, policy: groupPolicy });
  });
  // A domain's change history is kept under its name, next to the targets' histories.
  for (const [domain, seen] of domainNames) {
    const target = targetNames.get(domain);
    if (target !== undefined) r.report(seen.line, seen.path, `domain ${domain} has the name of the target at ${where(target)}; rename that target`);
  }
  return groups;
}
