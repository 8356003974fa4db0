// The resolved, validated, frozen configuration: defaults applied, per-group and per-target
// overrides merged, so every consumer reads a complete TargetConfig and never the raw YAML.
import type { DaneCheck, StartTlsMode } from '../smtp/types.js';

export interface TlsSettings {
  /** SNI and the name the certificate is verified against; defaults to the target's host. */
  server_name: string | null;
  /** A PEM bundle of extra trusted CAs. */
  ca_file: string | null;
  /** Fail the probe when the certificate does not verify (facts are recorded either way). */
  fail_on_verify_error: boolean;
  /** Lowest TLS version to offer, e.g. "TLSv1.2". */
  min_version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

export interface ProbeSettings {
  helo_name: string;
  starttls: StartTlsMode;
  /** Implicit TLS (RFC 8314) before the greeting: defaults to true on port 465. */
  implicit_tls: boolean;
  /** The overall deadline of one probe, in seconds; each phase also has to finish inside it. */
  timeout_seconds: number;
  tls: TlsSettings;
}

export interface Expectations {
  starttls?: 'required';
  min_size_bytes?: number;
  required_extensions?: string[];
  forbidden_extensions?: string[];
  auth_requires_tls?: boolean;
}

/** Where a discovered target came from (empty labels for plain targets). */
export interface DiscoveredFrom {
  /** The mail domain, or "" for a host target's `all_addresses`. */
  domain: string;
  /** The MX host (the implicit MX is the domain itself), or "" for a host target's `all_addresses`. */
  mx_host: string;
  /** The MX preference; null for a host target's `all_addresses`. */
  mx_preference: number | null;
  family: 'ipv4' | 'ipv6';
  /** The address dialled; the politeness gap and the 421 back-off apply to it. */
  address: string;
}

export interface TargetConfig {
  /** Unique across the whole config; the `target` label. Defaults to host:port. */
  name: string;
  host: string;
  port: number;
  group: string;
  /** node-cron expression (5 or 6 fields). */
  schedule: string;
  probe: ProbeSettings;
  expectations: Expectations;
  /** Probe every A and AAAA address of `host` as a target of its own (discovery expands it). */
  all_addresses?: boolean;
  /** Set on targets that discovery made from a domain or an `all_addresses` host. */
  discovery?: DiscoveredFrom;
  /** The MX host's DNSSEC-secure TLSA records to check the presented chain against (a domain with `policy.dane`). */
  dane?: DaneCheck;
}

export interface DnsSettings {
  /** "127.0.0.1:5353", "[::1]:53"; empty: the system's resolvers. */
  servers: string[];
  /** Per query attempt. */
  timeout_seconds: number;
  /** Re-resolve at least this often, whatever the TTLs say (the maximum refresh interval). */
  refresh_seconds: number;
  /** Re-resolve at most this often, however short the TTLs (also the retry interval after a failure). */
  min_refresh_seconds: number;
  /** How long the last good set is kept probing after lookups start failing. */
  keep_last_good_seconds: number;
}

/** `policy:` (issue 11): a watched domain's MTA-STS and DANE checks. */
export interface PolicySettings {
  /** Fetch and check the domain's MTA-STS policy and TLS-RPT record. */
  mta_sts: boolean;
  /** Look up and check each MX host's TLSA records (trusted only when the resolver validates DNSSEC). */
  dane: boolean;
  /** A PEM bundle trusted for the policy fetch on top of the WebPKI roots. */
  ca_file: string | null;
  /** The deadline of one policy fetch, in seconds. */
  fetch_timeout_seconds: number;
}

/** A mail domain to watch: its MX hosts' addresses become targets, probed with these settings. */
export interface DomainConfig {
  /** Lower-case, without a trailing dot; unique across the config (the `domain` label). */
  domain: string;
  port: number;
  group: string;
  schedule: string;
  probe: ProbeSettings;
  expectations: Expectations;
  dns: DnsSettings;
  policy: PolicySettings;
}

export interface GroupConfig {
  name: string;
  schedule: string;
  targets: TargetConfig[];
  domains: DomainConfig[];
  dns: DnsSettings;
  /** What the group's domains inherit (plain targets have no policy checks). */
  policy: PolicySettings;
}

export interface PolitenessSettings {
  /** Most probes running at once, over all groups. */
  max_concurrency: number;
  /** Least time between two sessions to the same address, in seconds. */
  min_gap_seconds: number;
  /** First back-off after a 421, doubled each further 421, capped at backoff_max_seconds. */
  backoff_initial_seconds: number;
  backoff_max_seconds: number;
}

export interface ProbeEndpointSettings {
  /** Allow /probe for targets not in the config when they match one of these CIDRs or host names. */
  allow: string[];
  /** On-demand probes allowed per target per minute, and in total per minute. */
  per_target_per_minute: number;
  total_per_minute: number;
}

export interface StorageSettings {
  /** Change events older than this are deleted; removed extensions are forgotten after it. */
  retention_days: number;
}

export interface ExporterConfig {
  /** The file it was loaded from. */
  file: string;
  defaults: ProbeSettings;
  politeness: PolitenessSettings;
  probe_endpoint: ProbeEndpointSettings;
  storage: StorageSettings;
  dns: DnsSettings;
  policy: PolicySettings;
  groups: GroupConfig[];
  /** Every target of every group, flattened, in file order (discovered targets are not here). */
  targets: TargetConfig[];
  /** Every domain of every group, flattened, in file order. */
  domains: DomainConfig[];
}
