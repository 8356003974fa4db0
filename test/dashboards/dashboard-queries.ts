// Every PromQL query of the shipped Grafana dashboards (panel targets, template variables, annotations),
// with Grafana's variables replaced by sample values, so a test can parse them with promtool or run them
// against a real Prometheus.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardQuery {
  /** The file name without `.json`, e.g. "ehlo-fleet-overview". */
  dashboard: string;
  /** The panel's title; for variables "variable:<name>", for annotations "annotation:<name>". */
  panelTitle: string;
  /** PromQL with variables substituted. For `label_values(sel, label)` variables: the selector. */
  expr: string;
  source: 'panel' | 'variable' | 'annotation';
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboards');

/** Values that keep every query valid and matching everything. */
export const DEFAULT_SUBSTITUTIONS: Readonly<Record<string, string>> = {
  datasource: 'prometheus',
  job: '.*',
  instance: '.*',
  group: '.*',
  target: '.*',
  domain: '.*',
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
};

export function dashboardFiles(dir: string = DASHBOARD_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Replaces $name, ${name} and ${name:format}; throws when a variable is left that has no value. */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>> = DEFAULT_SUBSTITUTIONS): string {
  const out = expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in: ${expr}`);
    return value;
  });
  return out;
}

/** `label_values(metric{...}, label)` → `metric{...}`; `label_values(label)` → null (no metric to query). */
export function labelValuesSelector(query: string): string | null {
  const m = /^\s*label_values\(\s*(.+)\s*,\s*(\w+)\s*\)\s*$/s.exec(query);
  return m?.[1] ? m[1].trim() : null;
}

interface Target {
  expr?: unknown;
}
interface Panel {
  title?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name?: unknown;
  type?: unknown;
  query?: unknown;
}
interface Annotation {
  name?: unknown;
  expr?: unknown;
}
export interface DashboardJson {
  uid?: unknown;
  title?: unknown;
  panels?: Panel[];
  templating?: { list?: Variable[] };
  annotations?: { list?: Annotation[] };
}

export function loadDashboard(file: string): DashboardJson {
  return JSON.parse(readFileSync(file, 'utf8')) as DashboardJson;
}

/** Panels, including those nested in collapsed rows. */
export function allPanels(d: DashboardJson): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: Panel[] | undefined): void => {
    for (const p of ps ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

export function dashboardQueries(
  options: { dir?: string; substitutions?: Readonly<Record<string, string>> } = {},
): DashboardQuery[] {
  const values = options.substitutions ?? DEFAULT_SUBSTITUTIONS;
  const out: DashboardQuery[] = [];
  for (const file of dashboardFiles(options.dir)) {
    const dashboard = file.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
    const d = loadDashboard(file);
    for (const p of allPanels(d)) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr.trim() === '') continue;
        out.push({ dashboard, panelTitle: String(p.title), expr: substituteVariables(t.expr, values), source: 'panel' });
      }
    }
    for (const v of d.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const raw = typeof v.query === 'string' ? v.query : (v.query as { query?: unknown } | undefined)?.query;
      if (typeof raw !== 'string') continue;
      const selector = labelValuesSelector(raw) ?? raw;
      out.push({ dashboard, panelTitle: `variable:${String(v.name)}`, expr: substituteVariables(selector, values), source: 'variable' });
    }
    for (const a of d.annotations?.list ?? []) {
      if (typeof a.expr !== 'string') continue;
      out.push({ dashboard, panelTitle: `annotation:${String(a.name)}`, expr: substituteVariables(a.expr, values), source: 'annotation' });
    }
  }
  return out;
}
