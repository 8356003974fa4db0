// What the metrics layer reads at scrape time. The composition root implements it over the
// running config, the scheduler and the store; metrics never reach for those themselves.
import type { DiscoveredFrom, Expectations } from '../config/types.js';
import type { TargetState } from '../state/types.js';

export interface ExporterStatus {
  version: string;
  /** The git revision and branch the build came from ("unknown" when left out or not known). */
  revision?: string;
  branch?: string;
  /** The Node.js version for the build_info `nodejs` label ("unknown" when left out): only main.ts reads process.*. */
  nodeVersion?: string;
  configReloadSuccessful: boolean;
  /** Unix seconds. */
  configLastSuccessTimestamp: number;
  targetsByGroup: Record<string, number>;
  probesInFlight: number;
  /** By group. */
  probesTotal: Record<string, number>;
  /** By group. */
  roundsMissed: Record<string, number>;
  /** By group. */
  latenessSeconds: Record<string, number>;
  storeErrors: number;
}

/** A watched domain's DNS view, for the smtp_domain_* series. */
export interface DomainStatus {
  domain: string;
  /** null before the first lookup finished. */
  lookupSuccess: boolean | null;
  mxHosts: number;
  addresses: { ipv4: number; ipv6: number };
  nullMx: boolean;
  implicitMx: boolean;
  /** By reason. */
  failures: Readonly<Partial<Record<string, number>>>;
  /** Unix seconds; null before the first lookup. */
  lastLookupAt: number | null;
}

/** A watched domain's MTA-STS view, for the domain-level policy series (shapes copied from discovery's MtaStsStatus). */
export interface DomainPolicyStatus {
  domain: string;
  /** Whether the domain publishes an _mta-sts record (a valid one or not) or a cached policy is still in force; else no MTA-STS series but the failures. */
  record: boolean;
  /** The policy in force and the record id it was fetched under; null when none is. */
  policy: { mode: string; max_age: number } | null;
  policy_id: string | null;
  /** Failed checks by reason, since the exporter started. */
  fetchFailures: Readonly<Partial<Record<string, number>>>;
  /** The TLS-RPT record; null when the domain publishes none. */
  tlsrpt: { valid: boolean } | null;
}

/** One discovered target's policy view: only for targets of domains with policy checking on. */
export interface TargetPolicyStatus {
  target: string;
  group: string;
  /** null: no MTA-STS policy in enforce or testing mode for its domain. */
  mtaSts: { covered: boolean; compliant: boolean | null } | null;
  /** null: DANE off for the domain, or its MX host not looked up yet. */
  dane: {
    status: 'secure' | 'insecure' | 'bogus' | 'error';
    /** The validated TLSA set in presentation form ("3 1 1 ab…"); [] unless secure. */
    records: readonly string[];
    usable: boolean;
    /** null: no DANE check in the last probe (no usable records, or not probed yet). */
    match: boolean | null;
    /** The presented leaf's digests from the last DANE check; null without one. */
    spki_sha256: string | null;
    cert_sha256: string | null;
  } | null;
}

/** A probed target's configuration as its series depend on it (the fleet's own target objects fit it). */
export interface TargetMetricsConfig {
  readonly expectations?: Expectations;
  /** Where a discovered target came from; absent for configured targets. */
  readonly discovery?: DiscoveredFrom;
}

export interface MetricsSource {
  /** The targets being probed, and the watched domains' change-count states; nothing removed by a reload. */
  targets(): readonly TargetState[];
  /**
   * The target's configuration, the same objects while it is unchanged (the cached text is kept by
   * identity, see target-fragments.ts); undefined for a state that is not a probed target (a
   * domain's change counts), which has no back-off series.
   */
  targetConfig(target: string): TargetMetricsConfig | undefined;
  /** Seconds left of each 421 back-off under way, by target; a probed target not in it has 0. */
  backoffs(): ReadonlyMap<string, number>;
  /** Absent: no watched domains. */
  domains?(): readonly DomainStatus[];
  /** Absent: no policy checks. Domains with MTA-STS checking on, after their first check. */
  domainPolicies?(): readonly DomainPolicyStatus[];
  /** Absent: no policy checks. Targets of domains with policy checking on. */
  targetPolicies?(): readonly TargetPolicyStatus[];
  status(): ExporterStatus;
}
