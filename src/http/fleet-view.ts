// GET /: the fleet, one row per target, filtered, sorted and paged on the server so that a fleet of
// 10,000 targets costs one page of HTML (PAGE_SIZE rows), not 10,000 rows, to send and to lay out.
// Everything works without the page script: the controls are a plain GET form and links.
import { html, href, targetHref, type Html } from './html.js';
import { fleetRow, type FleetReaders, type FleetRow, type StatusKind } from './fleet-rows.js';
import { ageTag, sizeCell } from './status-format.js';
import type { TargetState } from '../state/types.js';

export const STATUS_FILTERS = ['any', 'failing', 'down', 'backoff', 'up', 'unprobed', 'expectations', 'changed'] as const;
export const SORT_KEYS = ['status', 'target', 'group', 'size', 'cert', 'probed', 'changed'] as const;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface FleetQuery {
  group?: string;
  status?: (typeof STATUS_FILTERS)[number];
  q?: string;
  sort?: (typeof SORT_KEYS)[number];
  dir?: 'asc' | 'desc';
  page?: number;
  per?: number;
}

const STATUS_ORDER: Record<StatusKind, number> = { down: 0, backoff: 1, up: 2, unprobed: 3 };
const STATUS_WORDS: Record<StatusKind, string> = { down: 'down', backoff: 'backing off', up: 'up', unprobed: 'not probed yet' };

/** Failing first, then failed expectations, then recent changes: what on-call looks for. */
function severity(r: FleetRow): number {
  return STATUS_ORDER[r.status] * 4 + (r.failedExpectations.length > 0 ? 0 : 2) + (r.recentlyChanged ? 0 : 1);
}

const nullsLast = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a - b);
/** Every order but `status`, which fleetPage sorts by a severity computed once per row. */
const COMPARE: Record<Exclude<(typeof SORT_KEYS)[number], 'status'>, (a: FleetRow, b: FleetRow) => number> = {
  target: () => 0,
  group: (a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0),
  size: (a, b) => nullsLast(a.facts?.size.limit_bytes ?? null, b.facts?.size.limit_bytes ?? null),
  cert: (a, b) => nullsLast(a.certDaysLeft, b.certDaysLeft),
  probed: (a, b) => nullsLast(a.lastProbeAt, b.lastProbeAt),
  changed: (a, b) => nullsLast(b.lastChangeAt, a.lastChangeAt),
};

function keep(r: FleetRow, query: FleetQuery, needle: string): boolean {
  if (query.group !== undefined && query.group !== '' && r.group !== query.group) return false;
  if (needle !== '' && !r.target.toLowerCase().includes(needle) && !r.group.toLowerCase().includes(needle)) return false;
  switch (query.status ?? 'any') {
    case 'any':
      return true;
    case 'failing':
      return r.status === 'down' || r.status === 'backoff' || r.failedExpectations.length > 0;
    case 'expectations':
      return r.failedExpectations.length > 0;
    case 'changed':
      return r.recentlyChanged;
    default:
      return r.status === query.status;
  }
}

export interface FleetPage {
  rows: FleetRow[];
  /** Rows that passed the filter, before paging. */
  matched: number;
  page: number;
  pages: number;
  per: number;
  groups: { name: string; total: number; failing: number }[];
  counts: Record<StatusKind, number>;
}

/** Rows for every state, then filter, sort (ties by target name) and page. */
export function fleetPage(states: readonly TargetState[], readers: FleetReaders, query: FleetQuery, nowSeconds: number): FleetPage {
  const all = states.map((s) => fleetRow(s, readers, nowSeconds));
  const groups = new Map<string, { name: string; total: number; failing: number }>();
  const counts: Record<StatusKind, number> = { down: 0, backoff: 0, up: 0, unprobed: 0 };
  for (const r of all) {
    const g = groups.get(r.group) ?? { name: r.group, total: 0, failing: 0 };
    g.total++;
    if (r.status === 'down' || r.status === 'backoff' || r.failedExpectations.length > 0) g.failing++;
    groups.set(r.group, g);
    counts[r.status]++;
  }
  const needle = (query.q ?? '').trim().toLowerCase();
  let rows = all.filter((r) => keep(r, query, needle));
  const sign = query.dir === 'desc' ? -1 : 1;
  const byName = (a: FleetRow, b: FleetRow) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0);
  if (query.sort === undefined || query.sort === 'status') {
    const keyed = rows.map((r) => ({ r, s: severity(r) }));
    keyed.sort((a, b) => sign * (a.s - b.s || byName(a.r, b.r)));
    rows = keyed.map((k) => k.r);
  } else {
    const compare = COMPARE[query.sort];
    rows.sort((a, b) => sign * (compare(a, b) || byName(a, b)));
  }
  const per = Math.min(query.per ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(rows.length / per));
  const page = Math.min(Math.max(1, query.page ?? 1), pages);
  return {
    rows: rows.slice((page - 1) * per, page * per),
    matched: rows.length,
    page,
    pages,
    per,
    groups: [...groups.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    counts,
  };
}

function statusCell(r: FleetRow): Html {
  const words = STATUS_WORDS[r.status];
  return html`<span class="status status-${r.status}">${words}</span>${r.failure === null ? '' : html`<br><small>${r.failure}</small>`}`;
}

function yesNo(value: boolean | null, goodWhen: boolean): Html {
  if (value === null) return html`<span class="muted">—</span>`;
  return html`<span class="${value === goodWhen ? 'good' : 'bad'}">${value ? 'yes' : 'no'}</span>`;
}

