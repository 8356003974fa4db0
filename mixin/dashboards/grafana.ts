// A small Grafana dashboard builder: rows of panels laid out left to right, every query on the
// ${datasource} variable, options defaulted per panel type so a panel states only what is its own.

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Query {
  expr: string;
  legend?: string;
  /** Stats and tables ask for the last value only; graphs for the range. */
  instant?: boolean;
  /** Table panels read instant vectors as table rows. */
  table?: boolean;
}

export type PanelType = 'stat' | 'timeseries' | 'table' | 'state-timeline';

export interface PanelSpec {
  type: PanelType;
  title: string;
  description: string;
  w: number;
  h: number;
  queries: Query[];
  defaults?: Record<string, unknown>;
  overrides?: unknown[];
  options?: Record<string, unknown>;
  transformations?: unknown[];
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface VariableSpec {
  name: string;
  label: string;
  /** `label_values(...)`; absent for the data source variable. */
  query?: string;
  multi?: boolean;
}

export interface AnnotationSpec {
  name: string;
  iconColor: string;
  expr: string;
  titleFormat: string;
  textFormat: string;
  tagKeys: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables: VariableSpec[];
  annotations: AnnotationSpec[];
  rows: RowSpec[];
}

const OPTION_DEFAULTS: Record<PanelType, Record<string, unknown>> = {
  stat: {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: 'value',
    graphMode: 'none',
    justifyMode: 'auto',
    textMode: 'auto',
    orientation: 'auto',
    wideLayout: true,
    showPercentChange: false,
  },
  timeseries: {
    legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull'] },
    tooltip: { mode: 'multi', sort: 'desc' },
  },
  table: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
  'state-timeline': {
    showValue: 'never',
    mergeValues: true,
    rowHeight: 0.9,
    alignValue: 'left',
    legend: { showLegend: false, displayMode: 'list', placement: 'bottom' },
    tooltip: { mode: 'single', sort: 'none' },
  },
};

export const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function target(q: Query, i: number): Record<string, unknown> {
  const instant = q.instant ?? q.table ?? false;
  return {
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    range: !instant,
    instant,
    editorMode: 'code',
    ...(q.table ? { format: 'table' } : {}),
    refId: REF_IDS[i],
    datasource: DATASOURCE,
  };
}

function variable(v: VariableSpec): Record<string, unknown> {
  if (v.query === undefined) {
    return {
      name: v.name,
      label: v.label,
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
      includeAll: false,
      multi: false,
      options: [],
      refresh: 1,
      regex: '',
      skipUrlSync: false,
    };
  }
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    definition: v.query,
    query: v.query,
    current: {},
    hide: 0,
    includeAll: true,
    allValue: '.*',
    multi: v.multi ?? true,
    options: [],
    refresh: 2,
    regex: '',
    sort: 1,
    skipUrlSync: false,
  };
}

/** Rows one under the other; inside a row, panels left to right, wrapping at Grafana's 24 columns. */
function layout(rows: readonly RowSpec[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      out.push({
        id: id++,
        type: p.type,
        title: p.title,
        description: p.description,
        datasource: DATASOURCE,
        gridPos: { x, y, w: p.w, h: p.h },
        targets: p.queries.map(target),
        fieldConfig: { defaults: p.defaults ?? {}, overrides: p.overrides ?? [] },
        options: { ...OPTION_DEFAULTS[p.type], ...p.options },
        ...(p.transformations ? { transformations: p.transformations } : {}),
      });
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  }
  return out;
}

export function dashboard(d: DashboardSpec): Record<string, unknown> {
  const types = [...new Set(d.rows.flatMap((r) => r.panels.map((p) => p.type)))].sort();
  return {
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...types.map((t) => ({ type: 'panel', id: t, name: t, version: '' })),
    ],
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['smtp', 'ehlo-exporter'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    templating: { list: d.variables.map(variable) },
    annotations: {
      list: d.annotations.map((a) => ({
        name: a.name,
        datasource: DATASOURCE,
        enable: true,
        iconColor: a.iconColor,
        expr: a.expr,
        step: '60s',
        titleFormat: a.titleFormat,
        textFormat: a.textFormat,
        tagKeys: a.tagKeys,
        useValueForTime: false,
      })),
    },
    panels: layout(d.rows),
  };
}
