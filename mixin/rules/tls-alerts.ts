// Alerts about the certificate each target presents after STARTTLS: expiry and verification.
import type { MixinConfig } from '../config.js';
import { alertRule, sel, type AlertRule, type RuleGroup, type Severity } from './rule-types.js';

const NOT_AFTER_WHEN =
  '({{ with printf "smtp_tls_cert_not_after_timestamp_seconds{target=%q,group=%q}" $labels.target $labels.group | query }}{{ . | first | value | humanizeTimestamp }}{{ end }}).';

export function tlsAlerts(c: MixinConfig): RuleGroup {
  const notAfter = `smtp_tls_cert_not_after_timestamp_seconds${sel(c.targetSelector)}`;
  const expiring = (severity: Severity, belowDays: number, fromDays: number): AlertRule =>
    alertRule(c, {
      alert: 'SmtpTlsCertExpiringSoon',
      expr: `
${notAfter} - time() < ${belowDays} * 86400
and
${notAfter} - time() >= ${fromDays} * 86400`,
      severity,
      summary: 'TLS certificate of {{ $labels.target }} ({{ $labels.group }}) expires in {{ $value | humanizeDuration }}',
      description: [
        'A certificate that {{ $labels.target }} in group {{ $labels.group }} presents expires in',
        '{{ $value | humanizeDuration }}',
        NOT_AFTER_WHEN,
        'Check first: the renewal job (certbot/ACME) and whether the server was reloaded after renewal.',
      ],
    });
  return {
    name: 'ehlo-exporter.tls',
    rules: [
      expiring('warning', c.certWarningDays, c.certCriticalDays),
      expiring('critical', c.certCriticalDays, 0),
      alertRule(c, {
        alert: 'SmtpTlsCertExpired',
        comment: 'Written as age so that $value reads "expired 2d ago", not "-2d".',
        expr: `time() - ${notAfter} > 0`,
        severity: 'critical',
        summary: 'TLS certificate of {{ $labels.target }} ({{ $labels.group }}) has expired',
        description: [
          'A certificate that {{ $labels.target }} in group {{ $labels.group }} presents expired',
          '{{ $value | humanizeDuration }} ago',
          NOT_AFTER_WHEN,
          'Peers that verify certificates will refuse to deliver. Check first: the renewal job, and that the',
          'server was reloaded with the new certificate and chain.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpTlsCertNotVerified',
        comment: 'An expired certificate also fails verification; SmtpTlsCertExpired already says so.',
        expr: `
smtp_tls_cert_verified${sel(c.targetSelector)} == 0
unless on (target, group)
${notAfter} - time() < 0`,
        severity: 'warning',
        summary: 'TLS certificate of {{ $labels.target }} ({{ $labels.group }}) does not verify',
        description: [
          'The certificate that {{ $labels.target }} in group {{ $labels.group }} presented in the last probe',
          'did not verify for the target name (expected: verified, now: not verified). Check first:',
          '`ehlo-exporter probe {{ $labels.target }}` shows the reason (hostname mismatch, unknown CA,',
          "missing intermediate); then the probe's tls.server_name and tls.ca_file settings.",
        ],
      }),
    ],
  };
}
