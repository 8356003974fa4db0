// Pieces the dashboards share: the selectors built from the variables and the config, value mappings,
// the link from a target column to the target-detail dashboard.
import type { MixinConfig } from '../config.js';
import { sel } from '../rules/rule-types.js';

export interface Selectors {
  /** Per-target series: job, instance, group and target variables, plus config.targetSelector. */
  T: string;
  /** Per-group series (recording rules): job, instance and group variables. */
  G: string;
  /** The exporter's own series: config.exporterSelector and the instance variable (never the /probe job). */
  X: string;
  /** The exporter's per-group series. */
  XG: string;
}

/** The matchers inside the braces; `sel()` without its braces. */
const inner = (...m: string[]) => sel(...m).slice(1, -1);

export function selectors(c: MixinConfig): Selectors {
  const vars = ['job=~"$job"', 'instance=~"$instance"', 'group=~"$group"', 'target=~"$target"'];
  return {
    T: inner(...vars, c.targetSelector),
    G: inner(...vars.slice(0, 3)),
    X: inner(c.exporterSelector, 'instance=~"$instance"'),
    XG: inner(c.exporterSelector, 'instance=~"$instance"', 'group=~"$group"'),
  };
}

/** The job → instance → group → target variables, each narrowed by the ones before it. */
export function targetVariables(c: MixinConfig) {
  const base = 'smtp_probe_success';
  const t = (...m: string[]) => `${base}${sel(c.targetSelector, ...m)}`;
  return [
    { name: 'datasource', label: 'Data source' },
    { name: 'job', label: 'Job', query: `label_values(${t()}, job)` },
    { name: 'instance', label: 'Instance', query: `label_values(${t('job=~"$job"')}, instance)` },
    { name: 'group', label: 'Group', query: `label_values(${t('job=~"$job"', 'instance=~"$instance"')}, group)` },
    { name: 'target', label: 'Target', query: `label_values(${t('job=~"$job"', 'instance=~"$instance"', 'group=~"$group"')}, target)` },
  ];
}

/** Grafana value mappings for a 0/1 series. */
export function valueMap(zeroText: string, zeroColor: string, oneText: string, oneColor: string) {
  return {
    type: 'value',
    options: { '0': { text: zeroText, color: zeroColor, index: 0 }, '1': { text: oneText, color: oneColor, index: 1 } },
  };
}

/**
 * A table's target column links to the target-detail dashboard with the row's group and target (job and
 * instance stay "All": the tables aggregate them away).
 */
export const TARGET_LINK = {
  matcher: { id: 'byName', options: 'target' },
  properties: [
    {
      id: 'links',
      value: [
        {
          title: 'Target detail',
          url: '/d/ehlo-target-detail/ehlo-exporter-target-detail?var-datasource=${datasource}&var-group=${__data.fields.group}&var-target=${__data.fields.target}',
        },
      ],
    },
  ],
};

/** A graph's line style: draw style, fill and interpolation vary; the rest is the same everywhere. */
export function lineStyle(drawStyle: string, fillOpacity: number, lineInterpolation: string, extra: Record<string, unknown> = {}) {
  return { drawStyle, lineWidth: 1, fillOpacity, showPoints: 'never', spanNulls: false, lineInterpolation, ...extra };
}

/** Colour by threshold: `below` under `at`, `above` from it. */
export function thresholdColors(below: string, above: string, at: number) {
  return { color: { mode: 'thresholds' }, thresholds: { mode: 'absolute', steps: [{ color: below }, { color: above, value: at }] } };
}

/** A table without the columns every instant vector carries (and `hidden`), with its value columns renamed. */
export function organize(renameByName: Record<string, string>, indexByName: Record<string, number> = {}, hidden: readonly string[] = []) {
  const excludeByName = { Time: true, __name__: true, instance: true, job: true, ...Object.fromEntries(hidden.map((name) => [name, true])) };
  return { id: 'organize', options: { excludeByName, renameByName, indexByName } };
}
