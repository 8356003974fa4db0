// The two shipped dashboards: the fleet at a glance (built for 10,000 targets), and one target in depth.
// A new dashboard (domains, say) is one more function here and one more entry in generated-files.ts.
import type { MixinConfig } from '../config.js';
import { exporterRows } from './exporter-rows.js';
import { fleetRows } from './fleet-rows.js';
import { dashboard, type AnnotationSpec } from './grafana.js';
import { selectors, targetVariables } from './panel-parts.js';
import { targetDetailRows } from './target-detail-rows.js';

function changesAnnotation(T: string, textFormat: string, tagKeys: string): AnnotationSpec {
  const series = `smtp_capabilities_last_change_timestamp_seconds{${T}}`;
  return {
    name: 'Capability changes',
    iconColor: 'orange',
    expr: `(changes(${series}[$__rate_interval]) > 0) or (${series} unless ${series} offset $__rate_interval)`,
    titleFormat: 'Capability change',
    textFormat,
    tagKeys,
  };
}

export function fleetOverview(c: MixinConfig): Record<string, unknown> {
  const s = selectors(c);
  return dashboard({
    uid: 'ehlo-fleet-overview',
    title: 'ehlo-exporter / Fleet overview',
    description:
      "Every SMTP target ehlo-exporter probes: up/down, capabilities, SIZE, changes, failures, certificates and the exporter's own health. Built for fleets of 10,000 targets: top-k tables, failing targets only, 24 h aggregations from recording rules.",
    variables: targetVariables(c),
    annotations: [changesAnnotation(s.T, '{{target}}', 'group,target')],
    rows: [...fleetRows(c, s), ...exporterRows(c, s)],
  });
}

export function targetDetail(c: MixinConfig): Record<string, unknown> {
  const s = selectors(c);
  const failures = `smtp_probe_failures_total{${s.T}}`;
  return dashboard({
    uid: 'ehlo-target-detail',
    title: 'ehlo-exporter / Target detail',
    description: 'One SMTP target over time: phase timings, SIZE and extension history, capability changes, TLS facts and the last error.',
    variables: targetVariables(c),
    annotations: [
      changesAnnotation(s.T, '{{target}}: see /api/v1/targets/{{target}}/changes', 'target'),
      {
        name: 'Probe failures',
        iconColor: 'red',
        expr: `(increase(${failures}[$__rate_interval]) > 0) or (${failures} unless ${failures} offset $__rate_interval)`,
        titleFormat: 'Probe failed',
        textFormat: '{{stage}}/{{reason}}',
        tagKeys: 'stage,reason',
      },
    ],
    rows: targetDetailRows(c, s),
  });
}
