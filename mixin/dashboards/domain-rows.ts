// The domain dashboard's rows (issue 10): a watched mail domain's DNS state, every address of its MX
// hosts with what it answered, and the lookup and MX-set history. Per-target series are joined to
// their domain through smtp_target_info's discovery labels.
import type { MixinConfig } from '../config.js';
import type { RowSpec } from './grafana.js';
import { TARGET_LINK, lineStyle, organize, thresholdColors, valueMap } from './panel-parts.js';

/** Domain series: job, instance and domain variables. Per-target series: job and instance, plus config.targetSelector. */
export interface DomainSelectors {
  D: string;
  T: string;
}

const SET_CHANGES = 'mx_added|mx_removed|mx_preference_changed|address_added|address_removed';

export function domainRows(c: MixinConfig, { D, T }: DomainSelectors): RowSpec[] {
  const joined = (series: string) => `${series} * on (instance, target) group_left (domain, mx_host, mx_preference, address, family) smtp_target_info{${T}, domain=~"$domain"}`;
  return [
    {
      title: 'DNS now',
      panels: [
        {
          type: 'stat',
          title: 'DNS lookup',
          description: "Whether the last lookup of the domain (MX records and every MX host's addresses) succeeded.",
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_domain_lookup_success{${D}}`, legend: '{{domain}}', instant: true }],
          defaults: { mappings: [valueMap('failing', 'red', 'ok', 'green')], ...thresholdColors('red', 'green', 1) },
        },
        {
          type: 'stat',
          title: 'MX hosts',
          description: 'MX hosts in the current set (the last good lookup).',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_domain_mx_hosts{${D}}`, legend: '{{domain}}', instant: true }],
          defaults: { unit: 'none' },
        },
        {
          type: 'stat',
          title: 'Addresses',
          description: 'Addresses of the MX hosts by family.',
          w: 6,
          h: 4,
          queries: [{ expr: `smtp_domain_addresses{${D}}`, legend: '{{domain}} {{family}}', instant: true }],
          defaults: { unit: 'none' },
        },
        {
          type: 'stat',
          title: 'Null / implicit MX',
          description: 'Whether the domain publishes a null MX (accepts no mail) or has no MX records (its own address is the implicit MX).',
          w: 6,
          h: 4,
          queries: [
            { expr: `smtp_domain_null_mx{${D}}`, legend: '{{domain}} null MX', instant: true },
            { expr: `smtp_domain_implicit_mx{${D}}`, legend: '{{domain}} implicit MX', instant: true },
          ],
          defaults: { mappings: [valueMap('no', 'text', 'yes', 'blue')], unit: 'none' },
        },
      ],
    },
    {
      title: 'MX hosts and addresses',
      panels: [
        {
          type: 'table',
          title: 'MX hosts × addresses',
          description: 'Every address of every MX host: last probe status, SIZE (plaintext EHLO), STARTTLS, TLS version and certificate days left.',
          w: 24,
          h: 10,
          queries: [
            { expr: joined(`smtp_probe_success{${T}}`), table: true },
            { expr: joined(`smtp_size_limit_bytes{${T}, tls="false"}`), table: true },
            { expr: joined(`smtp_starttls_advertised{${T}}`), table: true },
            { expr: joined(`smtp_tls_info{${T}}`), table: true },
            { expr: joined(`((smtp_tls_cert_not_after_timestamp_seconds{${T}} - time()) / 86400)`), table: true },
          ],
          overrides: [TARGET_LINK],
          transformations: [
            { id: 'merge', options: {} },
            organize({ 'Value #A': 'up', 'Value #B': 'SIZE bytes', 'Value #C': 'STARTTLS', version: 'TLS', 'Value #E': 'cert days left' }),
          ],
        },
      ],
    },
    {
      title: 'DNS lookups',
      panels: [
        {
          type: 'state-timeline',
          title: 'Lookup history',
          description: 'Whether each lookup succeeded, over time.',
          w: 12,
          h: 8,
          queries: [{ expr: `smtp_domain_lookup_success{${D}}`, legend: '{{domain}}' }],
          defaults: { mappings: [valueMap('failing', 'red', 'ok', 'green')] },
        },
        {
          type: 'timeseries',
          title: 'Lookup failures by reason',
          description: 'Failed lookups of the domain or its MX hosts per hour, by reason (nxdomain, servfail, timeout, no_address, mx_cname, …).',
          w: 12,
          h: 8,
          queries: [{ expr: `increase(smtp_domain_lookup_failures_total{${D}}[1h])`, legend: '{{domain}} {{reason}}' }],
          defaults: { custom: lineStyle('bars', 80, 'linear'), unit: 'none' },
        },
      ],
    },
    {
      title: 'MX and address set changes',
      panels: [
        {
          type: 'timeseries',
          title: 'MX and address set changes',
          description: 'MX hosts and addresses added, removed or re-preferenced per hour (details: /api/v1/domains/<domain>/changes).',
          w: 24,
          h: 8,
          queries: [
            {
              expr: `increase(smtp_capability_changes_total{${T}, target=~"$domain", change=~"${SET_CHANGES}"}[1h])`,
              legend: '{{target}} {{change}}',
            },
          ],
          defaults: { custom: lineStyle('bars', 80, 'linear'), unit: 'none' },
        },
      ],
    },
  ];
}
