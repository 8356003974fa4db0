// The one place where the mixin's selectors, thresholds, links and `for:` durations are set. Every
// generated file (alert and recording rules, their flap tests, the dashboards, docs/alerts.md) reads
// this value; change it and run `npm run generate`.

/** How long a condition must hold before the alert fires, and why that long. */
export interface ForPolicy {
  /** A Prometheus duration ("10m"); "0s" fires on the first evaluation that sees the condition. */
  for: string;
  why: string;
  /**
   * Whether the alert reports a target's probed state, which one flapping probe can change. Those must
   * hold for at least FLAP_PROBES probe intervals, and get a generated flap test.
   */
  flapGuarded: boolean;
}

export interface MixinConfig {
  /**
   * PromQL matchers of the exporter's own scrape job (the one serving /metrics). Exporter alerts and
   * the dashboards' exporter rows use it; never let it match the /probe job, whose `up` is 0 when a mail
   * host is slow or refuses, with `instance` set to the mail host.
   */
  exporterSelector: string;
  /** Matchers added to every per-target series (empty: every job, scheduled and /probe alike). */
  targetSelector: string;
  /** Where docs/runbook.md is served; each alert links `${runbookBaseUrl}#<alertname in lower case>`. */
  runbookBaseUrl: string;
  /** The longest probe schedule interval in seconds: flap-guarded `for:` must cover FLAP_PROBES of them. */
  probeIntervalSeconds: number;
  /** A target unprobed for longer than this is stale (above the longest schedule, with a margin). */
  staleAfterSeconds: number;
  certWarningDays: number;
  certCriticalDays: number;
  /** The exporter's memory limit (container limit, or what the host can spare), in bytes. */
  memoryLimitBytes: number;
  /** EhloExporterMemoryNearLimit fires above this share of memoryLimitBytes. */
  memoryAlertRatio: number;
  /** Event-loop lag p99 above which probe timings and schedules are no longer trustworthy. */
  eventLoopLagSeconds: number;
  /** How many rows top-k tables and failing-target timelines show; keeps panels usable at 10,000 targets. */
  topK: number;
  for: Readonly<Record<string, ForPolicy>>;
}

/** A condition seen by fewer consecutive probes than this is a flap, not a state. */
export const FLAP_PROBES = 3;

const TARGET_STATE = 'a target state from the last probe: one probe of a pool member that disagrees must not page';

