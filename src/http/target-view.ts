// GET /targets/<target>: one target in full — capabilities before and after TLS side by side,
// certificate facts, timings, expectation verdicts, the change timeline, the stored transcripts with
// a side-by-side diff of the last two, and "probe now" (the /probe endpoint, so the same allow list
// and rate limits apply).
import type { ProbeResult } from '../probe/probe-result.js';
import type { EhloFacts, TranscriptEntry } from '../probe/probe-result.js';
import type { ChangeEvent, StoredTranscript, TargetState } from '../state/types.js';
import { oldNew, whereText } from './changes-view.js';
import { capabilitiesOf, type FleetRow } from './fleet-rows.js';
import { html, href, type Html } from './html.js';
import { lineDiff } from './line-diff.js';
import { ageTag, sizeCell, timeTag } from './status-format.js';

const PHASES = ['connect', 'greeting', 'ehlo', 'starttls', 'tls_handshake', 'ehlo_tls', 'quit', 'total'] as const;
const none = html`<span class="muted">—</span>`;

export interface TargetPage {
  state: TargetState;
  row: FleetRow;
  verdicts: Record<string, boolean>;
  changes: readonly ChangeEvent[];
  transcripts: readonly StoredTranscript[];
  nowSeconds: number;
}

function capabilities(before: EhloFacts | null, after: EhloFacts | null): Html {
  const keywords = [...new Set([...Object.keys(before?.keywords ?? {}), ...Object.keys(after?.keywords ?? {})])].sort();
  const params = (facts: EhloFacts | null, k: string) => {
    if (facts === null) return none;
    const p = facts.keywords[k];
    return p === undefined ? html`<span class="muted">absent</span>` : html`<code>${p.join(' ') || '✓'}</code>`;
  };
  const differs = (k: string) => before !== null && after !== null && (before.keywords[k] ?? null)?.join(' ') !== (after.keywords[k] ?? null)?.join(' ');
  const malformed = [...(before?.malformed ?? []), ...(after?.malformed ?? [])];
  return html`<table id="capabilities"><caption>EHLO keywords of the last successful probe</caption>
<thead><tr><th scope="col">Keyword</th><th scope="col">Plaintext</th><th scope="col">Inside TLS</th></tr></thead>
<tbody>${keywords.map((k) => html`<tr${differs(k) ? html` class="row-changed"` : ''}><th scope="row">${k}</th><td>${params(before, k)}</td><td>${params(after, k)}</td></tr>`)}
<tr><th scope="row">SIZE limit</th><td>${sizeCell(before?.size ?? null)}</td><td>${sizeCell(after?.size ?? null)}</td></tr>
<tr><th scope="row">AUTH mechanisms</th><td>${before?.auth_mechanisms.join(' ') || none}</td><td>${after?.auth_mechanisms.join(' ') || none}</td></tr>
</tbody></table>
${malformed.length === 0 ? '' : html`<p>Lines outside the EHLO grammar: ${malformed.map((l) => html`<code>${l}</code> `)}</p>`}`;
}

function tlsFacts(result: ProbeResult | null, nowSeconds: number): Html {
  const t = result?.tls ?? null;
  if (t === null) return html`<p>No TLS in the last probe.</p>`;
  const c = t.cert;
  const rows: [string, Html | string | null][] = [
    ['Mode', t.mode],
    ['Version', t.version],
    ['Cipher', t.cipher],
    ['Verified', t.verified ? 'yes' : html`<span class="bad">no${t.verify_error ? `: ${t.verify_error}` : ''}</span>`],
    ['Subject', c?.subject ?? null],
    ['Alternative names', c?.sans.join(', ') ?? null],
    ['Issuer', c?.issuer ?? null],
    ['Not before', c ? timeTag(Date.parse(c.not_before) / 1000) : null],
    ['Not after', c ? html`${timeTag(Date.parse(c.not_after) / 1000)} (${Math.floor((Date.parse(c.not_after) / 1000 - nowSeconds) / 86_400)} days)` : null],
    ['Earliest expiry in the chain', t.chain_earliest_not_after ? timeTag(Date.parse(t.chain_earliest_not_after) / 1000) : null],
    ['SHA-256 fingerprint', c ? html`<code>${c.fingerprint_sha256}</code>` : null],
  ];
  return html`<table id="tls"><tbody>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v ?? none}</td></tr>`)}</tbody></table>`;
}

function timings(probes: { at: number; timings: ProbeResult['timings_seconds']; label: string }[]): Html {
  return html`<table id="timings"><caption>Seconds per phase</caption><thead><tr><th scope="col">Probe</th>${PHASES.map((p) => html`<th scope="col">${p}</th>`)}</tr></thead>
