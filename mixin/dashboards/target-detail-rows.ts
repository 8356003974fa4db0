// The target-detail dashboard's rows: one target (or the few picked) in depth, so plain per-target
// series are fine here.
import type { MixinConfig } from '../config.js';
import type { PanelSpec, RowSpec } from './grafana.js';
import { lineStyle, organize, thresholdColors, valueMap, type Selectors } from './panel-parts.js';

/** A 4×4 stat of one target's 0/1 series, each value named and coloured. */
function yesNoStat(title: string, description: string, expr: string, zero: [string, string], one: [string, string]): PanelSpec {
  return {
    type: 'stat',
    title,
    description,
    w: 4,
    h: 4,
    queries: [{ expr, legend: '{{target}}', instant: true }],
    defaults: { mappings: [valueMap(zero[0], zero[1], one[0], one[1])], ...thresholdColors(zero[1], one[1], 1) },
  };
}

/** A state timeline of per-keyword 0/1 series: red with `goneText` at 0, green with `presentText` at 1. */
function presenceTimeline(title: string, description: string, size: { w: number; h: number }, expr: string, legend: string, goneText: string, presentText: string): PanelSpec {
  return {
    type: 'state-timeline',
    title,
    description,
    ...size,
    queries: [{ expr, legend }],
    defaults: {
      ...thresholdColors('red', 'green', 1),
      mappings: [valueMap(goneText, 'red', presentText, 'green')],
      custom: { fillOpacity: 80, lineWidth: 0 },
    },
    options: { rowHeight: 0.8 },
  };
}

