// Alerts about what each target advertises in EHLO: SIZE, extensions, STARTTLS, AUTH, expectations.
//   - Capability series come from the last *successful* probe, so an outage does not look like a lost
//     extension; smtp_extension_advertised is 0 for an extension the server used to advertise.
//   - smtp_size_limit_bytes is +Inf when the server declares no fixed limit (SIZE 0). In PromQL +Inf > x
//     is true, so "no fixed limit" -> a number is a decrease, and the reverse is an increase.
import type { MixinConfig } from '../config.js';
import { alertRule, sel, type RuleGroup } from './rule-types.js';

/** A SIZE value as text: "no fixed limit" for +Inf, else "10MiB (10485760 bytes)". */
const SIZE_TEXT = '{{ if gt . 1e300 }}no fixed limit{{ else }}{{ humanize1024 . }}B ({{ printf "%.0f" . }} bytes){{ end }}';
const TLS_SIDE = '{{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }}';

export function capabilityAlerts(c: MixinConfig): RuleGroup {
  const t = (...m: string[]) => sel(c.targetSelector, ...m);
  return {
    name: 'ehlo-exporter.capabilities',
    rules: [
      alertRule(c, {
        alert: 'SmtpSizeLimitDecreased',
        comment:
          'Fires while the limit is below the highest limit of the last day: it resolves when the limit is restored, or a day after a deliberate decrease. max_over_time() of a window that holds +Inf is +Inf, so "no fixed limit" -> a number fires, and a number -> +Inf does not.',
        expr: `smtp_size_limit_bytes${t()} < max_over_time(smtp_size_limit_bytes${t()}[1d])`,
        severity: 'warning',
        summary: '{{ $labels.target }} ({{ $labels.group }}) lowered its SIZE limit',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} now advertises SIZE',
          '{{ if gt $value 1e300 }}no fixed limit{{ else }}{{ humanize1024 $value }}B ({{ printf "%.0f" $value }} bytes){{ end }}',
          `${TLS_SIDE}; in the last day it was`,
          `{{ with printf "max_over_time(smtp_size_limit_bytes{target=%q,group=%q,tls=%q}[1d])" $labels.target $labels.group $labels.tls | query }}{{ with . | first | value }}${SIZE_TEXT}{{ end }}{{ else }}unknown{{ end }}.`,
          "Larger messages will now be refused. Check first: the server's message size setting",
          '(Postfix message_size_limit) and recent changes to it.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpSizeLimitChanged',
        expr: `changes(smtp_size_limit_bytes${t()}[1h]) > 0`,
        severity: 'info',
        summary: '{{ $labels.target }} ({{ $labels.group }}) changed its SIZE limit',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} changed the SIZE it advertises',
          TLS_SIDE,
          'from',
          `{{ with printf "smtp_size_limit_bytes{target=%q,group=%q,tls=%q} offset 1h" $labels.target $labels.group $labels.tls | query }}{{ with . | first | value }}${SIZE_TEXT}{{ end }}{{ else }}unknown{{ end }}`,
          'to',
          `{{ with printf "smtp_size_limit_bytes{target=%q,group=%q,tls=%q}" $labels.target $labels.group $labels.tls | query }}{{ with . | first | value }}${SIZE_TEXT}{{ end }}{{ else }}unknown{{ end }}`,
          '({{ $value }} change(s) in the last hour).',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpExtensionLost',
        comment:
          "STARTTLS has its own critical alert. When STARTTLS goes, the whole post-TLS EHLO goes with it: that is one fault, so those extensions are not reported one by one. AUTH leaving the plaintext EHLO while still offered inside TLS is a fix, not a loss. Only the last probe being successful counts: an outage is EhloProbeFailing's business.",
        expr: `
(
    smtp_extension_advertised${t('tls="false"', 'extension!~"STARTTLS|AUTH"')} == 0
  or
    (
      smtp_extension_advertised${t('tls="false"', 'extension="AUTH"')} == 0
      unless on (target, group)
      smtp_extension_advertised${t('tls="true"', 'extension="AUTH"')} == 1
    )
  or
    (
      smtp_extension_advertised${t('tls="true"')} == 0
      unless on (target, group)
      smtp_extension_advertised${t('tls="false"', 'extension="STARTTLS"')} == 0
    )
)
and on (target, group)
smtp_probe_success${t()} == 1`,
        severity: 'warning',
        summary: '{{ $labels.target }} ({{ $labels.group }}) no longer advertises {{ $labels.extension }}',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} advertised {{ $labels.extension }}',
          '{{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }} before and no',
          'longer does (old: advertised, new: absent). Capabilities last changed at',
          '{{ with printf "smtp_capabilities_last_change_timestamp_seconds{target=%q,group=%q}" $labels.target $labels.group | query }}{{ . | first | value | humanizeTimestamp }}{{ else }}an unknown time{{ end }}.',
          "Check first: the server's configuration for {{ $labels.extension }} and recent upgrades.",
        ],
      }),
      alertRule(c, {
        alert: 'SmtpStartTlsLost',
        comment:
          'Two ways to see it. Probe in starttls "auto" mode: the probe succeeds and the STARTTLS extension the exporter remembers is now 0. Probe in "required" mode: the probe fails with reason starttls_not_offered and the capabilities stay those of the last successful probe, which offered STARTTLS (so a server that never offered it does not count). The failure counter series is new on the first such failure, hence the "appeared in the last hour" term.',
        expr: `
max without (extension, tls) (smtp_extension_advertised${t('extension="STARTTLS"', 'tls="false"')}) == 0
or
(
  smtp_probe_success${t()} == 0
  and on (target, group)
  (
    increase(smtp_probe_failures_total${t('reason="starttls_not_offered"')}[1h]) > 0
    or
    (
      smtp_probe_failures_total${t('reason="starttls_not_offered"')}
      unless
      smtp_probe_failures_total${t('reason="starttls_not_offered"')} offset 1h
    )
  )
  and on (target, group)
  smtp_starttls_advertised${t()} == 1
)`,
        severity: 'critical',
        summary: '{{ $labels.target }} ({{ $labels.group }}) no longer offers STARTTLS',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} offered STARTTLS before and no longer does',
          '(old: offered, new: not offered). Mail to and from it now travels in clear text, or is refused by',
          "peers that require TLS. Check first: the server's TLS settings (Postfix smtpd_tls_security_level,",
          'certificate and key files readable) and its log at start-up.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpAuthBeforeTls',
        comment:
          'AUTH in the plaintext EHLO while STARTTLS is on offer invites clients to send passwords in clear. Old-style AUTH= keywords do not become extension labels, so the mechanisms are checked too.',
        expr: `
(
    count without (mechanism) (smtp_auth_mechanism_advertised${t('tls="false"')} == 1)
  or
    max without (extension) (smtp_extension_advertised${t('tls="false"', 'extension="AUTH"')} == 1)
)
and on (target, group)
smtp_starttls_advertised${t()} == 1`,
        severity: 'warning',
        summary: '{{ $labels.target }} ({{ $labels.group }}) offers AUTH before TLS',
        description: [
          '{{ $labels.target }} in group {{ $labels.group }} advertises AUTH in the plaintext EHLO although',
          'it offers STARTTLS; mechanisms offered in clear:',
          '{{ range $i, $s := printf "smtp_auth_mechanism_advertised{target=%q,group=%q,tls=\\"false\\"} == 1" $labels.target $labels.group | query | sortByLabel "mechanism" }}{{ if $i }}, {{ end }}{{ $s.Labels.mechanism }}{{ else }}(none listed){{ end }}.',
          "Check first: the server's setting that hides AUTH until TLS (Postfix smtpd_tls_auth_only=yes).",
        ],
      }),
      alertRule(c, {
        alert: 'SmtpExpectationNotMet',
        expr: `smtp_expectation_met${t()} == 0`,
        severity: 'warning',
        summary: '{{ $labels.target }} ({{ $labels.group }}) does not meet expectation {{ $labels.expectation }}',
        description: [
          'The last probe of {{ $labels.target }} in group {{ $labels.group }} did not meet the configured',
          'expectation {{ $labels.expectation }} (expected: met, now: not met).',
          '{{ with printf "smtp_size_limit_bytes{target=%q,group=%q}" $labels.target $labels.group | query }}Advertised SIZE now:',
          '{{ range $i, $s := . | sortByLabel "tls" }}{{ if $i }}, {{ end }}{{ if gt $s.Value 1e300 }}no fixed limit{{ else }}{{ humanize1024 $s.Value }}B{{ end }} (tls={{ $s.Labels.tls }}){{ end }}.{{ end }}',
          "Check first: the expectations of this target in the exporter's config, then the server.",
        ],
      }),
    ],
  };
}
