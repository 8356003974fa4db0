// The shipped Grafana dashboards, checked without Grafana: valid JSON in the Grafana 10/11 schema, the
// $datasource/$job/$instance/$group/$target variables, rows, no hard-coded data source, unique panel ids,
// every query naming only metrics the exporter (or a shipped recording rule) defines, panels that stay
// small at 10,000 targets, and every query parsing in promtool. The live check (each query
// returns data from a Prometheus that scraped a running exporter) reuses dashboardQueries().
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALL_METRICS, RUNTIME_METRICS } from '../../src/metrics/metric-definitions.js';
import { IN_CI, runTool, shouldSkip, skipReason, toolAvailable } from '../rules/external-tool.js';
import {
  REPO_ROOT,
  allPanels,
  dashboardFiles,
  dashboardQueries,
  labelValuesSelector,
  loadDashboard,
  substituteVariables,
} from './dashboard-queries.js';
import { STANDARD_METRICS, metricNamesIn, templateQueries } from './promql-metric-names.js';

const DEFINED = new Set([...ALL_METRICS, ...RUNTIME_METRICS].map((m) => m.name));
const RULES_FILE = join(REPO_ROOT, 'config', 'prometheus', 'ehlo-exporter.rules.yml');
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
/** Series the shipped recording rules define → the metrics each one reads. */
const RECORDED = new Map(rules.flatMap((r) => (r.record ? [[r.record, metricNamesIn(r.expr)] as const] : [])));
const DS = { type: 'prometheus', uid: '${datasource}' };
const files = dashboardFiles();
const queries = dashboardQueries();

function undefinedMetrics(expr: string): string[] {
  return metricNamesIn(expr).filter((n) => !DEFINED.has(n) && !STANDARD_METRICS.has(n) && !RECORDED.has(n));
}

/** The exporter metrics a query reads, through the recording rules it names. */
function sourceMetrics(expr: string): string[] {
  return metricNamesIn(expr).flatMap((n) => RECORDED.get(n) ?? [n]);
}

/** Every `datasource` value anywhere in a JSON document. */
function datasourceRefs(node: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const v of node) datasourceRefs(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource') out.push(v);
      datasourceRefs(v, out);
    }
  }
  return out;
}

describe('the PromQL metric-name reader', () => {
  it.each([
    ['smtp_probe_success{group=~".*"} == 0', ['smtp_probe_success']],
    ['sum by (group, tls) (rate(foo_total{a="b"}[5m])) / on (x) group_left (y) bar offset 1h', ['bar', 'foo_total']],
    ['count without (mechanism) (x{tls="false"} == 1) or max without (extension) (y)', ['x', 'y']],
    ['time() - smtp_last_probe_timestamp_seconds > 14 * 86400 and z >= 1e3', ['smtp_last_probe_timestamp_seconds', 'z']],
    ['up * on (instance, job) group_left (version) last_over_time(b_info[1d])', ['b_info', 'up']],
    ['count(ALERTS{alertstate="firing"}) or vector(0)', ['ALERTS']],
  ])('%s', (expr, names) => {
    expect(metricNamesIn(expr)).toEqual(names);
  });

  it('reads the queries inside alert templates', () => {
    const t = '{{ with printf "smtp_size_limit_bytes{target=%q,tls=\\"false\\"} offset 1h" $labels.target | query }}{{ end }}';
    expect(templateQueries(t)).toEqual(['smtp_size_limit_bytes{target="x",tls="false"} offset 1h']);
  });
});

describe('variable substitution', () => {
  it('replaces $var, ${var} and ${var:format}, and refuses unknown variables', () => {
    expect(substituteVariables('x{a=~"$group",b=~"${target:regex}"}[$__rate_interval]')).toBe('x{a=~".*",b=~".*"}[1m]');
    expect(() => substituteVariables('x[$nope]')).toThrow(/\$nope/);
  });

  it('takes the selector out of label_values()', () => {
    expect(labelValuesSelector('label_values(smtp_probe_success{group=~"$group"}, target)')).toBe('smtp_probe_success{group=~"$group"}');
    expect(labelValuesSelector('label_values(group)')).toBeNull();
  });
});

