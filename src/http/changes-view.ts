// GET /changes: the latest capability changes across the fleet, newest first, filterable by kind.
import { CHANGE_KINDS, type ChangeEvent, type ChangeKind } from '../state/types.js';
import { html, href, targetHref, type Html } from './html.js';
import { timeTag } from './status-format.js';

export const DEFAULT_CHANGES_SHOWN = 100;
export const MAX_CHANGES_SHOWN = 1000;

export function whereText(tls: boolean | null): string {
  return tls === null ? 'session' : tls ? 'inside TLS' : 'plaintext';
}

/** "old → new" with the empty side named, for the changes table and the target timeline. */
export function oldNew(e: ChangeEvent): Html {
  const side = (v: string | null) => (v === null ? html`<span class="muted">(none)</span>` : html`<code class="old-new">${v}</code>`);
  return html`${side(e.old_value)} → ${side(e.new_value)}`;
}

export function changesView(events: readonly ChangeEvent[], kind: ChangeKind | undefined, limit: number): Html {
  return html`<h1>Changes</h1>
<form method="get" action="/changes" class="filters">
<label>Kind <select name="kind"><option value="">all kinds</option>${CHANGE_KINDS.map((k) => html`<option value="${k}"${k === kind ? html` selected` : ''}>${k}</option>`)}</select></label>
<label>Show <input type="number" name="limit" min="1" max="${MAX_CHANGES_SHOWN}" value="${limit}"></label>
<button type="submit">Filter</button></form>
<p>${events.length === 0 ? 'No capability changes recorded yet.' : `The latest ${events.length} changes, newest first.`}</p>
<div class="scroll"><table id="changes">
<thead><tr><th scope="col">When</th><th scope="col">Target</th><th scope="col">Change</th><th scope="col">Where</th><th scope="col">Subject</th><th scope="col">Old → new</th></tr></thead>
<tbody>${events.map(
    (e) => html`<tr data-kind="${e.kind}"><td>${timeTag(e.at)}</td><th scope="row"><a href="${targetHref(e.target)}">${e.target}</a></th>
<td><a href="${href('/changes', { kind: e.kind })}">${e.kind}</a></td><td>${whereText(e.tls)}</td><td>${e.subject ?? ''}</td><td>${oldNew(e)}</td></tr>`,
  )}</tbody></table></div>`;
}