<tbody>${probes.map((p) => html`<tr><th scope="row">${timeTag(p.at)} <small>${p.label}</small></th>${PHASES.map((ph) => html`<td class="num">${p.timings[ph]?.toFixed(3) ?? ''}</td>`)}</tr>`)}</tbody></table>`;
}

const lineOf = (e: TranscriptEntry) => `${e.dir} ${e.line}`;

function transcriptDiff(transcripts: readonly StoredTranscript[]): Html {
  const [now, before] = transcripts;
  if (now === undefined) return html`<p>No transcript stored yet: one is kept from each successful probe whose transcript differs from the one before.</p>`;
  if (before === undefined) return html`<p>One transcript stored (${timeTag(now.started_at)}); the next one that differs will be compared with it.</p><pre class="transcript">${now.entries.map(lineOf).join('\n')}</pre>`;
  const rows = lineDiff(before.entries.map(lineOf), now.entries.map(lineOf));
  const side = (text: string | null, cls: string) => (text === null ? html`<td class="${cls}"></td>` : html`<td class="${cls}">${text}</td>`);
  return html`<table class="diff" id="transcript-diff"><caption>What the server said at ${timeTag(before.started_at)} and at ${timeTag(now.started_at)}, changed lines marked</caption>
<thead><tr><th scope="col">Before</th><th scope="col">Now</th><th scope="col"><span class="visually-hidden">Changed</span></th></tr></thead>
<tbody>${rows.map((r) =>
    r.kind === 'same'
      ? html`<tr>${side(r.left, '')}${side(r.right, '')}<td></td></tr>`
      : html`<tr class="changed">${side(r.left, 'del')}${side(r.right, 'ins')}<td>changed</td></tr>`,
  )}</tbody></table>`;
}

export function targetView(p: TargetPage): Html {
  const { state, row, nowSeconds } = p;
  const last = state.last_result;
  const caps = capabilitiesOf(state);
  const probeHref = href('/probe', { target: state.target, debug: 'true' });
  const probes = p.transcripts.map((t) => ({ at: t.started_at, timings: t.timings_seconds, label: 'stored transcript' }));
  if (last !== null && !probes.some((x) => x.at === last.started_at)) probes.unshift({ at: last.started_at, timings: last.timings_seconds, label: last.success ? 'last probe' : 'last probe (failed)' });
  return html`<h1>${state.target}</h1>
<p>Group <a href="${href('/', { group: state.group })}">${state.group}</a> · status <span class="status status-${row.status}">${row.status === 'unprobed' ? 'not probed yet' : row.status === 'backoff' ? 'backing off' : row.status}</span>${row.failure ? ` (${row.failure})` : ''}
· last probe ${ageTag(row.lastProbeAt, nowSeconds)} · last change ${ageTag(row.lastChangeAt, nowSeconds)}</p>
${last?.error ? html`<p class="bad">${last.error.message}</p>` : ''}
<p>Banner: ${last?.banner ? html`<code id="banner">${last.banner.code} ${last.banner.lines.join(' / ')}</code>` : none}</p>
<section aria-labelledby="probe-now-h"><h2 id="probe-now-h">Probe now</h2>
<p><button type="button" id="probe-now" data-target="${state.target}">Probe ${state.target} now</button>
<a href="${probeHref}">(or open the probe log)</a></p>
<pre id="probe-output" aria-live="polite"></pre></section>
<section aria-labelledby="caps-h"><h2 id="caps-h">Capabilities</h2>
${caps === null ? html`<p>No successful probe yet.</p>` : html`<p>From the probe at ${timeTag(caps.observedAt)}; STARTTLS ${caps.starttlsOffered ? 'offered' : 'not offered'}.</p>${capabilities(caps.before, caps.after)}`}</section>
<section aria-labelledby="tls-h"><h2 id="tls-h">TLS and certificate</h2>${tlsFacts(last, nowSeconds)}</section>
<section aria-labelledby="expect-h"><h2 id="expect-h">Expectations</h2>
${Object.keys(p.verdicts).length === 0 ? html`<p>None configured, or nothing to check them against.</p>` : html`<table id="expectations"><thead><tr><th scope="col">Expectation</th><th scope="col">Verdict</th></tr></thead><tbody>${Object.entries(p.verdicts).map(([k, met]) => html`<tr><th scope="row">${k}</th><td class="${met ? 'good' : 'bad'}">${met ? 'met' : 'NOT met'}</td></tr>`)}</tbody></table>`}</section>
<section aria-labelledby="timings-h"><h2 id="timings-h">Timings</h2>${probes.length === 0 ? html`<p>No probe yet.</p>` : timings(probes)}</section>
<section aria-labelledby="history-h"><h2 id="history-h">Change history</h2>
${p.changes.length === 0 ? html`<p>No changes recorded.</p>` : html`<ol class="timeline" id="timeline">${p.changes.map((e) => html`<li>${timeTag(e.at)}: <strong>${e.kind}</strong> ${e.subject ?? ''} (${whereText(e.tls)}): ${oldNew(e)}</li>`)}</ol>`}</section>
<section aria-labelledby="transcripts-h"><h2 id="transcripts-h">Transcripts</h2>
${transcriptDiff(p.transcripts)}
${last !== null && !last.success && last.transcript.length > 0 ? html`<h3>End of the last (failed) probe</h3><pre class="transcript">${last.transcript.map(lineOf).join('\n')}</pre>` : ''}
</section>`;
}
