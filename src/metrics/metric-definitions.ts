// Every metric the exporter serves, in one table: name, type, HELP sentence and labels.
// Dashboards, alert rules and the README's metric reference are checked against this table.

export type MetricType = 'gauge' | 'counter' | 'info';

export interface MetricDefinition {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
}

const PER_TARGET = ['target', 'group'] as const;

function def(name: string, type: MetricType, help: string, labels: readonly string[] = []): MetricDefinition {
  return { name, type, help, labels };
}

export const TARGET_METRICS = {
  probeSuccess: def('smtp_probe_success', 'gauge', 'Whether the last scheduled probe of the target succeeded (1) or failed (0).', PER_TARGET),
  probeDuration: def('smtp_probe_duration_seconds', 'gauge', 'How long the last scheduled probe of the target took, in seconds.', PER_TARGET),
  phaseDuration: def('smtp_probe_phase_duration_seconds', 'gauge', 'How long each phase of the last scheduled probe took, in seconds.', [...PER_TARGET, 'phase']),
  lastProbe: def('smtp_last_probe_timestamp_seconds', 'gauge', 'Unix time when the last scheduled probe of the target started.', PER_TARGET),
  lastSuccess: def('smtp_last_success_timestamp_seconds', 'gauge', 'Unix time when the last successful scheduled probe of the target started.', PER_TARGET),
  failures: def('smtp_probe_failures_total', 'counter', 'Scheduled probes of the target that failed, by the stage and reason of the failure.', [...PER_TARGET, 'stage', 'reason']),
  replyCode: def('smtp_reply_code', 'gauge', 'The last SMTP reply code the server sent at each stage of the last scheduled probe.', [...PER_TARGET, 'stage']),
  esmtp: def('smtp_esmtp', 'gauge', 'Whether the server accepted EHLO (1) or the probe fell back to HELO (0) in the last scheduled probe.', PER_TARGET),
  sizeLimit: def('smtp_size_limit_bytes', 'gauge', 'The message size limit the server advertised with SIZE in the last scheduled probe, in bytes; +Inf when it declares no fixed limit.', [...PER_TARGET, 'tls']),
  extension: def('smtp_extension_advertised', 'gauge', 'Whether the server advertised the EHLO extension in the last scheduled probe (1), or advertised it before and no longer does (0).', [...PER_TARGET, 'extension', 'tls']),
  extensionsUnlabelled: def('smtp_extensions_unlabelled', 'gauge', 'EHLO keywords of the last scheduled probe that were not exported as labels because they break the keyword grammar or exceed the per-target cap.', [...PER_TARGET, 'tls']),
  authMechanism: def('smtp_auth_mechanism_advertised', 'gauge', 'Whether the server offered the SASL mechanism with AUTH in the last scheduled probe.', [...PER_TARGET, 'mechanism', 'tls']),
  limit: def('smtp_limit', 'gauge', 'A limit the server advertised with the RFC 9422 LIMITS extension in the last scheduled probe.', [...PER_TARGET, 'limit', 'tls']),
  starttlsAdvertised: def('smtp_starttls_advertised', 'gauge', 'Whether the server advertised STARTTLS in the plaintext EHLO of the last scheduled probe.', PER_TARGET),
  tlsInfo: def('smtp_tls_info', 'gauge', 'The TLS version and cipher negotiated in the last scheduled probe; always 1.', [...PER_TARGET, 'version', 'cipher']),
  certNotAfter: def('smtp_tls_cert_not_after_timestamp_seconds', 'gauge', 'Unix time when the earliest-expiring certificate the server presented in the last scheduled probe expires.', PER_TARGET),
  certVerified: def('smtp_tls_cert_verified', 'gauge', 'Whether the certificate the server presented in the last scheduled probe verified for the target name (1) or not (0).', PER_TARGET),
  changes: def(
    'smtp_capability_changes_total',
    'counter',
    'Capability changes detected between successful scheduled probes, by kind of change; for a watched domain (target is the domain), changes of its MX and address set.',
    [...PER_TARGET, 'change'],
  ),
  lastChange: def('smtp_capabilities_last_change_timestamp_seconds', 'gauge', 'Unix time of the last capability change detected for the target.', PER_TARGET),
  expectation: def('smtp_expectation_met', 'gauge', 'Whether the last scheduled probe met a configured expectation (1) or not (0).', [...PER_TARGET, 'expectation']),
  targetInfo: def(
    'smtp_target_info',
    'gauge',
    'The host, port and address of the target as last probed, and the domain, MX host, MX preference and address family it was discovered from (empty for configured hosts); always 1.',
    [...PER_TARGET, 'host', 'port', 'address', 'domain', 'mx_host', 'mx_preference', 'family'],
  ),
  bannerInfo: def('smtp_banner_info', 'gauge', 'The first line of the greeting in the last scheduled probe without dates, times, session ids and counters, truncated; always 1.', [...PER_TARGET, 'banner']),
  backoff: def('smtp_probe_backoff_seconds', 'gauge', 'Seconds the scheduler still holds off probing the target after it answered 421; 0 when not backing off.', PER_TARGET),
} as const;

