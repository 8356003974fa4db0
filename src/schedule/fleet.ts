// The fleet as it is probed now: the configured targets plus what discovery found for domains and
// `all_addresses` hosts. Rebuilt when the config is applied and when a lookup changes a set; each
// rebuild hands the scheduler the whole new list (a name discovered twice — two domains sharing an
// MX host — is probed once, under the first domain in file order).
import type { DnsSettings, DomainConfig, ExporterConfig, TargetConfig } from '../config/types.js';
import type { DnsLookup } from '../discovery/dns-lookup.js';
import type { DomainChange } from '../discovery/domain-changes.js';
import { resolveDomain, resolveHostSet, type DomainResolution } from '../discovery/resolve-domain.js';
import type { PolicyChange } from '../discovery/policy-changes.js';
import { domainTargets, hostTargets } from './discovered-targets.js';
import { DomainWatcher, emptyWatchState, type WatchSpec, type WatchState } from './domain-watcher.js';
import { daneCheckFor, PolicyChecker, type PolicyCheckerDeps, type PolicyState } from './policy-checks.js';
import type { ScheduledGroup } from './scheduler.js';

export interface FleetDeps {
  lookup: (dns: DnsSettings) => DnsLookup;
  /** Unix milliseconds. */
  now: () => number;
  /** The probed fleet changed: schedule these groups. */
  onGroups: (groups: readonly ScheduledGroup[]) => void;
  /** A lookup of a domain finished; `changes` are its MX/address set changes (none for the first set). */
  onDomainLookup: (domain: DomainConfig, state: WatchState, changes: readonly DomainChange[]) => void;
  onError: (key: string, error: unknown) => void;
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** The MTA-STS and DANE lookups (issue 11); absent: no policy checks. */
  policy?: Pick<PolicyCheckerDeps, 'refreshMtaSts' | 'lookupDane' | 'secureDns' | 'ca'> & {
    /** A policy check of a domain finished; `changes` are its policy and TLSA changes (none on the first). */
    onCheck: (domain: DomainConfig, state: PolicyState, changes: readonly PolicyChange[]) => void;
  };
}

export interface WatchedDomain {
  config: DomainConfig;
  state: WatchState;
  /** The last policy check; undefined with policy off or before the first check. */
  policy?: PolicyState;
}

const domainKey = (domain: string) => `domain ${domain}`;
const hostKey = (host: string) => `host ${host}`;

/** What of a set decides the targets: hosts, preferences, addresses. */
function shapeOf(set: DomainResolution | null): string {
  return set === null ? '' : JSON.stringify(set.mx.map((h) => [h.host, h.preference, h.addresses.map((a) => a.address)]));
}

export class Fleet {
  private readonly watcher: DomainWatcher;
  private config: ExporterConfig | null = null;
  private byName = new Map<string, TargetConfig>();
  private readonly shapes = new Map<string, string>();
  /** Per domain, the DANE checks its targets were last built with. */
  private readonly daneShapes = new Map<string, string>();
  private readonly policy: PolicyChecker | null;

  constructor(private readonly deps: FleetDeps) {
    const policy = deps.policy;
    this.policy =
      policy === undefined
        ? null
        : new PolicyChecker({
            ...policy,
            lookup: deps.lookup,
            now: deps.now,
            onError: (domain, error) => deps.onError(domainKey(domain), error),
            onCheck: (domain, state, changes) => this.onPolicyCheck(domain, state, changes),
          });
    this.watcher = new DomainWatcher({
      lookup: deps.lookup,
      now: deps.now,
      setTimer: deps.setTimer,
      onError: deps.onError,
      onLookup: (state, changes) => this.onLookup(state, changes),
    });
  }