describe.each(files.map((f) => [f.replace(/^.*[\\/]/, ''), f] as const))('dashboard %s', (_name, file) => {
  const d = loadDashboard(file) as Record<string, unknown> & ReturnType<typeof loadDashboard>;
  const panels = allPanels(d) as (Record<string, unknown> & { id?: unknown; targets?: Record<string, unknown>[] })[];

  it('is Grafana 10/11 JSON with a stable uid and no hard-coded data source', () => {
    expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
    expect(typeof d.uid).toBe('string');
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.schemaVersion).toBeLessThanOrEqual(41);
    expect(d.id ?? null).toBeNull();
    for (const ref of datasourceRefs(d)) {
      // The datasource variable itself has no datasource key; everything else points at it.
      expect(ref).toEqual(DS);
    }
  });

  it('has the datasource, job and instance variables, then its own (group and target, or domain), each narrowed by the ones before', () => {
    const vars = d.templating?.list ?? [];
    const byName = new Map(vars.map((v) => [String(v.name), v as Record<string, unknown>]));
    expect(byName.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const narrowed: Record<string, string> = {
      job: 'label_values(smtp_probe_success, job)',
      instance: 'label_values(smtp_probe_success{job=~"$job"}, instance)',
      ...(d.uid === 'ehlo-domain'
        ? { domain: 'label_values(smtp_domain_mx_hosts{job=~"$job", instance=~"$instance"}, domain)' }
        : {
            group: 'label_values(smtp_probe_success{job=~"$job", instance=~"$instance"}, group)',
            target: 'label_values(smtp_probe_success{job=~"$job", instance=~"$instance", group=~"$group"}, target)',
          }),
    };
    expect(vars.map((v) => v.name)).toEqual(['datasource', ...Object.keys(narrowed)]);
    for (const [name, query] of Object.entries(narrowed)) {
      expect(byName.get(name), name).toMatchObject({ type: 'query', query, multi: true, includeAll: true, datasource: DS });
    }
  });

  it('groups its panels in rows, and every target query uses the job and instance variables', () => {
    const rows = panels.filter((p) => p.type === 'row');
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect((d.panels ?? [])[0]).toMatchObject({ type: 'row' });
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        const expr = String(t.expr);
        if (/smtp_(?!exporter_)\w+\{/.test(expr)) expect(expr, String(p.title)).toContain('job=~"$job", instance=~"$instance"');
      }
    }
  });

  it('gives every panel and every target the ${datasource} data source, and unique ids', () => {
    expect(panels.length).toBeGreaterThan(5);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(typeof p.id, String(p.title)).toBe('number');
      expect(p.datasource, String(p.title)).toEqual(DS);
      expect((p.targets ?? []).length, `${String(p.title)} has queries`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource, String(p.title)).toEqual(DS);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, `${String(p.title)} refIds`).toBe(refIds.length);
    }
  });

  it('has annotations from a PromQL query on the ${datasource} data source', () => {
    const list = (d.annotations?.list ?? []) as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(0);
    for (const a of list) expect(a.datasource).toEqual(DS);
  });
});

