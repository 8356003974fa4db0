// The domain dashboard's mail TLS policy rows (issue 11): the MTA-STS policy in force, and for each
// address of each MX host whether it is covered by that policy, would satisfy an enforcing sender, and
// what DANE says about it. Per-target series are joined to their domain as in domain-rows.ts.
import type { MixinConfig } from '../config.js';
import type { DomainSelectors } from './domain-rows.js';
import type { RowSpec } from './grafana.js';
import { TARGET_LINK, lineStyle, organize, thresholdColors, valueMap } from './panel-parts.js';

const POLICY_CHANGES = 'mta_sts_policy_changed|mta_sts_mode_changed|tlsa_changed';

export function policyRows(_c: MixinConfig, { D, T }: DomainSelectors): RowSpec[] {
  const joined = (series: string) => `${series} * on (instance, target) group_left (domain, mx_host, address) smtp_target_info{${T}, domain=~"$domain"}`;
  return [
    {
      title: 'Mail TLS policy',
      panels: [
        {
          type: 'stat',
          title: 'MTA-STS mode',
          description: 'The mode and id of the MTA-STS policy in force (the last valid fetch, kept while its max_age lasts). No value: the domain publishes no policy.',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_mta_sts_policy_info{${D}}`, legend: '{{domain}} {{mode}} (id {{id}})', instant: true }],
          defaults: { unit: 'none' },
          options: { textMode: 'name' },
        },
        {
          type: 'stat',
          title: 'MTA-STS policy valid',
          description: 'Whether the domain that publishes an _mta-sts record has a valid policy in force.',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_mta_sts_policy_valid{${D}}`, legend: '{{domain}}', instant: true }],
          defaults: { mappings: [valueMap('invalid', 'red', 'valid', 'green')], ...thresholdColors('red', 'green', 1) },
        },
        {
          type: 'stat',
          title: 'MTA-STS max_age',
          description: 'How long senders cache the policy in force.',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_mta_sts_policy_max_age_seconds{${D}}`, legend: '{{domain}}', instant: true }],
          defaults: { unit: 's' },
        },
        {
          type: 'stat',
          title: 'TLS-RPT record',
          description: 'Whether the _smtp._tls record (RFC 8460) is valid. No value: the domain publishes none.',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_tlsrpt_record_valid{${D}}`, legend: '{{domain}}', instant: true }],
          defaults: { mappings: [valueMap('invalid', 'red', 'valid', 'green')], ...thresholdColors('red', 'green', 1) },
        },
        {
          type: 'table',
          title: 'MTA-STS and DANE per MX address',
          description:
            'Every address of every MX host (1 yes, 0 no): covered by the MTA-STS policy (mx patterns), compliant (an enforcing sender would deliver: STARTTLS, TLS 1.2+, certificate valid for the MX host), TLSA lookup DNSSEC-secure, TLSA records, a usable record, and whether one matched the presented chain.',
          w: 24,
          h: 10,
          queries: [
            { expr: joined(`smtp_mta_sts_mx_covered{${T}}`), table: true },
            { expr: joined(`smtp_mta_sts_compliant{${T}}`), table: true },
            { expr: joined(`smtp_dane_dnssec_secure{${T}}`), table: true },
            { expr: joined(`smtp_dane_tlsa_records{${T}}`), table: true },
            { expr: joined(`smtp_dane_usable{${T}}`), table: true },
            { expr: joined(`smtp_dane_tlsa_match{${T}}`), table: true },
          ],
          overrides: [TARGET_LINK],
          transformations: [
            { id: 'merge', options: {} },
            organize({
              'Value #A': 'MTA-STS covered',
              'Value #B': 'MTA-STS compliant',
              'Value #C': 'DNSSEC secure',
              'Value #D': 'TLSA records',
              'Value #E': 'DANE usable',
              'Value #F': 'TLSA match',
            }),
          ],
        },
        {
          type: 'timeseries',
          title: 'Policy fetch failures by reason',
          description: 'Failed MTA-STS checks per hour, by reason (dns, connect, tls, timeout, http_status, redirect, content_type, too_large, syntax).',
          w: 12,
          h: 8,
          queries: [{ expr: `increase(smtp_mta_sts_policy_fetch_failures_total{${D}}[1h])`, legend: '{{domain}} {{reason}}' }],
          defaults: { custom: lineStyle('bars', 80, 'linear'), unit: 'none' },
        },
        {
          type: 'timeseries',
          title: 'Policy and TLSA changes',
          description: 'MTA-STS policy and mode changes and TLSA set changes per hour (details: /api/v1/domains/<domain>/changes).',
          w: 12,
          h: 8,
          queries: [
            {
              expr: `increase(smtp_capability_changes_total{${T}, target=~"$domain", change=~"${POLICY_CHANGES}"}[1h])`,
              legend: '{{target}} {{change}}',
            },
          ],
          defaults: { custom: lineStyle('bars', 80, 'linear'), unit: 'none' },
        },
      ],
    },
  ];
}
