// A watched domain's mail TLS policy (issue 11), checked after each MX lookup of a domain with
// `policy:` on: its MTA-STS policy (refreshMtaSts with the previous answer, so the policy is
// re-fetched only when its id changes or it ages out) and each MX host's TLSA records over a
// DNSSEC-validating client of the domain's `dns.servers`. Runs beside MX discovery and never holds
// it up: a check that fails is an answer (a fetch failure, a lookup status), one that throws is a bug
// reported to onError, and either way the next MX lookup starts the next check.
import type { DnsSettings, DomainConfig } from '../config/types.js';
import type { DaneLookup } from '../discovery/dane-lookup.js';
import type { DnsLookup } from '../discovery/dns-lookup.js';
import type { MtaStsDeps, MtaStsStatus } from '../discovery/mta-sts.js';
import { mtaStsChanges, tlsaChanges, type PolicyChange } from '../discovery/policy-changes.js';
import type { SecureDnsClient } from '../discovery/secure-dns.js';
import type { DaneCheck, TlsaRecord } from '../smtp/types.js';

export interface PolicyState {
  /** The last MTA-STS answer; null with mta_sts off or before the first check. */
  mtaSts: MtaStsStatus | null;
  /** Fetch attempts that failed, by reason, since the exporter started. */
  fetchFailures: Readonly<Partial<Record<string, number>>>;
  /** The last TLSA lookup of each MX host (dane on), by host. */
  dane: ReadonlyMap<string, DaneLookup>;
  /** Each MX host's last secure TLSA set: what a TLSA change is measured against, across failed lookups. */
  secureSets: ReadonlyMap<string, readonly TlsaRecord[]>;
  /** Unix seconds of the last finished check; null before the first. */
  checkedAt: number | null;
}

export const EMPTY_POLICY_STATE: PolicyState = { mtaSts: null, fetchFailures: {}, dane: new Map(), secureSets: new Map(), checkedAt: null };

export interface PolicyOutcome {
  mtaSts: MtaStsStatus | null;
  dane: ReadonlyMap<string, DaneLookup>;
}

/** One check applied: the next state and the changes to record (none on the first check). Pure. */
export function nextPolicyState(domain: string, prev: PolicyState, outcome: PolicyOutcome, nowSeconds: number): { state: PolicyState; changes: PolicyChange[] } {
  const fetchFailures = { ...prev.fetchFailures };
  const failure = outcome.mtaSts?.fetch_error;
  if (failure != null) fetchFailures[failure.reason] = (fetchFailures[failure.reason] ?? 0) + 1;
  const secureSets = new Map(prev.secureSets);
  const changes: PolicyChange[] = [];
  if (prev.mtaSts !== null && outcome.mtaSts !== null) changes.push(...mtaStsChanges(domain, prev.mtaSts, outcome.mtaSts));
  for (const [host, lookup] of outcome.dane) {
    if (lookup.status !== 'secure') continue;
    changes.push(...tlsaChanges(host, prev.secureSets.get(host) ?? null, lookup.records));
    secureSets.set(host, lookup.records);
  }
  // An MX host that left the set takes its TLSA history with it (mx_removed says so).
  for (const host of secureSets.keys()) if (!outcome.dane.has(host)) secureSets.delete(host);
  return { state: { mtaSts: outcome.mtaSts, fetchFailures, dane: outcome.dane, secureSets, checkedAt: nowSeconds }, changes };
}

/**
 * What a discovered target of this MX host checks the presented chain against: the secure,
 * non-empty TLSA set of the last lookup, or null (no DANE: insecure, bogus, failed, no records).
 * The reference name for DANE-TA is the MX host alone: the MX lookup goes through node:dns, which
 * does not say whether the MX RRset was secure, so the domain is never added (RFC 7672 §3.2.2).
 */
export function daneCheckFor(state: PolicyState | undefined, mxHost: string): DaneCheck | null {
  const lookup = state?.dane.get(mxHost);
  if (lookup === undefined || lookup.status !== 'secure' || lookup.records.length === 0) return null;
  return { records: lookup.records, names: [mxHost] };
}

export interface PolicyCheckerDeps {
  refreshMtaSts: (domain: string, prev: MtaStsStatus | null, deps: MtaStsDeps) => Promise<MtaStsStatus>;
  lookupDane: (client: SecureDnsClient, mxHost: string, port: number) => Promise<DaneLookup>;
  lookup: (dns: DnsSettings) => DnsLookup;
  secureDns: (dns: DnsSettings) => SecureDnsClient;
  /** The PEM text of policy.ca_file, read when the config was loaded. */
  ca: (file: string) => string | null;
  /** Unix milliseconds. */
  now: () => number;
  onCheck: (domain: DomainConfig, state: PolicyState, changes: readonly PolicyChange[]) => void;
  onError: (domain: string, error: unknown) => void;
}

export class PolicyChecker {
  private readonly states = new Map<string, PolicyState>();
  /** Domains with a check in flight: a lookup finishing meanwhile starts none (the next one will). */
  private readonly running = new Set<string>();
  /** Bumped by retain() for a domain dropped, so a check still running for it is ignored. */
  private generation = 0;
  private stopped = false;

  constructor(private readonly deps: PolicyCheckerDeps) {}

  get(domain: string): PolicyState | undefined {
    return this.states.get(domain);
  }

  /** After an MX lookup of `domain` found these hosts; a no-op with policy off or a check still running. */
  check(domain: DomainConfig, mxHosts: readonly string[]): void {
    const { policy } = domain;
    if (this.stopped || (!policy.mta_sts && !policy.dane) || this.running.has(domain.domain)) return;
    this.running.add(domain.domain);
    const generation = this.generation;
    const prev = this.states.get(domain.domain) ?? EMPTY_POLICY_STATE;
    this.run(domain, mxHosts, prev)
      .then((outcome) => {
        if (this.stopped || generation !== this.generation) return;
        const { state, changes } = nextPolicyState(domain.domain, prev, outcome, Math.floor(this.deps.now() / 1000));
        this.states.set(domain.domain, state);
        this.deps.onCheck(domain, state, changes);
      })
      .catch((error: unknown) => this.deps.onError(domain.domain, error))
      .finally(() => this.running.delete(domain.domain));
  }

  /** Only the watched domains with policy on keep their state. */
  retain(domains: ReadonlySet<string>): void {
    for (const domain of this.states.keys()) {
      if (!domains.has(domain)) {
        this.states.delete(domain);
        this.generation++;
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(domain: DomainConfig, mxHosts: readonly string[], prev: PolicyState): Promise<PolicyOutcome> {
    const { policy, dns } = domain;
    const mtaSts = policy.mta_sts
      ? this.deps.refreshMtaSts(domain.domain, prev.mtaSts, {
          lookup: this.deps.lookup(dns),
          ca: policy.ca_file === null ? null : this.deps.ca(policy.ca_file),
          timeoutMs: policy.fetch_timeout_seconds * 1000,
          nowSeconds: Math.floor(this.deps.now() / 1000),
        })
      : Promise.resolve(null);
    const client = policy.dane ? this.deps.secureDns(dns) : null;
    const lookups = client === null ? [] : mxHosts.map(async (host) => [host, await this.deps.lookupDane(client, host, domain.port)] as const);
    const [sts, dane] = await Promise.all([mtaSts, Promise.all(lookups)]);
    return { mtaSts: sts, dane: new Map(dane) };
  }
}