  /** Start-up and every reload: the configured targets at once, discovered ones as lookups finish. */
  apply(config: ExporterConfig): void {
    this.config = config;
    const checked = new Set(config.domains.filter((d) => d.policy.mta_sts || d.policy.dane).map((d) => d.domain));
    this.policy?.retain(checked);
    for (const domain of this.daneShapes.keys()) if (!checked.has(domain)) this.daneShapes.delete(domain);
    this.rebuild();
    const specs = new Map<string, WatchSpec>();
    for (const d of config.domains) specs.set(domainKey(d.domain), { key: domainKey(d.domain), dns: d.dns, resolve: (l) => resolveDomain(l, d.domain) });
    for (const g of config.groups) {
      for (const t of g.targets) {
        if (t.all_addresses && !specs.has(hostKey(t.host))) specs.set(hostKey(t.host), { key: hostKey(t.host), dns: g.dns, resolve: (l) => resolveHostSet(l, t.host) });
      }
    }
    for (const key of this.shapes.keys()) if (!specs.has(key)) this.shapes.delete(key);
    this.watcher.apply([...specs.values()]);
  }

  /** Every target probed now, configured and discovered. */
  targets(): readonly TargetConfig[] {
    return [...this.byName.values()];
  }

  target(name: string): TargetConfig | undefined {
    return this.byName.get(name);
  }

  domains(): WatchedDomain[] {
    return (this.config?.domains ?? []).map((config) => {
      const state = this.watcher.get(domainKey(config.domain)) ?? emptyWatchState(domainKey(config.domain));
      const policy = this.policy?.get(config.domain);
      return policy === undefined ? { config, state } : { config, state, policy };
    });
  }

  stop(): void {
    this.watcher.stop();
    this.policy?.stop();
  }

  private onLookup(state: WatchState, changes: readonly DomainChange[]): void {
    const domain = this.config?.domains.find((d) => domainKey(d.domain) === state.key);
    if (domain !== undefined) {
      this.deps.onDomainLookup(domain, state, changes);
      // Beside discovery, never in its way: the targets below are built without waiting for it.
      if (state.current !== null) this.policy?.check(domain, state.current.mx.map((h) => h.host));
    }
    const shape = shapeOf(state.current);
    if (this.shapes.get(state.key) === shape) return;
    this.shapes.set(state.key, shape);
    this.rebuild();
  }

  private onPolicyCheck(domain: DomainConfig, state: PolicyState, changes: readonly PolicyChange[]): void {
    this.deps.policy?.onCheck(domain, state, changes);
    // Targets carry their MX host's TLSA records into the probe: rebuilt when those change.
    const hosts = this.watcher.get(domainKey(domain.domain))?.current?.mx.map((h) => h.host) ?? [];
    const shape = JSON.stringify(hosts.map((h) => [h, daneCheckFor(state, h)]));
    if (this.daneShapes.get(domain.domain) === shape) return;
    this.daneShapes.set(domain.domain, shape);
    this.rebuild();
  }

  private rebuild(): void {
    const config = this.config;
    if (config === null) return;
    const byName = new Map<string, TargetConfig>();
    /** False for a name already taken: configured targets first, then discovered ones in file order. */
    const add = (t: TargetConfig): boolean => {
      if (byName.has(t.name)) return false;
      byName.set(t.name, t);
      return true;
    };
    for (const t of config.targets) if (!t.all_addresses) add(t);
    const groups = config.groups.map((g) => {
      const targets = g.targets.filter((t) => !t.all_addresses);
      const discovered = [
        ...g.targets.flatMap((t) => {
          const set = t.all_addresses ? this.watcher.get(hostKey(t.host))?.current : null;
          return set ? hostTargets(t, set) : [];
        }),
        ...g.domains.flatMap((d) => {
          const set = this.watcher.get(domainKey(d.domain))?.current;
          // A reload that turns dane off drops the checks at once, not after the next policy check.
          const policy = d.policy.dane ? this.policy?.get(d.domain) : undefined;
          return set ? domainTargets(d, set, (host) => daneCheckFor(policy, host)) : [];
        }),
      ].filter(add);
      return { name: g.name, schedule: g.schedule, targets: [...targets, ...discovered] };
    });
    this.byName = byName;
    this.deps.onGroups(groups);
  }
}
