// Alerts about whether each target is probed and answers: failing, rate limited (421), stale.
import type { MixinConfig } from '../config.js';
import { alertRule, forText, sel, type RuleGroup } from './rule-types.js';

export function probeAlerts(c: MixinConfig): RuleGroup {
  const t = sel(c.targetSelector);
  const rateLimited = `
    count by (target, group) (smtp_reply_code${t} == 421)
    or
    smtp_probe_backoff_seconds${t} > 0`;
  return {
    name: 'ehlo-exporter.probes',
    rules: [
      alertRule(c, {
        alert: 'EhloProbeFailing',
        comment: "421 answers are SmtpServiceUnavailable's business: exactly one of the two fires for a failure.",
        expr: `
smtp_probe_success${t} == 0
unless on (target, group)
(${rateLimited}
)`,
        severity: 'critical',
        summary: 'SMTP probe of {{ $labels.target }} ({{ $labels.group }}) is failing',
        description: [
          'The scheduled EHLO probe of {{ $labels.target }} in group {{ $labels.group }} has failed for more',
          `than ${forText(c, 'EhloProbeFailing')}.`,
          'Failures in the last hour by stage/reason:',
          '{{ range $i, $s := printf "(round(increase(smtp_probe_failures_total{target=%q,group=%q}[1h])) > 0) or (smtp_probe_failures_total{target=%q,group=%q} unless smtp_probe_failures_total{target=%q,group=%q} offset 1h)" $labels.target $labels.group $labels.target $labels.group $labels.target $labels.group | query | sortByLabel "stage" }}{{ if $i }}, {{ end }}{{ $s.Labels.stage }}/{{ $s.Labels.reason }} ({{ $s.Value }}x){{ else }}none counted{{ end }}.',
          'Last reply codes by stage:',
          '{{ range $i, $s := printf "smtp_reply_code{target=%q,group=%q}" $labels.target $labels.group | query | sortByLabel "stage" }}{{ if $i }}, {{ end }}{{ $s.Labels.stage }}={{ $s.Value }}{{ else }}none (no SMTP reply at all){{ end }}.',
          "Check first: can this host reach it on that port (connect/refused, timeout), DNS, the server's logs.",
        ],
      }),
      alertRule(c, {
        alert: 'SmtpServiceUnavailable',
        comment:
          'The server answered 421 ("service not available, closing channel"): most often rate limiting or an overloaded server, not an outage. The exporter backs off; this fires when it lasts.',
        expr: `
smtp_probe_success${t} == 0
and on (target, group)
(${rateLimited}
)`,
        severity: 'warning',
        summary: '{{ $labels.target }} ({{ $labels.group }}) answers 421 service unavailable / rate limited',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} has answered 421 (service unavailable, usually',
          `rate limiting) for more than ${forText(c, 'SmtpServiceUnavailable')}`,
          '{{- range printf "smtp_reply_code{target=%q,group=%q} == 421" $labels.target $labels.group | query }}, at stage {{ .Labels.stage }}{{ end }}.',
          'The exporter is backing off for another',
          '{{ with printf "smtp_probe_backoff_seconds{target=%q,group=%q}" $labels.target $labels.group | query }}{{ . | first | value | humanizeDuration }}{{ else }}0s{{ end }}.',
          "Check first: whether the server rate-limits this exporter's address (probe less often, or allowlist it).",
        ],
      }),
      alertRule(c, {
        alert: 'SmtpProbesStale',
        comment: `Probes that stop happening are silent: nothing fails, the series just stop moving. ${c.staleAfterSeconds} s (config staleAfterSeconds) must exceed the longest schedule. Targets backing off after a 421 are expected to be late and are left out.`,
        expr: `
time() - smtp_last_probe_timestamp_seconds${t} > ${c.staleAfterSeconds}
unless on (target, group)
smtp_probe_backoff_seconds${t} > 0`,
        severity: 'warning',
        summary: 'No recent probe of {{ $labels.target }} ({{ $labels.group }})',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} was last probed {{ $value | humanizeDuration }} ago',
          '(last success:',
          '{{ with printf "smtp_last_success_timestamp_seconds{target=%q,group=%q}" $labels.target $labels.group | query }}{{ . | first | value | humanizeTimestamp }}{{ else }}never{{ end }}).',
          'Its schedule is not running. Check first: smtp_exporter_rounds_missed_total and',
          "smtp_exporter_schedule_lateness_seconds of the group, and the exporter's log.",
        ],
      }),
    ],
  };
}
