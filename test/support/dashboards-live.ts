// The live half of the dashboard checks: every panel, variable and annotation query of the shipped
// dashboards, run against a real Prometheus that scraped a running exporter, the way Grafana runs
// it (instant or range, label_values() through the labels API), must parse and return data.
import { expect } from 'vitest';
import {
  DEFAULT_SUBSTITUTIONS,
  allPanels,
  dashboardFiles,
  dashboardQueries,
  loadDashboard,
  substituteVariables,
  type DashboardQuery,
} from '../dashboards/dashboard-queries.js';
import type { Prometheus } from './prometheus-stack.js';

/**
 * Queries that cannot have data against a Postfix, however long the test runs. Each entry is checked
 * to still parse, and to still be empty: one that starts returning data must leave this list.
 */
export const NO_DATA_AGAINST_POSTFIX: readonly { panel: string; exprContains: string; why: string }[] = [
  { panel: 'LIMITS (RFC 9422)', exprContains: 'smtp_limit{', why: 'Postfix 3.7 does not implement the LIMITS extension' },
  { panel: 'Capability matrix', exprContains: 'extension="REQUIRETLS"', why: 'Postfix does not implement REQUIRETLS (RFC 8689)' },
];

interface Grafana {
  /** Whether the panel target is an instant query (stat, table) rather than a range query (graphs). */
  instant: Map<string, boolean>;
  /** label_values() variables: key → the label whose values Grafana lists. */
  variableLabel: Map<string, string>;
}

const key = (dashboard: string, panelTitle: string, expr: string) => `${dashboard}\u0000${panelTitle}\u0000${expr}`;

// dashboardQueries() lists the queries; how Grafana runs each one is read from the same JSON.
function grafanaModes(values: Readonly<Record<string, string>>): Grafana {
  const instant = new Map<string, boolean>();
  const variableLabel = new Map<string, string>();
  for (const file of dashboardFiles()) {
    const dashboard = file.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
    const d = loadDashboard(file);
    for (const p of allPanels(d)) {
      for (const t of (p.targets ?? []) as { expr?: unknown; instant?: unknown }[]) {
        if (typeof t.expr !== 'string') continue;
        instant.set(key(dashboard, String(p.title), substituteVariables(t.expr, values)), t.instant === true);
      }
    }
    for (const v of d.templating?.list ?? []) {
      const raw = typeof v.query === 'string' ? v.query : (v.query as { query?: unknown } | undefined)?.query;
      const m = typeof raw === 'string' ? /,\s*(\w+)\s*\)\s*$/.exec(raw) : null;
      if (v.type === 'query' && m?.[1]) variableLabel.set(`${dashboard}\u0000variable:${String(v.name)}`, m[1]);
    }
  }
  return { instant, variableLabel };
}

function hasData(resultType: string | undefined, result: unknown): boolean {
  if (resultType === 'scalar' || resultType === 'string') return Array.isArray(result);
  const series = result as { value?: unknown; values?: unknown[] }[];
  return Array.isArray(series) && series.some((s) => s.value !== undefined || (s.values?.length ?? 0) > 0);
}

/** Runs one query as Grafana would; returns a problem, or null when it parsed and returned data. */
async function runAsGrafana(prometheus: Prometheus, q: DashboardQuery, modes: Grafana, start: number, end: number) {
  if (q.source === 'variable') {
    const label = modes.variableLabel.get(`${q.dashboard}\u0000${q.panelTitle}`);
    if (label) {
      const r = await prometheus.labelValues(label, q.expr, start, end);
      if (r.status !== 'success') return { parsed: false, data: false, detail: r.error ?? r.status };
      return { parsed: true, data: (r.data?.length ?? 0) > 0, detail: `label_values(${label}) = ${JSON.stringify(r.data)}` };
    }
  }
  // Annotations and graphs are range queries over the dashboard's time range; stats and tables instant.
  const instant = q.source === 'panel' && modes.instant.get(key(q.dashboard, q.panelTitle, q.expr)) === true;
  const r = instant ? await prometheus.query(q.expr, end) : await prometheus.queryRange(q.expr, start, end, 2);
  if (r.status !== 'success') return { parsed: false, data: false, detail: r.error ?? r.status };
  return { parsed: true, data: hasData(r.data?.resultType, r.data?.result), detail: instant ? 'instant' : 'range' };
}

/**
 * Checks every dashboard query twice: with $group "All" (.*) and $target ".*", and with the values
 * the variables themselves return (as a user picking the one target sees it).
 */
export async function liveDashboardCheck(
  prometheus: Prometheus,
  options: { group: string; target: string; start: number; /** Dashboard names (file name without .json) to check. */ dashboards: readonly string[] },
): Promise<void> {
  const end = Date.now() / 1000;
  const range = `${Math.ceil(end - options.start)}s`;
  const all: Record<string, string> = { ...DEFAULT_SUBSTITUTIONS, __range: range };

  // The variables first: their values are what the panels get.
  const groupQ = dashboardQueries({ substitutions: all }).find((q) => q.panelTitle === 'variable:group');
  const targetQ = dashboardQueries({ substitutions: all }).find((q) => q.panelTitle === 'variable:target');
  expect(groupQ && targetQ, 'the dashboards have $group and $target variables').toBeTruthy();
  const groups = await prometheus.labelValues('group', groupQ!.expr, options.start, end);
  const targets = await prometheus.labelValues('target', targetQ!.expr, options.start, end);
  expect(groups.data).toEqual([options.group]);
  expect(targets.data).toEqual([options.target]);
  const picked = { ...all, group: options.group, target: options.target };

  const problems: string[] = [];
  const excepted = new Set<(typeof NO_DATA_AGAINST_POSTFIX)[number]>();
  let checked = 0;
  for (const values of [all, picked]) {
    const modes = grafanaModes(values);
    for (const q of dashboardQueries({ substitutions: values })) {
      if (!options.dashboards.includes(q.dashboard)) continue;
      checked++;
      const where = `${q.dashboard} / ${q.panelTitle} [group=${values.group} target=${values.target}]: ${q.expr.replace(/\s+/g, ' ')}`;
      const result = await runAsGrafana(prometheus, q, modes, options.start, end);
      const exception = NO_DATA_AGAINST_POSTFIX.find((e) => e.panel === q.panelTitle && q.expr.includes(e.exprContains));
      if (!result.parsed) problems.push(`does not parse: ${where}: ${result.detail}`);
      else if (exception) {
        excepted.add(exception);
        if (result.data) problems.push(`listed as having no data (${exception.why}) but returned data: ${where}`);
      } else if (!result.data) problems.push(`no data (${result.detail}): ${where}`);
    }
  }
  expect(problems).toEqual([]);
  // Every exception matched a real query: the list holds nothing stale.
  expect([...excepted].length).toBe(NO_DATA_AGAINST_POSTFIX.length);
  expect(checked).toBeGreaterThan(40);
}
