// Alerts about watched domains' mail TLS policy (issue 11): MTA-STS (RFC 8461) and DANE (RFC 7672).
// These are the "up, but refused by senders that enforce policy" outages: every port-25 check stays
// green while Gmail, Microsoft 365 or a Postfix with smtp_tls_security_level = dane defers the mail.
// Per-target series are joined to their domain through smtp_target_info's discovery labels.
import type { MixinConfig } from '../config.js';
import { alertRule, forText, sel, type RuleGroup } from './rule-types.js';

const CHECK_POLICY = (domain: string) => `Check first: \`ehlo-exporter probe ${domain} --mx --policy\` shows the verdict per MX and address.`;

export function policyAlerts(c: MixinConfig): RuleGroup {
  const t = sel(c.targetSelector);
  const discovered = sel(c.targetSelector, 'domain!=""');
  const enforced = `smtp_mta_sts_policy_info${sel(c.targetSelector, 'mode="enforce"')}`;
  /** A per-target condition with its domain and MX host joined on, kept only while the domain's policy is enforced. */
  const underEnforce = (condition: string) =>
    `(${condition}) * on (instance, target) group_left (domain, mx_host) smtp_target_info${discovered}\nand on (instance, domain) ${enforced}`;
  return {
    name: 'ehlo-exporter.policy',
    rules: [
      alertRule(c, {
        alert: 'SmtpMtaStsMxNotCovered',
        comment: "The MX host matches none of the enforced policy's mx patterns: RFC 8461 senders never deliver to it.",
        expr: underEnforce(`smtp_mta_sts_mx_covered${t} == 0`),
        severity: 'warning',
        summary: 'MX host {{ $labels.mx_host }} of {{ $labels.domain }} is not covered by its enforced MTA-STS policy',
        description: [
          'The MX host {{ $labels.mx_host }} ({{ $labels.target }}, group {{ $labels.group }}) is not matched by any `mx:` pattern',
          'of the MTA-STS policy {{ $labels.domain }} enforces: senders that enforce MTA-STS will not deliver to it and',
          'defer the mail when no other MX is left. Either the MX record or the policy (and its id) is wrong.',
          CHECK_POLICY('{{ $labels.domain }}'),
        ],
      }),
      alertRule(c, {
        alert: 'SmtpMtaStsMxNotCompliant',
        comment: 'Covered, but an enforcing sender would still refuse it: no STARTTLS, TLS below 1.2, or a certificate that does not verify for the MX host name.',
        expr: underEnforce(`smtp_mta_sts_compliant${t} == 0 and on (instance, target) smtp_mta_sts_mx_covered${t} == 1`),
        severity: 'critical',
        summary: '{{ $labels.target }} fails the MTA-STS policy {{ $labels.domain }} enforces',
        description: [
          '{{ $labels.target }} (group {{ $labels.group }}), an MX of {{ $labels.domain }} under an enforced MTA-STS policy,',
          `has for ${forText(c, 'SmtpMtaStsMxNotCompliant')} offered no STARTTLS, negotiated TLS below 1.2, or presented a certificate that does`,
          'not verify for {{ $labels.mx_host }}: senders that enforce MTA-STS defer mail to it.',
          'Check first: smtp_starttls_advertised and smtp_tls_cert_verified of the target, then the certificate\'s names.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDaneTlsaMismatch',
        comment:
          'A secure TLSA set with usable records that matches nothing the target presented: the "rotated the certificate, forgot the TLSA record" outage. The presented digest comes from the info series, the records from a template query (both bounded per target).',
        expr: `
(smtp_dane_tlsa_match${t} == 0) * on (instance, target) group_left (spki_sha256) smtp_dane_presented_certificate_info${t}
or
(smtp_dane_tlsa_match${t} == 0 unless on (instance, target) smtp_dane_presented_certificate_info${t})`,
        severity: 'critical',
        summary: 'TLSA records of {{ $labels.target }} no longer match its certificate',
        description: [
          'No usable TLSA record of {{ $labels.target }} (group {{ $labels.group }}) matches the certificate chain it presented:',
          'DANE-enforcing senders (Postfix with smtp_tls_security_level = dane) defer all mail to it.',
          'Published: {{ range printf "smtp_dane_tlsa_record_info{target=%q}" $labels.target | query }}[{{ .Labels.record }}]{{ end }}.',
          'Presented SPKI SHA-256: {{ if $labels.spki_sha256 }}{{ $labels.spki_sha256 }} (a "3 1 1" record for it would match){{ else }}none (no certificate){{ end }}.',
          'Check first: was the certificate rotated? Publish the new TLSA record next to the old one, or roll the certificate back.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDnssecBogus',
        comment: 'Validation of the TLSA lookup failed: a DANE sender treats the MX as unusable, which is worse than no DANE at all.',
        expr: `smtp_dane_lookup_info${sel(c.targetSelector, 'status="bogus"')} == 1`,
        severity: 'critical',
        summary: 'DNSSEC validation fails for the TLSA records of {{ $labels.target }}',
        description: [
          `The validating resolver has answered "bogus" for ${forText(c, 'SmtpDnssecBogus')} for the TLSA records or addresses of the MX host of {{ $labels.target }}`,
          '(group {{ $labels.group }}): DANE-enforcing senders will not deliver to it.',
          'Check first: expired RRSIGs or a DS/DNSKEY mismatch in the MX host\'s zone (`kdig +dnssec`, `delv`), then the resolver\'s trust anchors.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpMtaStsPolicyFetchFailing',
        comment:
          'No valid policy in force although the domain publishes an _mta-sts record; or a cached policy still in force while re-fetches keep failing (it ages out at max_age). The failure counter is born at its first failure, so increase() sees the failures after it.',
        expr: `
max by (domain) (smtp_mta_sts_policy_valid${t}) == 0
or
sum by (domain) (increase(smtp_mta_sts_policy_fetch_failures_total${t}[1h])) > 0`,
        severity: 'warning',
        summary: 'The MTA-STS policy of {{ $labels.domain }} cannot be fetched',
        description: [
          `Fetching or parsing the MTA-STS policy of {{ $labels.domain }} has failed for ${forText(c, 'SmtpMtaStsPolicyFetchFailing')}`,
          '(reasons in smtp_mta_sts_policy_fetch_failures_total). Senders keep a cached policy until its max_age, then',
          'deliver without MTA-STS protection; a new policy (new id) does not reach them.',
          'Check first: `curl -v https://mta-sts.{{ $labels.domain }}/.well-known/mta-sts.txt` — certificate, status 200, text/plain, no redirect.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpMtaStsModeDowngraded',
        comment: 'Enforced in the last hour, not now (testing, none, or no policy), for a domain still watched.',
        expr: `
max by (domain) (max_over_time(${enforced}[1h]))
unless on (domain) max by (domain) (${enforced})
and on (domain) max by (domain) (smtp_domain_mx_hosts${t})`,
        severity: 'warning',
        summary: 'The MTA-STS policy of {{ $labels.domain }} is no longer enforced',
        description: [
          'The MTA-STS policy of {{ $labels.domain }} was in enforce mode within the last hour and is not now (testing, none,',
          'or no policy in force): senders no longer refuse downgraded or intercepted connections to its MX hosts.',
          'Check first: /api/v1/domains/{{ $labels.domain }}/changes (mta_sts_mode_changed) — was it announced, e.g. for a migration?',
        ],
      }),
    ],
  };
}
