// Recording rules for the fleet-wide aggregations the dashboards run. Evaluated once a minute (the
// dashboards refresh once a minute): a 24 h increase over every counter of 10,000 targets is then
// computed once per minute, not once per panel per viewer per refresh. Names follow
// level:metric:operation.
import type { MixinConfig } from '../config.js';
import { sel, type RecordingRule, type RuleGroup } from './rule-types.js';

/** The new-series term: a counter that appeared inside the window has no sample to increase from. */
function increase24h(series: string): string {
  return `(${series} unless ${series} offset 24h) or increase(${series}[24h])`;
}

export const RECORDED = {
  targetsUp: 'job_group:smtp_probe_success:sum',
  targets: 'job_group:smtp_probe_success:count',
  changes24h: 'target_change:smtp_capability_changes:increase24h',
  failures24h: 'target_stage_reason:smtp_probe_failures:increase24h',
} as const;

export function recordingRules(c: MixinConfig): RuleGroup {
  const t = sel(c.targetSelector);
  const rules: RecordingRule[] = [
    { kind: 'record', record: RECORDED.targetsUp, expr: `sum by (job, instance, group) (smtp_probe_success${t})` },
    { kind: 'record', record: RECORDED.targets, expr: `count by (job, instance, group) (smtp_probe_success${t})` },
    {
      kind: 'record',
      record: RECORDED.changes24h,
      comment: 'Per target and kind of change; only targets that changed.',
      expr: `sum by (job, instance, group, target, change) (${increase24h(`smtp_capability_changes_total${t}`)}) > 0`,
    },
    {
      kind: 'record',
      record: RECORDED.failures24h,
      comment: 'Only targets that failed: the table of failing targets stays as small as the failures.',
      expr: `sum by (job, instance, group, target, stage, reason) (${increase24h(`smtp_probe_failures_total${t}`)}) > 0`,
    },
  ];
  return { name: 'ehlo-exporter.dashboards', interval: '1m', rules };
}
