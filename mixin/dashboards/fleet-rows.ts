// The fleet overview's rows about the targets: status, capabilities, failures, certificates. Panels stay
// usable at 10,000 targets: counts and stats over the fleet, top-k tables, a timeline of failing targets
// only, and the 24 h aggregations read from recording rules (mixin/rules/recording-rules.ts).
import type { MixinConfig } from '../config.js';
import { RECORDED } from '../rules/recording-rules.js';
import { REF_IDS, type RowSpec } from './grafana.js';
import { TARGET_LINK, lineStyle, organize, thresholdColors, valueMap, type Selectors } from './panel-parts.js';

/** The extensions the capability matrix has a column for, in column order. */
const MATRIX_EXTENSIONS = ['STARTTLS', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'CHUNKING', 'DSN', 'ENHANCEDSTATUSCODES', 'REQUIRETLS', 'AUTH'];
const NEVER_SEEN = { type: 'special', options: { match: 'null', result: { text: '-', color: 'transparent', index: 2 } } };

export function fleetRows(c: MixinConfig, { T, G }: Selectors): RowSpec[] {
  const K = c.topK;
  const nearestExpiry = `bottomk(${K}, max by (group, target) (smtp_tls_cert_not_after_timestamp_seconds{${T}}))`;
  return [
    {
      title: 'Fleet status',
      panels: [
        {
          type: 'stat',
          title: 'Targets up',
          description: 'Targets whose last scheduled probe succeeded.',
          w: 4,
          h: 4,
          queries: [
            { expr: `count(smtp_probe_success{${T}} == 1) or vector(0)`, legend: 'up', instant: true },
          ],
          defaults: { color: { mode: 'fixed', fixedColor: 'green' }, unit: 'none' },
        },
        {
          type: 'stat',
          title: 'Targets down',
          description: 'Targets whose last scheduled probe failed.',
          w: 4,
          h: 4,
          queries: [
            { expr: `count(smtp_probe_success{${T}} == 0) or vector(0)`, legend: 'down', instant: true },
          ],
          defaults: {
            ...thresholdColors('green', 'red', 1),
            unit: 'none',
          },
        },
        {
          type: 'stat',
          title: 'Firing ehlo alerts',
          description: 'Alerts from ehlo-exporter.rules.yml firing now, over the whole fleet.',
          w: 4,
          h: 4,
          queries: [
            { expr: `count(ALERTS{alertstate="firing", alertname=~"Ehlo.*|Smtp.*"}) or vector(0)`, legend: 'alerts', instant: true },
          ],
          defaults: {
            ...thresholdColors('green', 'orange', 1),
            unit: 'none',
          },
        },
        {
          type: 'stat',
          title: 'Capability changes (24 h)',
          description: 'Capability changes the exporter detected in the last 24 hours (recording rule).',
          w: 4,
          h: 4,
          queries: [
            { expr: `sum(${RECORDED.changes24h}{${T}}) or vector(0)`, legend: 'changes', instant: true },
          ],
          defaults: {
            ...thresholdColors('green', 'blue', 1),
            unit: 'none',
            decimals: 0,
          },
        },
        {
          type: 'stat',
          title: `Certificates expiring < ${c.certWarningDays} d`,
          description: `Targets presenting a certificate that expires within ${c.certWarningDays} days (or has expired).`,
          w: 4,
          h: 4,
          queries: [
            { expr: `count(smtp_tls_cert_not_after_timestamp_seconds{${T}} - time() < ${c.certWarningDays} * 86400) or vector(0)`, legend: 'certs', instant: true },
          ],
          defaults: {
            ...thresholdColors('green', 'orange', 1),
            unit: 'none',
          },
        },
        {
          type: 'stat',
          title: 'Expectations not met',
          description: 'Configured expectations that the last probe did not meet.',
          w: 4,
          h: 4,
          queries: [
            { expr: `count(smtp_expectation_met{${T}} == 0) or vector(0)`, legend: 'unmet', instant: true },
          ],
          defaults: {
            ...thresholdColors('green', 'orange', 1),
            unit: 'none',
          },
        },
        {
          type: 'state-timeline',
          title: 'Failing targets',
          description:
            'Probe status over time of the targets that failed at least once in the selected range; targets that never failed are left out, so the timeline stays readable at 10,000 targets.',
          w: 24,
          h: 8,
          queries: [
            {
              expr: `smtp_probe_success{${T}} and on (job, instance, group, target) (min_over_time(smtp_probe_success{${T}}[$__range]) == 0)`,
              legend: '{{target}}',
            },
          ],
          defaults: {
            ...thresholdColors('red', 'green', 1),
            mappings: [valueMap('DOWN', 'red', 'UP', 'green')],
            custom: { fillOpacity: 80, lineWidth: 0 },
          },
        },
          {
            type: 'timeseries',
            title: 'Targets up by group',
            description: 'Share of the targets of each group whose last probe succeeded (recording rules): one line per group, however many targets.',
            w: 24,
            h: 6,
            queries: [
              {
                expr: `sum by (group) (${RECORDED.targetsUp}{${G}}) / sum by (group) (${RECORDED.targets}{${G}})`,
                legend: '{{group}}',
              },
            ],
            defaults: { unit: 'percentunit', min: 0, max: 1, custom: { lineInterpolation: 'stepAfter', showPoints: 'never' } },
          },
      ],
    },
    {
      title: 'Capabilities',
      panels: [
        {
          type: 'table',
          title: 'Capability matrix',
          description:
            "Key EHLO extensions per target (advertised in the plaintext EHLO or inside TLS; STARTTLS from the plaintext one), the plaintext SIZE limit (Infinity = no fixed limit), the negotiated TLS version and whether the certificate verified. 'lost' means the server advertised it before and no longer does; '-' means never seen.",
          w: 24,
          h: 10,
          queries: [
            ...MATRIX_EXTENSIONS.map((e) => ({
              expr: `max by (group, target) (smtp_extension_advertised{${T}, extension="${e}"${e === 'STARTTLS' ? ', tls="false"' : ''}})`,
              table: true,
            })),
            { expr: `max by (group, target) (smtp_size_limit_bytes{${T}, tls="false"})`, table: true },
            { expr: `max by (group, target, version) (smtp_tls_info{${T}})`, table: true },
            { expr: `max by (group, target) (smtp_tls_cert_verified{${T}})`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false } },
          overrides: [
            ...MATRIX_EXTENSIONS.map((e) => ({
              matcher: { id: 'byName', options: e },
              properties: [
                { id: 'mappings', value: [valueMap('lost', 'red', 'yes', 'green'), NEVER_SEEN] },
                { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } },
              ],
            })),
            { matcher: { id: 'byName', options: 'SIZE' }, properties: [{ id: 'unit', value: 'bytes' }] },
            {
              matcher: { id: 'byName', options: 'Cert verified' },
              properties: [
                { id: 'mappings', value: [valueMap('no', 'red', 'yes', 'green')] },
                { id: 'custom.cellOptions', value: { type: 'color-text' } },
              ],
            },
            TARGET_LINK,
          ],
          options: { sortBy: [{ displayName: 'target', desc: false }] },
          transformations: [
            { id: 'merge', options: {} },
            organize(
              {
                ...Object.fromEntries(MATRIX_EXTENSIONS.map((e, i) => [`Value #${REF_IDS[i]}`, e])),
                [`Value #${REF_IDS[MATRIX_EXTENSIONS.length]}`]: 'SIZE',
                version: 'TLS version',
                [`Value #${REF_IDS[MATRIX_EXTENSIONS.length + 2]}`]: 'Cert verified',
              },
              { group: 0, target: 1 },
            ),
          ],
        },
        {
          type: 'timeseries',
          title: `SIZE limit, the ${K} smallest`,
          description: `The ${K} smallest message size limits targets advertise with SIZE (plaintext EHLO or inside TLS, whichever is smaller). A server that declares no fixed limit (SIZE 0) is exported as +Inf and not drawn.`,
          w: 12,
          h: 8,
          queries: [
            { expr: `bottomk(${K}, min by (group, target) (smtp_size_limit_bytes{${T}}))`, legend: '{{target}}' },
          ],
          defaults: {
            custom: lineStyle('line', 0, 'stepAfter'),
            unit: 'bytes',
          },
        },
        {
          type: 'table',
          title: 'Capability changes in the last 24 h',
          description: `Kinds of capability change of the ${K} targets that changed most in the last 24 hours (recording rule); the exporter's /api/v1/targets/<target>/changes has old and new values.`,
          w: 12,
          h: 8,
          queries: [
            { expr: `topk(${K}, ${RECORDED.changes24h}{${T}})`, table: true },
          ],
          defaults: { decimals: 0, custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          overrides: [TARGET_LINK],
          transformations: [
            organize({ Value: 'changes (24 h)' }),
          ],
        }
      ],
    },
    {
      title: 'Failures and certificates',
      panels: [
        {
          type: 'timeseries',
          title: 'Probe failures by stage and reason',
          description: 'Failed scheduled probes, by the stage where they failed and why. service_unavailable is a 421 answer (usually rate limiting).',
          w: 12,
          h: 8,
          queries: [
            { expr: `sum by (stage, reason) (increase(smtp_probe_failures_total{${T}}[$__rate_interval]) or (smtp_probe_failures_total{${T}} unless smtp_probe_failures_total{${T}} offset $__rate_interval))`, legend: '{{stage}}/{{reason}}' },
          ],
          defaults: {
            custom: lineStyle('bars', 80, 'linear', { stacking: { mode: 'normal', group: 'A' } }),
            unit: 'none',
          },
        },
        {
          type: 'table',
          title: 'Failures in the last 24 h by target',
          description: `The ${K} targets with the most failed scheduled probes in the last 24 hours, by stage and reason (recording rule).`,
          w: 12,
          h: 8,
          queries: [
            { expr: `topk(${K}, ${RECORDED.failures24h}{${T}})`, table: true },
          ],
          defaults: { decimals: 0, custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          overrides: [TARGET_LINK],
          transformations: [
            organize({ Value: 'failures (24 h)' }),
          ],
        },
        {
          type: 'table',
          title: 'Certificates nearest expiry',
          description: `The ${K} targets whose earliest-expiring certificate expires first, and whether the certificate verified.`,
          w: 12,
          h: 8,
          queries: [
            { expr: `${nearestExpiry} - time()`, table: true },
            // Only the rows of the first query: merged with every target's, the table would list the fleet.
            { expr: `max by (group, target) (smtp_tls_cert_verified{${T}}) and on (group, target) ${nearestExpiry}`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          overrides: [
            {
              matcher: { id: 'byName', options: 'expires in' },
              properties: [
                { id: 'unit', value: 'dtdurations' },
                {
                  id: 'thresholds',
                  value: {
                    mode: 'absolute',
                    steps: [{ color: 'red' }, { color: 'orange', value: c.certCriticalDays * 86400 }, { color: 'green', value: c.certWarningDays * 86400 }],
                  },
                },
                { id: 'custom.cellOptions', value: { type: 'color-text' } },
              ],
            },
            {
              matcher: { id: 'byName', options: 'verified' },
              properties: [{ id: 'mappings', value: [valueMap('no', 'red', 'yes', 'green')] }],
            },
            TARGET_LINK,
          ],
          options: { sortBy: [{ displayName: 'expires in', desc: false }] },
          transformations: [
            { id: 'merge', options: {} },
            organize({ 'Value #A': 'expires in', 'Value #B': 'verified' }),
          ],
        },
      ],
    },
  ];
}
