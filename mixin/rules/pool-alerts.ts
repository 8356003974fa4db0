// Alerts about the members of one group (an MX pool) disagreeing with each other.
import type { MixinConfig } from '../config.js';
import { alertRule, sel, type RuleGroup } from './rule-types.js';

export function poolAlerts(c: MixinConfig): RuleGroup {
  const t = sel(c.targetSelector);
  return {
    name: 'ehlo-exporter.pools',
    rules: [
      alertRule(c, {
        alert: 'SmtpPoolSizeDrift',
        comment: 'Members of one group (an MX pool) should agree. +Inf != x is true, +Inf != +Inf is false.',
        expr: `
max by (group, tls) (smtp_size_limit_bytes${t})
!=
min by (group, tls) (smtp_size_limit_bytes${t})`,
        severity: 'warning',
        summary: 'Members of group {{ $labels.group }} advertise different SIZE limits',
        description: [
          'The targets of group {{ $labels.group }} disagree on the SIZE they advertise',
          '{{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }}:',
          '{{ range $i, $s := printf "smtp_size_limit_bytes{group=%q,tls=%q}" $labels.group $labels.tls | query | sortByLabel "target" }}{{ if $i }}, {{ end }}{{ $s.Labels.target }}={{ if gt $s.Value 1e300 }}no fixed limit{{ else }}{{ humanize1024 $s.Value }}B{{ end }}{{ end }}.',
          'Check first: a configuration change that reached only part of the pool.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpPoolExtensionDrift',
        comment:
          'An extension advertised by some but not all members of a group. A member counts on a side (plaintext / TLS) when it advertises anything there, so a member without TLS does not make every post-TLS extension "drift". Targets are counted once even if two exporters probe them.',
        expr: `
count by (group, tls, extension) (count by (group, tls, extension, target) (smtp_extension_advertised${t} == 1))
< on (group, tls) group_left ()
count by (group, tls) (count by (group, tls, target) (smtp_extension_advertised${t} == 1))`,
        severity: 'warning',
        summary: 'Members of group {{ $labels.group }} disagree on {{ $labels.extension }}',
        description: [
          '{{ $labels.extension }} is advertised {{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }}',
          'by {{ $value }} member(s) of group {{ $labels.group }} but not by:',
          '{{ range $i, $s := printf "count by (target) (smtp_extension_advertised{group=%q,tls=%q} == 1) unless on (target) (smtp_extension_advertised{group=%q,tls=%q,extension=%q} == 1)" $labels.group $labels.tls $labels.group $labels.tls $labels.extension | query | sortByLabel "target" }}{{ if $i }}, {{ end }}{{ $s.Labels.target }}{{ end }}.',
          'Check first: a configuration change or upgrade that reached only part of the pool.',
        ],
      }),
    ],
  };
}
