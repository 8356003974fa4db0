// Rows about the exporter itself, selected by config.exporterSelector (never the /probe job) and the
// instance variable: its instances, configuration, store and schedule, then its process (memory against
// config.memoryLimitBytes, event-loop lag, CPU, file descriptors).
import type { MixinConfig } from '../config.js';
import type { RowSpec } from './grafana.js';
import { lineStyle, thresholdColors, valueMap, type Selectors } from './panel-parts.js';

export function exporterRows(c: MixinConfig, { X, XG }: Selectors): RowSpec[] {
  return [
    {
      title: 'Exporter',
      panels: [
        {
          type: 'table',
          title: 'Exporter instances',
          description: 'Every ehlo-exporter Prometheus scraped in the last day: up or not, and its version.',
          w: 12,
          h: 4,
          queries: [
            { expr: `up{${X}} and on (instance, job) last_over_time(smtp_exporter_build_info{${X}}[1d])`, table: true },
            { expr: `smtp_exporter_build_info{${X}}`, table: true },
          ],
          defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } } },
          overrides: [
            {
              matcher: { id: 'byName', options: 'up' },
              properties: [
                { id: 'mappings', value: [valueMap('DOWN', 'red', 'UP', 'green')] },
                { id: 'custom.cellOptions', value: { type: 'color-background' } },
              ],
            },
          ],
          transformations: [
            { id: 'merge', options: {} },
            {
              id: 'organize',
              options: {
                excludeByName: { Time: true, __name__: true, 'Value #B': true },
                renameByName: { 'Value #A': 'up' },
                indexByName: {},
              },
            },
          ],
        },
        {
          type: 'stat',
          title: 'Config reload',
          description: 'Whether the last configuration reload succeeded on every exporter.',
          w: 4,
          h: 4,
          queries: [
            { expr: `min(smtp_exporter_config_last_reload_successful{${X}})`, legend: 'reload', instant: true },
          ],
          defaults: {
            ...thresholdColors('red', 'green', 1),
            mappings: [valueMap('FAILED', 'red', 'OK', 'green')],
          },
        },
        {
          type: 'stat',
          title: 'Config loaded',
          description: 'When the running configuration was loaded.',
          w: 4,
          h: 4,
          queries: [
            { expr: `max(smtp_exporter_config_last_reload_success_timestamp_seconds{${X}}) * 1000`, legend: 'loaded', instant: true },
          ],
          defaults: { unit: 'dateTimeFromNow', color: { mode: 'fixed', fixedColor: 'text' } },
        },
        {
          type: 'stat',
          title: 'Store write errors (24 h)',
          description: "Writes to the exporter's SQLite store that failed in the last 24 hours.",
          w: 4,
          h: 4,
          queries: [
            { expr: `sum(increase(smtp_exporter_store_errors_total{${X}}[24h])) or vector(0)`, legend: 'errors', instant: true },
          ],
          defaults: {
            decimals: 0,
            ...thresholdColors('green', 'red', 1),
          },
        },
        {
          type: 'timeseries',
          title: 'Targets and probes in flight',
          description: 'Targets in the running configuration by group, and probes running now.',
          w: 8,
          h: 8,
          queries: [
            { expr: `sum by (group) (smtp_exporter_targets{${XG}})`, legend: 'targets {{group}}' },
            { expr: `sum(smtp_exporter_probes_in_flight{${X}})`, legend: 'in flight' },
          ],
          defaults: {
            custom: lineStyle('line', 0, 'linear'),
            unit: 'none',
          },
        },
        {
          type: 'timeseries',
          title: 'Schedule lateness',
          description: 'How late the last probe of each group started compared with its planned time.',
          w: 8,
          h: 8,
          queries: [
            { expr: `smtp_exporter_schedule_lateness_seconds{${XG}}`, legend: '{{group}}' },
          ],
          defaults: {
            custom: lineStyle('line', 0, 'linear'),
            unit: 's',
          },
        },
        {
          type: 'timeseries',
          title: 'Probes and missed rounds',
          description: 'Scheduled probes completed per second, and probes skipped because the previous one still ran or the concurrency limit was reached.',
          w: 8,
          h: 8,
          queries: [
            { expr: `sum by (group) (rate(smtp_exporter_probes_total{${XG}}[$__rate_interval]))`, legend: 'probes/s {{group}}' },
            { expr: `sum by (group) (rate(smtp_exporter_rounds_missed_total{${XG}}[$__rate_interval]))`, legend: 'missed/s {{group}}' },
          ],
          defaults: {
            custom: lineStyle('line', 0, 'linear'),
            unit: 'ops',
          },
        },
      ],
    },
    {
      title: 'Exporter process',
      panels: [
          {
            type: 'timeseries',
            title: 'Resident memory',
            description: `Resident set size of each exporter. The line is the alert threshold: ${c.memoryAlertRatio * 100}% of the configured memory limit (mixin config memoryLimitBytes).`,
            w: 6,
            h: 8,
            queries: [{ expr: `process_resident_memory_bytes{${X}}`, legend: '{{instance}}' }],
            defaults: {
              unit: 'bytes',
              custom: { thresholdsStyle: { mode: 'line' } },
              thresholds: { mode: 'absolute', steps: [{ color: 'green' }, { color: 'red', value: c.memoryAlertRatio * c.memoryLimitBytes }] },
            },
          },
          {
            type: 'timeseries',
            title: 'Event-loop lag (p99)',
            description: 'How late timers and socket callbacks run, 99th percentile. Above the line, phase timings are inflated and schedules run late.',
            w: 6,
            h: 8,
            queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${X}}`, legend: '{{instance}}' }],
            defaults: {
              unit: 's',
              custom: { thresholdsStyle: { mode: 'line' } },
              thresholds: { mode: 'absolute', steps: [{ color: 'green' }, { color: 'red', value: c.eventLoopLagSeconds }] },
            },
          },
          {
            type: 'timeseries',
            title: 'CPU',
            description: 'CPU seconds per second each exporter uses (1 = one core).',
            w: 6,
            h: 8,
            queries: [{ expr: `rate(process_cpu_seconds_total{${X}}[$__rate_interval])`, legend: '{{instance}}' }],
            defaults: { unit: 'none' },
          },
          {
            type: 'timeseries',
            title: 'Open file descriptors',
            description: 'Sockets, the SQLite store and log files each exporter holds open: grows with probes in flight.',
            w: 6,
            h: 8,
            queries: [{ expr: `process_open_fds{${X}}`, legend: '{{instance}}' }],
            defaults: { unit: 'none' },
          },
      ],
    },
  ];
}