export function targetDetailRows(c: MixinConfig, { T }: Selectors): RowSpec[] {
  return [
    {
      title: 'Status',
      panels: [
        yesNoStat('Probe', 'Whether the last scheduled probe succeeded.', `smtp_probe_success{${T}}`, ['DOWN', 'red'], ['UP', 'green']),
        yesNoStat('ESMTP', 'Whether the server accepted EHLO or the probe fell back to HELO.', `smtp_esmtp{${T}}`, ['HELO only', 'orange'], ['EHLO', 'green']),
        yesNoStat('STARTTLS', 'Whether the plaintext EHLO advertised STARTTLS.', `smtp_starttls_advertised{${T}}`, ['not offered', 'red'], ['offered', 'green']),
        {
          type: 'stat',
          title: 'Certificate expires in',
          description: 'Time left on the earliest-expiring certificate the server presented.',
          w: 4,
          h: 4,
          queries: [
            { expr: `smtp_tls_cert_not_after_timestamp_seconds{${T}} - time()`, legend: '{{target}}', instant: true },
          ],
          defaults: {
            unit: 'dtdurations',
            color: { mode: 'thresholds' },
            thresholds: {
              mode: 'absolute',
              steps: [{ color: 'red' }, { color: 'orange', value: c.certCriticalDays * 86400 }, { color: 'green', value: c.certWarningDays * 86400 }],
            },
          },
        },
        yesNoStat('Certificate verified', 'Whether the certificate verified for the target name.', `smtp_tls_cert_verified{${T}}`, ['no', 'orange'], ['yes', 'green']),
        {
          type: 'stat',
          title: 'Back-off',
          description: 'Seconds the scheduler still holds off probing after a 421 answer.',
          w: 4,
          h: 4,
          queries: [
            { expr: `smtp_probe_backoff_seconds{${T}}`, legend: '{{target}}', instant: true },
          ],
          defaults: {
            unit: 's',
            ...thresholdColors('green', 'orange', 1),
          },
        },
        {
          type: 'stat',
          title: 'SIZE',
          description: 'The advertised message size limit, in the plaintext EHLO (tls=false) and inside TLS (tls=true). Infinity: no fixed limit.',
          w: 6,
          h: 4,
          queries: [
            { expr: `smtp_size_limit_bytes{${T}}`, legend: 'tls={{tls}}', instant: true },
          ],
          defaults: { unit: 'bytes', color: { mode: 'fixed', fixedColor: 'text' } },
          options: { textMode: 'value_and_name' },
        },
        {
          type: 'stat',
          title: 'TLS',
          description: 'The TLS version and cipher negotiated in the last probe.',
          w: 6,
          h: 4,
          queries: [
            { expr: `smtp_tls_info{${T}}`, legend: '{{version}} {{cipher}}', instant: true },
          ],
          defaults: { color: { mode: 'fixed', fixedColor: 'text' } },
          options: { textMode: 'name' },
        },
        {
          type: 'stat',
          title: 'Last probe',
          description: 'When the last scheduled probe started.',
          w: 6,
          h: 4,
          queries: [
            { expr: `smtp_last_probe_timestamp_seconds{${T}} * 1000`, legend: '{{target}}', instant: true },
          ],
          defaults: { unit: 'dateTimeFromNow', color: { mode: 'fixed', fixedColor: 'text' } },
        },
        {
          type: 'stat',
          title: 'Last success',
          description: 'When the last successful scheduled probe started.',
          w: 6,
          h: 4,
          queries: [
            { expr: `smtp_last_success_timestamp_seconds{${T}} * 1000`, legend: '{{target}}', instant: true },
          ],
          defaults: { unit: 'dateTimeFromNow', color: { mode: 'fixed', fixedColor: 'text' } },
        },
      ],
    },
    {
      title: 'Capabilities over time',
      panels: [
        {
          type: 'timeseries',
          title: 'Phase timings',
          description: 'How long each phase of the scheduled probes took (connect, greeting, ehlo, starttls, tls_handshake, ehlo_tls, quit), and the whole probe.',
          w: 12,
          h: 9,
          queries: [
            { expr: `smtp_probe_phase_duration_seconds{${T}, phase!="total"}`, legend: '{{phase}}' },
            { expr: `smtp_probe_duration_seconds{${T}}`, legend: 'probe total' },
          ],
          defaults: {
            custom: lineStyle('line', 30, 'linear', { stacking: { mode: 'normal', group: 'A' } }),
            unit: 's',
          },
          overrides: [
            {
              matcher: { id: 'byName', options: 'probe total' },
              properties: [
                { id: 'custom.stacking', value: { mode: 'none', group: 'B' } },
                { id: 'custom.fillOpacity', value: 0 },
                { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
              ],
            },
          ],
        },
        {
          type: 'timeseries',
          title: 'SIZE limit history',
          description: 'The advertised SIZE limit over time. No fixed limit (+Inf) is not drawn.',
          w: 12,
          h: 9,
          queries: [
            { expr: `smtp_size_limit_bytes{${T}}`, legend: 'tls={{tls}}' },
          ],
          defaults: {
            custom: {
              drawStyle: 'line',
              lineWidth: 2,
              fillOpacity: 0,
              showPoints: 'never',
              spanNulls: false,
              lineInterpolation: 'stepAfter',
            },
            unit: 'bytes',
          },
        },
        presenceTimeline(
          'Extension history',
          'Each EHLO extension over time: advertised, or advertised before and gone (lost).',
          { w: 24, h: 10 },
          `smtp_extension_advertised{${T}}`,
          '{{extension}} (tls={{tls}})',
          'lost',
          'advertised',
        ),
        presenceTimeline(
          'AUTH mechanisms',
          'SASL mechanisms offered with AUTH, in the plaintext EHLO (tls=false: passwords in clear unless TLS comes first) and inside TLS.',
          { w: 12, h: 6 },
          `smtp_auth_mechanism_advertised{${T}}`,
          '{{mechanism}} (tls={{tls}})',
          'gone',
          'offered',
        ),
        {
          type: 'timeseries',
          title: 'Capability changes',
          description: "Capability changes detected, by kind. The exporter's /api/v1/targets/<target>/changes has old and new values.",
          w: 12,
          h: 6,
          queries: [
            { expr: `(increase(smtp_capability_changes_total{${T}}[$__rate_interval]) > 0) or (smtp_capability_changes_total{${T}} unless smtp_capability_changes_total{${T}} offset $__rate_interval)`, legend: '{{change}}' },
          ],
          defaults: {
            custom: lineStyle('bars', 80, 'linear'),
            unit: 'none',
            decimals: 0,
          },
        },
      ],
    },
    {
      title: 'TLS and server',
      panels: [
        {
          type: 'table',
          title: 'TLS facts',
          description: 'Negotiated TLS version and cipher, when the earliest-expiring certificate expires, and whether the certificate verified.',
          w: 12,
          h: 5,
          queries: [
            { expr: `max by (group, target, version, cipher) (smtp_tls_info{${T}})`, table: true },
            { expr: `max by (group, target) (smtp_tls_cert_not_after_timestamp_seconds{${T}}) * 1000`, table: true },
            { expr: `max by (group, target) (smtp_tls_cert_verified{${T}})`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          overrides: [
            {
              matcher: { id: 'byName', options: 'certificate expires' },
              properties: [{ id: 'unit', value: 'dateTimeAsIso' }],
            },
            {
              matcher: { id: 'byName', options: 'verified' },
              properties: [{ id: 'mappings', value: [valueMap('no', 'red', 'yes', 'green')] }],
            },
          ],
          transformations: [
            { id: 'merge', options: {} },
            organize({ 'Value #B': 'certificate expires', 'Value #C': 'verified' }, {}, ['Value #A']),
          ],
        },
        {
          type: 'table',
          title: 'Server',
          description: 'Host, port and address of the target as last probed, and the first line of its greeting.',
          w: 12,
          h: 5,
          queries: [
            { expr: `max by (group, target, host, port, address) (smtp_target_info{${T}})`, table: true },
            { expr: `max by (group, target, banner) (smtp_banner_info{${T}})`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          transformations: [
            { id: 'merge', options: {} },
            organize({}, {}, ['Value #A', 'Value #B']),
          ],
        },
      ],
    },
    {
      title: 'Errors, expectations and alerts',
      panels: [
        {
          type: 'table',
          title: 'Last error: reply codes by stage',
          description: 'The last SMTP reply code at each stage of the last probe. 421: service unavailable (rate limiting); other 4xx/5xx: rejected.',
          w: 6,
          h: 7,
          queries: [
            { expr: `smtp_reply_code{${T}}`, table: true },
          ],
          defaults: {
            custom: { align: 'auto', cellOptions: { type: 'color-text' } },
            color: { mode: 'thresholds' },
            thresholds: {
              mode: 'absolute',
              steps: [{ color: 'green' }, { color: 'orange', value: 400 }, { color: 'red', value: 500 }],
            },
          },
          transformations: [
            organize({ Value: 'code' }, {}, ['group', 'target']),
          ],
        },
        {
          type: 'table',
          title: 'Failures in the selected range',
          description: 'Failed probes in the time range shown, by stage and reason.',
          w: 6,
          h: 7,
          queries: [
            { expr: `(smtp_probe_failures_total{${T}} unless smtp_probe_failures_total{${T}} offset $__range) or (increase(smtp_probe_failures_total{${T}}[$__range]) > 0)`, table: true },
          ],
          defaults: { decimals: 0, custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          transformations: [
            organize({ Value: 'failures' }, {}, ['group', 'target']),
          ],
        },
        {
          type: 'table',
          title: 'Expectations',
          description: 'Configured expectations and whether the last probe met them.',
          w: 6,
          h: 7,
          queries: [
            { expr: `smtp_expectation_met{${T}}`, table: true },
          ],
          defaults: {
            custom: { align: 'auto', cellOptions: { type: 'color-text' } },
            mappings: [valueMap('NOT MET', 'red', 'met', 'green')],
          },
          transformations: [
            organize({ Value: 'met' }, {}, ['group', 'target']),
          ],
        },
        {
          type: 'table',
          title: 'LIMITS (RFC 9422)',
          description: 'Limits the server advertised with the LIMITS extension (e.g. RCPTMAX, MAILMAX), per EHLO.',
          w: 6,
          h: 7,
          queries: [
            { expr: `smtp_limit{${T}}`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          transformations: [
            organize({ Value: 'value' }, {}, ['group', 'target']),
          ],
        },
        {
          type: 'table',
          title: 'Alerts firing for this target',
          description: 'Alerts from ehlo-exporter.rules.yml that are firing for this target now.',
          w: 24,
          h: 5,
          queries: [
            { expr: `ALERTS{alertstate="firing", target=~"$target"}`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          transformations: [
            organize({}, {}, ['Value', 'alertstate']),
          ],
        },
      ],
    },
  ];
}