export const EXPORTER_METRICS = {
  buildInfo: def('smtp_exporter_build_info', 'gauge', 'The exporter build: version, git revision and branch, and the Node.js version; always 1.', ['version', 'revision', 'branch', 'nodejs']),
  reloadSuccessful: def('smtp_exporter_config_last_reload_successful', 'gauge', 'Whether the last configuration reload succeeded (1) or failed (0).'),
  reloadSuccessTimestamp: def('smtp_exporter_config_last_reload_success_timestamp_seconds', 'gauge', 'Unix time of the last successful configuration load.'),
  targets: def('smtp_exporter_targets', 'gauge', 'Targets in the running configuration, by group.', ['group']),
  inFlight: def('smtp_exporter_probes_in_flight', 'gauge', 'Probes running now.'),
  probes: def('smtp_exporter_probes_total', 'counter', 'Scheduled probes completed, by group.', ['group']),
  roundsMissed: def('smtp_exporter_rounds_missed_total', 'counter', 'Scheduled probes skipped because the previous probe of the same target was still running or the concurrency limit was reached.', ['group']),
  lateness: def('smtp_exporter_schedule_lateness_seconds', 'gauge', 'How late the last probe of each group started compared with its planned time, in seconds.', ['group']),
  storeErrors: def('smtp_exporter_store_errors_total', 'counter', 'Writes to the state store that failed.'),
} as const;

export const DOMAIN_METRICS = {
  lookupSuccess: def('smtp_domain_lookup_success', 'gauge', 'Whether the last DNS lookup of the domain, its MX records and every MX host\'s addresses, succeeded (1) or not (0).', ['domain']),
  mxHosts: def('smtp_domain_mx_hosts', 'gauge', 'MX hosts in the domain\'s current set (the last good lookup, kept for dns.keep_last_good after failures).', ['domain']),
  addresses: def('smtp_domain_addresses', 'gauge', 'Addresses of the MX hosts in the domain\'s current set, by address family.', ['domain', 'family']),
  nullMx: def('smtp_domain_null_mx', 'gauge', 'Whether the domain publishes a null MX (RFC 7505): it accepts no mail and nothing is probed.', ['domain']),
  implicitMx: def('smtp_domain_implicit_mx', 'gauge', 'Whether the domain has no MX records and its own addresses serve as the implicit MX (RFC 5321 section 5.1).', ['domain']),
  lookupFailures: def('smtp_domain_lookup_failures_total', 'counter', 'DNS lookups of the domain or one of its MX hosts that failed, by reason.', ['domain', 'reason']),
  lastLookup: def('smtp_domain_last_lookup_timestamp_seconds', 'gauge', 'Unix time of the last DNS lookup of the domain.', ['domain']),
} as const;

/**
 * A watched domain\'s mail TLS policy (issue 11): MTA-STS per domain, and per discovered target
 * whether its MX host is covered by that policy and what DANE says about it. Rendered by
 * policy-series.ts, only where policy checking is on and the series mean something.
 */