function rowHtml(r: FleetRow, nowSeconds: number): Html {
  const classes = [r.status === 'down' || r.status === 'backoff' ? 'row-failing' : '', r.failedExpectations.length > 0 ? 'row-expect' : '', r.recentlyChanged ? 'row-changed' : ''].filter(Boolean).join(' ');
  const cert = r.certDaysLeft === null ? html`<span class="muted">—</span>` : html`<span class="${r.certDaysLeft < 14 ? 'bad' : ''}">${r.certDaysLeft}</span>`;
  const expectations = r.failedExpectations.length === 0 ? html`<span class="muted">—</span>` : html`<span class="bad">${r.failedExpectations.join(', ')}</span>`;
  return html`<tr class="${classes}" data-target="${r.target}">
<th scope="row"><a href="${targetHref(r.target)}">${r.target}</a></th><td>${r.group}</td><td>${statusCell(r)}</td>
<td class="num">${sizeCell(r.facts?.size ?? null)}</td><td>${yesNo(r.starttls, true)}</td><td>${r.tlsVersion ?? html`<span class="muted">—</span>`}</td>
<td class="num">${cert}</td><td>${yesNo(r.authBeforeTls, false)}</td>
<td>${r.badges.map((b) => html`<span class="badge">${b}</span> `)}</td><td>${expectations}</td>
<td>${ageTag(r.lastProbeAt, nowSeconds)}</td><td>${r.recentlyChanged ? html`<strong>${ageTag(r.lastChangeAt, nowSeconds)}</strong>` : ageTag(r.lastChangeAt, nowSeconds)}</td></tr>`;
}

function sortHeader(label: string, key: (typeof SORT_KEYS)[number] | null, query: FleetQuery): Html {
  if (key === null) return html`<th scope="col">${label}</th>`;
  const current = (query.sort ?? 'status') === key;
  const dir = current && query.dir !== 'desc' ? 'desc' : 'asc';
  const aria = current ? (query.dir === 'desc' ? 'descending' : 'ascending') : 'none';
  const link = href('/', { ...query, sort: key, dir, page: undefined });
  return html`<th scope="col" aria-sort="${aria}"><a href="${link}">${label}${current ? (query.dir === 'desc' ? ' ▼' : ' ▲') : ''}</a></th>`;
}

function pager(p: FleetPage, query: FleetQuery): Html {
  if (p.pages <= 1) return html``;
  const link = (page: number, label: string) => html`<a href="${href('/', { ...query, page })}">${label}</a>`;
  return html`<nav class="pager" aria-label="Pages">${p.page > 1 ? link(p.page - 1, '← previous') : ''} page ${p.page} of ${p.pages} ${p.page < p.pages ? link(p.page + 1, 'next →') : ''}</nav>`;
}

export function fleetView(p: FleetPage, query: FleetQuery, nowSeconds: number): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const total = p.counts.down + p.counts.backoff + p.counts.up + p.counts.unprobed;
  return html`<h1>Fleet</h1>
<p class="summary">${total} targets: <a href="${href('/', { status: 'down' })}" class="${p.counts.down > 0 ? 'bad' : ''}">${p.counts.down} down</a>,
<a href="${href('/', { status: 'backoff' })}">${p.counts.backoff} backing off</a>, ${p.counts.up} up, ${p.counts.unprobed} not probed yet.</p>
<details class="groups"><summary>Groups (${p.groups.length})</summary><ul>${p.groups.map(
    (g) => html`<li><a href="${href('/', { group: g.name })}">${g.name}</a>: ${g.total} targets${g.failing > 0 ? html`, <span class="bad">${g.failing} failing</span>` : ''}</li>`,
  )}</ul></details>
<form method="get" action="/" class="filters" role="search">
<label>Group <select name="group">${option('', 'all groups', !query.group)}${p.groups.map((g) => option(g.name, g.name, query.group === g.name))}</select></label>
<label>Status <select name="status">${STATUS_FILTERS.map((s) => option(s, s, (query.status ?? 'any') === s))}</select></label>
<label>Search <input type="search" name="q" maxlength="200" value="${query.q ?? ''}" placeholder="target or group"></label>
${query.sort ? html`<input type="hidden" name="sort" value="${query.sort}">` : ''}${query.dir ? html`<input type="hidden" name="dir" value="${query.dir}">` : ''}
<button type="submit">Filter</button> <a href="/">reset</a>
</form>
<p id="matched">${p.matched} of ${total} targets match${p.pages > 1 ? html`; showing ${(p.page - 1) * p.per + 1}–${(p.page - 1) * p.per + p.rows.length}` : ''}.</p>
<div class="scroll"><table id="fleet">
<caption class="visually-hidden">Targets, ${query.sort ?? 'status'} order</caption>
<thead><tr>${sortHeader('Target', 'target', query)}${sortHeader('Group', 'group', query)}${sortHeader('Status', 'status', query)}${sortHeader('SIZE', 'size', query)}
${sortHeader('STARTTLS', null, query)}${sortHeader('TLS', null, query)}${sortHeader('Cert days', 'cert', query)}${sortHeader('AUTH before TLS', null, query)}
${sortHeader('Extensions', null, query)}${sortHeader('Failed expectations', null, query)}${sortHeader('Last probe', 'probed', query)}${sortHeader('Last change', 'changed', query)}</tr></thead>
<tbody>
${p.rows.map((r) => rowHtml(r, nowSeconds))}
</tbody></table></div>
${pager(p, query)}`;
}
