// The shipped dashboards: the fleet at a glance (built for 10,000 targets), one target in depth, and
// one watched mail domain. A new dashboard is one more function here and one more entry in
// generated-files.ts.
import type { MixinConfig } from '../config.js';
import { sel } from '../rules/rule-types.js';
import { domainRows } from './domain-rows.js';
import { policyRows } from './policy-rows.js';
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

export function domainDetail(c: MixinConfig): Record<string, unknown> {
  const jobInstance = ['job=~"$job"', 'instance=~"$instance"'];
  const inner = (...m: string[]) => sel(...m).slice(1, -1);
  const T = inner(...jobInstance, c.targetSelector);
  const changes = `smtp_capabilities_last_change_timestamp_seconds{${T}, target=~"$domain"}`;
  const domainSelectors = { D: inner(...jobInstance, 'domain=~"$domain"'), T };
  return dashboard({
    uid: 'ehlo-domain',
    title: 'ehlo-exporter / Domain',
    description: 'A watched mail domain: its MX hosts and every address with status, SIZE, STARTTLS, TLS and certificate, the DNS lookup history, and its mail TLS policy (MTA-STS and DANE per MX address).',
    // job and instance as on the other dashboards, then the domains they watch.
    variables: [
      ...targetVariables(c).slice(0, 3),
      { name: 'domain', label: 'Domain', query: `label_values(smtp_domain_mx_hosts${sel(...jobInstance)}, domain)` },
    ],
    annotations: [
      {
        name: 'MX set changes',
        iconColor: 'purple',
        expr: `(changes(${changes}[$__rate_interval]) > 0) or (${changes} unless ${changes} offset $__rate_interval)`,
        titleFormat: 'MX set change',
        textFormat: '{{target}}: see /api/v1/domains/{{target}}/changes',
        tagKeys: 'target',
      },
    ],
    rows: [...domainRows(c, domainSelectors), ...policyRows(c, domainSelectors)],
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
