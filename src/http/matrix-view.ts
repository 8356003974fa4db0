// GET /matrix: per group, targets × capabilities (SIZE, TLS version, STARTTLS, each extension), so
// a pool whose members should be identical shows where they are not. In each column the value most
// members share is the norm; a member whose value fewer members share is the odd one out, marked.
import { html, href, targetHref, type Html } from './html.js';
import type { FleetRow } from './fleet-rows.js';
import { humanBytes } from './status-format.js';

/** Extension columns shown per group (most common first); a hostile server cannot widen the page past it. */
export const MAX_EXTENSION_COLUMNS = 40;
export const MATRIX_PAGE_SIZE = 200;

interface Column {
  label: string;
  value(r: FleetRow): string;
}

const FIXED: Column[] = [
  { label: 'SIZE', value: (r) => (r.facts!.size.no_fixed_limit ? 'no limit' : r.facts!.size.limit_bytes === null ? 'none' : humanBytes(r.facts!.size.limit_bytes)) },
  { label: 'TLS', value: (r) => r.tlsVersion ?? 'none' },
  { label: 'STARTTLS', value: (r) => (r.starttls ? 'yes' : 'no') },
];

/** Keywords the fixed columns already show. */
const FIXED_KEYWORDS = new Set(['SIZE', 'STARTTLS']);

export interface MatrixGroup {
  name: string;
  columns: string[];
  /** Columns whose members disagree. */
  disagree: Set<string>;
  rows: { target: string; cells: { value: string; odd: boolean }[] | null }[];
  /** Members with an odd value in any column, over the whole group (not just this page). */
  oddTargets: string[];
  members: number;
  page: number;
  pages: number;
  hiddenExtensions: number;
}

export function matrixGroup(name: string, members: readonly FleetRow[], page: number): MatrixGroup {
  const probed = members.filter((r) => r.facts !== null);
  const extensionCounts = new Map<string, number>();
  for (const r of probed) for (const k of r.facts!.extensions) if (!FIXED_KEYWORDS.has(k)) extensionCounts.set(k, (extensionCounts.get(k) ?? 0) + 1);
  const extensions = [...extensionCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  const shown = extensions.slice(0, MAX_EXTENSION_COLUMNS);
  const columns: Column[] = [...FIXED, ...shown.map((k) => ({ label: k, value: (r: FleetRow) => (r.facts!.extensions.includes(k) ? 'yes' : 'no') }))];

  // Per column: how many probed members share each value; the largest count is the norm.
  const values = probed.map((r) => columns.map((c) => c.value(r)));
  const tallies = columns.map((_, i) => {
    const tally = new Map<string, number>();
    for (const v of values) tally.set(v[i]!, (tally.get(v[i]!) ?? 0) + 1);
    return { tally, norm: Math.max(0, ...tally.values()) };
  });
  const isOdd = (i: number, v: string) => tallies[i]!.tally.get(v)! < tallies[i]!.norm;
  const disagree = new Set(columns.flatMap((c, i) => (tallies[i]!.tally.size > 1 ? [c.label] : [])));
  const oddTargets = probed.filter((_, k) => values[k]!.some((v, i) => isOdd(i, v))).map((r) => r.target);

  const pages = Math.max(1, Math.ceil(members.length / MATRIX_PAGE_SIZE));
  const p = Math.min(Math.max(1, page), pages);
  const rows = members.slice((p - 1) * MATRIX_PAGE_SIZE, p * MATRIX_PAGE_SIZE).map((r) => ({
    target: r.target,
    cells: r.facts === null ? null : columns.map((c, i) => ({ value: c.value(r), odd: isOdd(i, c.value(r)) })),
  }));
  return { name, columns: columns.map((c) => c.label), disagree, rows, oddTargets, members: members.length, page: p, pages, hiddenExtensions: extensions.length - shown.length };
}

function cell(c: { value: string; odd: boolean }): Html {
  const text = c.value === 'yes' ? '✓' : c.value === 'no' ? '' : c.value;
  const spoken = c.value === 'yes' || c.value === 'no' ? html`<span class="visually-hidden">${c.value}</span>` : '';
  if (!c.odd) return html`<td>${text}${spoken}</td>`;
  return html`<td class="odd" title="differs from most of the group">${text || '✗'}${spoken}<span class="visually-hidden"> (differs from most of the group)</span></td>`;
}

export function matrixView(groups: readonly string[], m: MatrixGroup | null): Html {
  const nav = html`<nav aria-label="Groups"><ul class="groups">${groups.map(
    (g) => html`<li><a href="${href('/matrix', { group: g })}"${m?.name === g ? html` aria-current="page"` : ''}>${g}</a></li>`,
  )}</ul></nav>`;
  if (m === null) return html`<h1>Capability matrix</h1>${nav}<p>No targets configured.</p>`;
  const summary =
    m.oddTargets.length === 0
      ? html`<p>All probed members of ${m.name} agree.</p>`
      : html`<p class="bad">Odd one${m.oddTargets.length > 1 ? 's' : ''} out in ${m.name}: ${m.oddTargets.slice(0, 20).map((t, i) => html`${i > 0 ? ', ' : ''}<a href="${targetHref(t)}">${t}</a>`)}${m.oddTargets.length > 20 ? ` and ${m.oddTargets.length - 20} more` : ''}.</p>`;
  const pager =
    m.pages <= 1
      ? ''
      : html`<nav class="pager" aria-label="Pages">${m.page > 1 ? html`<a href="${href('/matrix', { group: m.name, page: m.page - 1 })}">← previous</a>` : ''} page ${m.page} of ${m.pages} ${m.page < m.pages ? html`<a href="${href('/matrix', { group: m.name, page: m.page + 1 })}">next →</a>` : ''}</nav>`;
  const odd = new Set(m.oddTargets);
  return html`<h1>Capability matrix</h1>${nav}
<h2>${m.name} (${m.members} targets)</h2>${summary}
${m.hiddenExtensions > 0 ? html`<p class="muted">${m.hiddenExtensions} rarer extensions not shown.</p>` : ''}
<div class="scroll"><table id="matrix">
<thead><tr><th scope="col">Target</th>${m.columns.map((c) => html`<th scope="col"${m.disagree.has(c) ? html` class="bad" title="members disagree"` : ''}>${c}</th>`)}</tr></thead>
<tbody>${m.rows.map(
    (r) => html`<tr${odd.has(r.target) ? html` class="row-odd"` : ''}><th scope="row"><a href="${targetHref(r.target)}">${r.target}</a></th>${
      r.cells === null ? html`<td colspan="${m.columns.length}" class="muted">not probed successfully yet</td>` : r.cells.map(cell)
    }</tr>`,
  )}</tbody></table></div>${pager}`;
}
