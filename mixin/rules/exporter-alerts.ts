// Alerts about the exporter itself, selected by the exporter's own scrape job (config.exporterSelector),
// never by a regex that also matches the /probe job.
import type { MixinConfig } from '../config.js';
import { alertRule, forText, sel, type RuleGroup } from './rule-types.js';

export function exporterAlerts(c: MixinConfig): RuleGroup {
  const e = sel(c.exporterSelector);
  const limit = c.memoryLimitBytes;
  return {
    name: 'ehlo-exporter.exporter',
    rules: [
      alertRule(c, {
        alert: 'EhloExporterConfigReloadFailed',
        expr: `smtp_exporter_config_last_reload_successful${e} == 0`,
        severity: 'warning',
        summary: 'ehlo-exporter {{ $labels.instance }} failed to reload its configuration',
        description: [
          'The last configuration reload of ehlo-exporter {{ $labels.instance }} failed; it keeps probing',
          'with the configuration loaded at',
          '{{ with printf "smtp_exporter_config_last_reload_success_timestamp_seconds{instance=%q}" $labels.instance | query }}{{ . | first | value | humanizeTimestamp }}{{ else }}an unknown time{{ end }}',
          '(old: that config, new: rejected). Check first: `ehlo-exporter check-config <file>` prints every',
          'problem with its line.',
        ],
      }),
      alertRule(c, {
        alert: 'EhloExporterStoreErrors',
        expr: `increase(smtp_exporter_store_errors_total${e}[5m]) > 0`,
        severity: 'warning',
        summary: 'ehlo-exporter {{ $labels.instance }} cannot write its state store',
        description: [
          'ehlo-exporter {{ $labels.instance }} failed {{ $value | humanize }} write(s) to its SQLite store in',
          `the last 5 minutes, and has kept failing for ${forText(c, 'EhloExporterStoreErrors')}. Probing and metrics go on, but baselines and change history are not saved and`,
          'a restart would forget them. Check first: free disk space and permissions of the --storage.path',
          'directory.',
        ],
      }),
      alertRule(c, {
        alert: 'EhloExporterDown',
        comment: `Only the exporter's own job (config.exporterSelector = ${c.exporterSelector}): up of the /probe job is 0 whenever a mail host is slow or refuses.`,
        expr: `up${e} == 0`,
        severity: 'critical',
        summary: 'ehlo-exporter {{ $labels.instance }} is down',
        description: [
          'Prometheus could not scrape ehlo-exporter {{ $labels.instance }} (job {{ $labels.job }}) for',
          `${forText(c, 'EhloExporterDown')}: no SMTP target it watches is being checked, and no other ehlo alert can fire for them.`,
          "Check first: the exporter's process or container, and its log at start-up (store locked or corrupt,",
          'invalid config).',
        ],
      }),
      alertRule(c, {
        alert: 'EhloExporterMemoryNearLimit',
        comment: `config.memoryLimitBytes (${limit}) is the exporter's memory limit; the alert fires above ${c.memoryAlertRatio * 100}% of it.`,
        expr: `process_resident_memory_bytes${e} > ${c.memoryAlertRatio} * ${limit}`,
        severity: 'warning',
        summary: 'ehlo-exporter {{ $labels.instance }} uses {{ $value | humanize1024 }}B, near its memory limit',
        description: [
          `ehlo-exporter {{ $labels.instance }} has a resident set of {{ $value | humanize1024 }}B, above ${c.memoryAlertRatio * 100}% of the`,
          `${limit} bytes it may use, for ${forText(c, 'EhloExporterMemoryNearLimit')}. Next it is killed (OOM) and every target goes unprobed until it restarts.`,
          'Check first: how many targets it probes (smtp_exporter_targets) against the sizing in the README, then',
          'raise the limit or shard the fleet over more exporters.',
        ],
      }),
      alertRule(c, {
        alert: 'EhloExporterEventLoopLag',
        expr: `nodejs_eventloop_lag_p99_seconds${e} > ${c.eventLoopLagSeconds}`,
        severity: 'warning',
        summary: 'ehlo-exporter {{ $labels.instance }} event loop lags {{ $value | humanizeDuration }}',
        description: [
          "The 99th percentile of ehlo-exporter {{ $labels.instance }}'s event-loop lag is {{ $value | humanizeDuration }}",
          `(threshold ${c.eventLoopLagSeconds}s) and has been for ${forText(c, 'EhloExporterEventLoopLag')}: phase timings are inflated, probes may time out and`,
          'schedules run late. Check first: CPU of the host (process_cpu_seconds_total), the number of targets and',
          'max_concurrency, and smtp_exporter_schedule_lateness_seconds.',
        ],
      }),
    ],
  };
}