describe('dashboard queries', () => {
  it('cover every dashboard, with panels, variables and annotations', () => {
    const names = new Set(queries.map((q) => q.dashboard));
    expect([...names].sort()).toEqual(['ehlo-domain', 'ehlo-fleet-overview', 'ehlo-target-detail']);
    for (const source of ['panel', 'variable', 'annotation'] as const) {
      expect(queries.some((q) => q.source === source), source).toBe(true);
    }
    for (const q of queries) expect(q.expr, `${q.dashboard}/${q.panelTitle}`).not.toMatch(/\$/);
  });

  it.each(queries.map((q) => [`${q.dashboard} / ${q.panelTitle}: ${q.expr}`, q.expr] as const))(
    'name only metrics the exporter defines: %s',
    (_title, expr) => {
      expect(metricNamesIn(expr).length, 'selects some metric').toBeGreaterThan(0);
      expect(undefinedMetrics(expr)).toEqual([]);
    },
  );

  it('show what the issue asks for', () => {
    const used = (dashboard: string): Set<string> =>
      new Set(queries.filter((q) => q.dashboard === dashboard).flatMap((q) => sourceMetrics(q.expr)));
    const fleet = used('ehlo-fleet-overview');
    for (const m of [
      'smtp_probe_success',
      'smtp_extension_advertised',
      'smtp_size_limit_bytes',
      'smtp_tls_info',
      'smtp_capability_changes_total',
      'smtp_probe_failures_total',
      'smtp_tls_cert_not_after_timestamp_seconds',
      'smtp_exporter_config_last_reload_successful',
      'smtp_exporter_targets',
      'smtp_exporter_probes_in_flight',
      'smtp_exporter_schedule_lateness_seconds',
      'smtp_exporter_store_errors_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(fleet, `fleet overview uses ${m}`).toContain(m);
    }
    const detail = used('ehlo-target-detail');
    for (const m of [
      'smtp_probe_phase_duration_seconds',
      'smtp_size_limit_bytes',
      'smtp_extension_advertised',
      'smtp_tls_info',
      'smtp_tls_cert_verified',
      'smtp_reply_code',
    ]) {
      expect(detail, `target detail uses ${m}`).toContain(m);
    }
    const domain = used('ehlo-domain');
    for (const m of [
      'smtp_domain_lookup_success',
      'smtp_domain_mx_hosts',
      'smtp_domain_addresses',
      'smtp_domain_lookup_failures_total',
      'smtp_target_info',
      'smtp_probe_success',
      'smtp_size_limit_bytes',
      'smtp_starttls_advertised',
      'smtp_tls_info',
      'smtp_tls_cert_not_after_timestamp_seconds',
    ]) {
      expect(domain, `domain dashboard uses ${m}`).toContain(m);
    }
    expect(
      queries.some((q) => q.dashboard === 'ehlo-target-detail' && q.source === 'annotation' && /changes\(smtp_capabilities_last_change_timestamp_seconds/.test(q.expr)),
    ).toBe(true);
  });
});

describe('the fleet overview at 10,000 targets', () => {
  const fleet = queries.filter((q) => q.dashboard === 'ehlo-fleet-overview' && q.source === 'panel');
  const fleetPanels = allPanels(loadDashboard(files.find((f) => f.endsWith('ehlo-fleet-overview.json')) ?? '')) as {
    type?: string;
    title?: unknown;
    targets?: { expr?: string }[];
  }[];

  it('reads its 24 h aggregations over targets from recording rules, not from every raw series', () => {
    for (const q of fleet) {
      if (/\[24h\]|offset 24h/.test(q.expr)) expect(metricNamesIn(q.expr).every((n) => n.startsWith('smtp_exporter_')), q.expr).toBe(true);
    }
    expect(fleet.some((q) => metricNamesIn(q.expr).some((n) => RECORDED.has(n)))).toBe(true);
  });

  it('limits its state timelines to failing targets, and its per-target tables and graphs to a top k', () => {
    for (const p of fleetPanels) {
      for (const t of p.targets ?? []) {
        const expr = t.expr ?? '';
        if (p.type === 'state-timeline') expect(expr, String(p.title)).toMatch(/min_over_time\(smtp_probe_success\{[^}]*\}\[\$__range\]\) == 0/);
        const perTarget = !/^\s*(?:count|sum|min|max|avg|topk|bottomk)\b/.test(expr) || /by \([^)]*target/.test(expr);
        if ((p.type === 'timeseries' || p.type === 'table') && perTarget && /smtp_(?!exporter_)/.test(expr) && p.title !== 'Capability matrix') {
          expect(expr, String(p.title)).toMatch(/\b(?:topk|bottomk)\(/);
        }
      }
    }
  });
});

describe('alert and recording rules', () => {
  it.each(rules.map((r, i) => [`${r.alert ?? r.record ?? '?'} #${i}`, r] as const))('%s names only metrics the exporter defines', (_name, r) => {
    expect(undefinedMetrics(r.expr)).toEqual([]);
    for (const text of Object.values(r.annotations ?? {})) {
      for (const q of templateQueries(text)) expect(undefinedMetrics(q), q).toEqual([]);
    }
  });

  it('a rule naming an unknown metric would be caught', () => {
    expect(undefinedMetrics('smtp_probe_sucess == 0')).toEqual(['smtp_probe_sucess']);
  });
});

describe('Grafana provisioning', () => {
  it('provisions the dashboards from a file provider and a Prometheus data source', () => {
    const dash = parse(readFileSync(join(REPO_ROOT, 'config/grafana/provisioning/dashboards/ehlo-exporter.yml'), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(dash.apiVersion).toBe(1);
    expect(dash.providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\//) } });
    const ds = parse(readFileSync(join(REPO_ROOT, 'config/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      apiVersion: number;
      datasources: { type: string; url: string }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: expect.stringMatching(/^https?:\/\//) });
  });
});

const hasPromtool = toolAvailable('promtool');

describe.skipIf(shouldSkip(hasPromtool))(`every dashboard query parses in promtool${skipReason('promtool', hasPromtool)}`, () => {
  it('promtool is installed (required when CI=true)', () => {
    expect(hasPromtool, IN_CI ? 'CI=true: promtool must be installed' : 'promtool').toBe(true);
  });

  it('promtool check rules accepts every query as a recording rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehlo-dash-'));
    try {
      const file = join(dir, 'dashboard-queries.rules.yml');
      const rulesDoc = {
        groups: [
          {
            name: 'dashboard-queries',
            rules: queries.map((q, i) => ({ record: `dashboard:query_${i}:${q.dashboard.replace(/-/g, '_')}`, expr: q.expr })),
          },
        ],
      };
      writeFileSync(file, stringify(rulesDoc));
      const r = runTool('promtool', ['check', 'rules', file]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${queries.length} rules found`);

      // The same check rejects a broken query, so a pass above means something.
      writeFileSync(file, stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum(smtp_probe_success' }] }] }));
      expect(runTool('promtool', ['check', 'rules', file]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