export const DEFAULT_CONFIG: MixinConfig = {
  exporterSelector: 'job="ehlo-exporter"',
  targetSelector: '',
  runbookBaseUrl: 'https://github.com/ehlo-exporter/ehlo-exporter/blob/main/docs/runbook.md',
  probeIntervalSeconds: 60,
  staleAfterSeconds: 1800,
  certWarningDays: 14,
  certCriticalDays: 3,
  memoryLimitBytes: 1024 * 1024 * 1024,
  memoryAlertRatio: 0.9,
  eventLoopLagSeconds: 0.5,
  topK: 20,
  for: {
    EhloProbeFailing: { for: '5m', flapGuarded: true, why: `${TARGET_STATE}; five one-minute probes in a row is an outage` },
    SmtpServiceUnavailable: {
      for: '15m',
      flapGuarded: true,
      why: 'rate limiting comes and goes and the exporter backs off on its own; only lasting 421s need a person',
    },
    SmtpProbesStale: { for: '5m', flapGuarded: false, why: 'the threshold (staleAfterSeconds) already waits; 5m rides out a restart' },
    SmtpSizeLimitDecreased: { for: '15m', flapGuarded: true, why: `${TARGET_STATE}; a rolling change gets time to settle` },
    SmtpSizeLimitChanged: {
      for: '0s',
      flapGuarded: false,
      why: 'severity info, routed to no pager: the record of every change, flaps included, is its purpose',
    },
    SmtpExtensionLost: { for: '15m', flapGuarded: true, why: `${TARGET_STATE}; a rolling upgrade gets time to settle` },
    SmtpStartTlsLost: { for: '10m', flapGuarded: true, why: `${TARGET_STATE}; critical, so ten probes, not one` },
    SmtpAuthBeforeTls: { for: '15m', flapGuarded: true, why: TARGET_STATE },
    SmtpExpectationNotMet: { for: '15m', flapGuarded: true, why: TARGET_STATE },
    SmtpTlsCertExpiringSoon: {
      for: '15m',
      flapGuarded: true,
      why: `${TARGET_STATE}; expiry moves in days, so waiting costs nothing`,
    },
    SmtpTlsCertExpired: { for: '10m', flapGuarded: true, why: TARGET_STATE },
    SmtpTlsCertNotVerified: { for: '15m', flapGuarded: true, why: `${TARGET_STATE}; a pool with one misconfigured member shows as a flap` },
    SmtpPoolSizeDrift: { for: '30m', flapGuarded: true, why: 'a rolling change reaches every member of a pool before anyone is told' },
    SmtpPoolExtensionDrift: { for: '30m', flapGuarded: true, why: 'a rolling change reaches every member of a pool before anyone is told' },
    SmtpDomainMxSetChanged: {
      for: '0s',
      flapGuarded: false,
      why: 'severity info, routed to no pager: the record of every MX and address set change is its purpose',
    },
    SmtpDomainNoWorkingMx: { for: '10m', flapGuarded: true, why: `${TARGET_STATE}; critical, so ten probes of every address, not one` },
    SmtpDomainLookupFailing: {
      for: '15m',
      flapGuarded: false,
      why: 'a DNS lookup, not a probe: the last good set is probed meanwhile (dns.keep_last_good), so only a lasting failure needs a person',
    },
    SmtpDomainSizeDrift: { for: '30m', flapGuarded: true, why: "a rolling change reaches every address of a domain's MX hosts before anyone is told" },
    SmtpDomainStartTlsDrift: { for: '30m', flapGuarded: true, why: "a rolling change reaches every address of a domain's MX hosts before anyone is told" },
    SmtpDomainExtensionDrift: { for: '30m', flapGuarded: true, why: "a rolling change reaches every address of a domain's MX hosts before anyone is told" },
    SmtpIpv6FailingIpv4Works: { for: '15m', flapGuarded: true, why: `${TARGET_STATE}; one lost IPv6 probe is not a broken IPv6 listener` },
    SmtpMtaStsMxNotCovered: {
      for: '15m',
      flapGuarded: false,
      why: 'the MX set and the policy come from DNS and HTTPS checks, not probes; a planned MX change gets time to reach the policy',
    },
    SmtpMtaStsMxNotCompliant: { for: '10m', flapGuarded: true, why: `${TARGET_STATE}; critical, so ten probes, not one` },
    SmtpDaneTlsaMismatch: { for: '10m', flapGuarded: true, why: `${TARGET_STATE}; critical, so ten probes, not one` },
    SmtpDnssecBogus: { for: '15m', flapGuarded: false, why: 'a DNS answer, not a probe: one resolver hiccup is not a broken signature; expired RRSIGs last' },
    SmtpMtaStsPolicyFetchFailing: {
      for: '15m',
      flapGuarded: false,
      why: 'an HTTPS fetch, not a probe: senders keep their cached policy meanwhile, so only a lasting failure needs a person',
    },
    SmtpMtaStsModeDowngraded: { for: '0s', flapGuarded: false, why: 'the downgrade itself is the event; the expression holds it for an hour' },
    EhloExporterConfigReloadFailed: { for: '5m', flapGuarded: false, why: 'an operator fixing the file right away needs no alert' },
    EhloExporterStoreErrors: {
      for: '15m',
      flapGuarded: false,
      why: 'one failed write (a full disk for a moment) is retried with the next probe; errors in every 5-minute window for 15m are not',
    },
    EhloExporterDown: { for: '5m', flapGuarded: false, why: 'rides out a restart or a rolling update of the exporter' },
    EhloExporterMemoryNearLimit: { for: '15m', flapGuarded: false, why: 'garbage collection makes RSS spiky; a lasting high level is what gets killed' },
    EhloExporterEventLoopLag: { for: '10m', flapGuarded: false, why: 'a burst of probes or a GC pause lags briefly; lasting lag distorts timings and schedules' },
  },
};