export const POLICY_METRICS = {
  mtaStsInfo: def('smtp_mta_sts_policy_info', 'gauge', 'The MTA-STS policy in force for the domain (the last valid fetch, kept while its max_age lasts): its mode and the id of the record it was fetched under; always 1.', ['domain', 'mode', 'id']),
  mtaStsValid: def('smtp_mta_sts_policy_valid', 'gauge', 'Whether the domain that publishes an _mta-sts record has a valid MTA-STS policy in force (1) or not (0): the record is invalid or the policy could not be fetched or parsed.', ['domain']),
  mtaStsMaxAge: def('smtp_mta_sts_policy_max_age_seconds', 'gauge', 'The max_age of the MTA-STS policy in force for the domain, in seconds.', ['domain']),
  mtaStsFetchFailures: def('smtp_mta_sts_policy_fetch_failures_total', 'counter', 'Checks of the domain\'s MTA-STS policy whose record lookup or policy fetch failed, by reason.', ['domain', 'reason']),
  tlsrptValid: def('smtp_tlsrpt_record_valid', 'gauge', 'Whether the domain\'s _smtp._tls TLS-RPT record (RFC 8460) is valid (1) or not (0).', ['domain']),
  mxCovered: def('smtp_mta_sts_mx_covered', 'gauge', 'Whether the MX host of the target matches an mx pattern of its domain\'s MTA-STS policy in force (1) or not (0).', PER_TARGET),
  compliant: def('smtp_mta_sts_compliant', 'gauge', 'Whether a sender enforcing the domain\'s MTA-STS policy would deliver to the target as found in the last scheduled probe (1): MX covered, STARTTLS offered, TLS 1.2 or later, certificate valid for the MX host; or not (0).', PER_TARGET),
  daneLookup: def('smtp_dane_lookup_info', 'gauge', 'The DNSSEC status of the last TLSA lookup for the target\'s MX host: secure, insecure (unsigned, no DANE), bogus (validation failed) or error; always 1.', [...PER_TARGET, 'status']),
  dnssecSecure: def('smtp_dane_dnssec_secure', 'gauge', 'Whether the last TLSA lookup for the target\'s MX host, and the MX host\'s addresses, were DNSSEC-validated (1) or not (0).', PER_TARGET),
  tlsaRecords: def('smtp_dane_tlsa_records', 'gauge', 'TLSA records in the validated TLSA set of the target\'s MX host (0: signed zone, no DANE).', PER_TARGET),
  tlsaMatch: def('smtp_dane_tlsa_match', 'gauge', 'Whether a usable TLSA record of the MX host matched the certificate chain the target presented in the last scheduled probe (1) or not (0).', PER_TARGET),
  daneUsable: def('smtp_dane_usable', 'gauge', 'Whether the validated TLSA set of the target\'s MX host holds a record usable for SMTP (usage 2 or 3, RFC 7672 section 3.1.3) (1) or only unusable ones (0).', PER_TARGET),
  tlsaRecord: def('smtp_dane_tlsa_record_info', 'gauge', 'A TLSA record of the target\'s MX host in presentation form (usage selector matching-type data), at most 8 per target; always 1.', [...PER_TARGET, 'record']),
  presented: def('smtp_dane_presented_certificate_info', 'gauge', 'The SHA-256 digests of the SubjectPublicKeyInfo and of the whole leaf certificate the target presented in the last scheduled DANE check; always 1.', [...PER_TARGET, 'spki_sha256', 'cert_sha256']),
} as const;

export const ALL_METRICS: readonly MetricDefinition[] = [
  ...Object.values(TARGET_METRICS),
  ...Object.values(DOMAIN_METRICS),
  ...Object.values(POLICY_METRICS),
  ...Object.values(EXPORTER_METRICS),
];

/**
 * The process's own metrics, added by prom-client's default collectors when the exporter runs as
 * a process (runtime-metrics.ts): names and HELP are prom-client's, the common ones of every
 * Prometheus client library. Alert rules and dashboards may use these names too. Left out:
 * nodejs_active_{handles,requests,resources}_total, gauges whose `_total` suffix fails
 * `promtool check metrics` (the per-type gauges without the suffix carry the same numbers).
 */
export const RUNTIME_METRICS: readonly { name: string; type: 'gauge' | 'counter' | 'histogram' }[] = [
  { name: 'process_cpu_user_seconds_total', type: 'counter' },
  { name: 'process_cpu_system_seconds_total', type: 'counter' },
  { name: 'process_cpu_seconds_total', type: 'counter' },
  { name: 'process_start_time_seconds', type: 'gauge' },
  { name: 'process_resident_memory_bytes', type: 'gauge' },
  { name: 'process_virtual_memory_bytes', type: 'gauge' },
  { name: 'process_heap_bytes', type: 'gauge' },
  { name: 'process_open_fds', type: 'gauge' },
  { name: 'process_max_fds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_min_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_max_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_mean_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_stddev_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_p50_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_p90_seconds', type: 'gauge' },
  { name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge' },
  { name: 'nodejs_active_resources', type: 'gauge' },
  { name: 'nodejs_active_handles', type: 'gauge' },
  { name: 'nodejs_active_requests', type: 'gauge' },
  { name: 'nodejs_heap_size_total_bytes', type: 'gauge' },
  { name: 'nodejs_heap_size_used_bytes', type: 'gauge' },
  { name: 'nodejs_external_memory_bytes', type: 'gauge' },
  { name: 'nodejs_heap_space_size_total_bytes', type: 'gauge' },
  { name: 'nodejs_heap_space_size_used_bytes', type: 'gauge' },
  { name: 'nodejs_heap_space_size_available_bytes', type: 'gauge' },
  { name: 'nodejs_version_info', type: 'gauge' },
  { name: 'nodejs_gc_duration_seconds', type: 'histogram' },
];
