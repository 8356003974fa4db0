// Alerts about watched mail domains (issue 10): their DNS, and the addresses of their MX hosts seen
// together. Per-target series are joined to their domain through smtp_target_info's discovery labels.
import type { MixinConfig } from '../config.js';
import { alertRule, forText, sel, type RuleGroup } from './rule-types.js';

const CHECK_MX = (domain: string) => `Check first: \`ehlo-exporter probe ${domain} --mx\` marks the odd address.`;

export function domainAlerts(c: MixinConfig): RuleGroup {
  const t = sel(c.targetSelector);
  const discovered = sel(c.targetSelector, 'domain!=""');
  /** A per-target metric with the target's domain (and `extra` discovery labels) joined on. */
  const byDomain = (metric: string, extra = '') => `${metric}${t} * on (instance, target) group_left (domain${extra}) smtp_target_info${discovered}`;
  const byFamily = (family: string) =>
    `smtp_probe_success${t} * on (instance, target) group_left (domain, host) smtp_target_info${sel(c.targetSelector, `family="${family}"`)}`;
  return {
    name: 'ehlo-exporter.domains',
    rules: [
      alertRule(c, {
        alert: 'SmtpDomainMxSetChanged',
        comment: "The domain's change counts start at 0, so increase() sees the first change too.",
        expr: `
sum by (target, group) (increase(smtp_capability_changes_total${sel(c.targetSelector, 'change=~"mx_added|mx_removed|mx_preference_changed|address_added|address_removed"')}[1h])) > 0`,
        severity: 'info',
        summary: 'The MX or address set of {{ $labels.target }} ({{ $labels.group }}) changed',
        description: [
          'DNS for mail domain {{ $labels.target }} in group {{ $labels.group }} changed in the last hour',
          '(MX hosts added, removed or re-preferenced, or addresses of an MX host added or removed).',
          'Check first: /api/v1/domains/{{ $labels.target }}/changes lists what changed; was it announced?',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDomainNoWorkingMx',
        comment: 'Every address of every MX host fails, or DNS leads to no address at all (a null MX is not that).',
        expr: `
max by (domain) (${byDomain('smtp_probe_success')}) == 0
or
(max by (domain) (smtp_domain_mx_hosts${t}) == 0 unless on (domain) (max by (domain) (smtp_domain_null_mx${t}) == 1))
or
(max by (domain) (smtp_domain_mx_hosts${t}) > 0 and on (domain) sum by (domain) (smtp_domain_addresses${t}) == 0)`,
        severity: 'critical',
        summary: 'No MX address of {{ $labels.domain }} accepts a session',
        description: [
          'Mail for {{ $labels.domain }} has nowhere to go: no address of any of its MX hosts answered',
          'the last probe, or DNS leads to no address. Check first: `ehlo-exporter probe {{ $labels.domain }} --mx`.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDomainLookupFailing',
        expr: `max by (domain) (smtp_domain_lookup_success${t}) == 0`,
        severity: 'warning',
        summary: 'DNS lookups for {{ $labels.domain }} are failing',
        description: [
          `The MX or address lookup of {{ $labels.domain }} has failed for ${forText(c, 'SmtpDomainLookupFailing')} (reasons in`,
          'smtp_domain_lookup_failures_total). The last good set is still probed for dns.keep_last_good.',
          'Check first: `ehlo-exporter probe {{ $labels.domain }} --mx` against the same resolver.',
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDomainSizeDrift',
        comment:
          "The pool-drift rule over the addresses of a domain's MX hosts: one address restarted with an old config, or one MX host configured apart from the others.",
        expr: `
max by (domain, tls) (${byDomain('smtp_size_limit_bytes')})
!=
min by (domain, tls) (${byDomain('smtp_size_limit_bytes')})`,
        severity: 'warning',
        summary: 'MX addresses of {{ $labels.domain }} advertise different SIZE limits',
        description: [
          'The addresses of the MX hosts of {{ $labels.domain }} disagree on the SIZE they advertise',
          '{{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }}.',
          CHECK_MX('{{ $labels.domain }}'),
        ],
      }),
      alertRule(c, {
        alert: 'SmtpDomainStartTlsDrift',
        expr: `
max by (domain) (${byDomain('smtp_starttls_advertised')})
!=
min by (domain) (${byDomain('smtp_starttls_advertised')})`,
        severity: 'warning',
        summary: 'Some MX addresses of {{ $labels.domain }} do not offer STARTTLS',
        description: ['Some addresses of the MX hosts of {{ $labels.domain }} offer STARTTLS and others do not.', CHECK_MX('{{ $labels.domain }}')],
      }),
      alertRule(c, {
        alert: 'SmtpDomainExtensionDrift',
        comment:
          "SmtpPoolExtensionDrift over the addresses of a domain's MX hosts: an extension some addresses advertise and others do not, counted on each side (plaintext / TLS) among addresses that have it.",
        expr: `
count by (domain, tls, extension) (count by (domain, tls, extension, target) (${byDomain('smtp_extension_advertised')} == 1))
< on (domain, tls) group_left ()
count by (domain, tls) (count by (domain, tls, target) (${byDomain('smtp_extension_advertised')} == 1))`,
        severity: 'warning',
        summary: 'MX addresses of {{ $labels.domain }} disagree on {{ $labels.extension }}',
        description: [
          '{{ $labels.extension }} is advertised {{ if eq $labels.tls "true" }}inside TLS{{ else }}in the plaintext EHLO{{ end }}',
          'by {{ $value }} address(es) of the MX hosts of {{ $labels.domain }} but not by all of them.',
          CHECK_MX('{{ $labels.domain }}'),
        ],
      }),
      alertRule(c, {
        alert: 'SmtpIpv6FailingIpv4Works',
        expr: `
(min by (domain, host) (${byFamily('ipv6')}) == 0)
and on (domain, host)
(max by (domain, host) (${byFamily('ipv4')}) == 1)`,
        severity: 'warning',
        summary: 'IPv6 of {{ $labels.host }} fails while its IPv4 works',
        description: [
          'An IPv6 address of {{ $labels.host }} (domain {{ $labels.domain }}) fails its probes while its IPv4',
          'addresses answer: senders that prefer IPv6 retry or defer. Check first: the IPv6 listener and',
          'firewall of {{ $labels.host }}.',
        ],
      }),
    ],
  };
}
