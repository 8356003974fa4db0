// The frame every status page shares: navigation, the endpoint links the old landing page had, and
// a Content-Security-Policy that allows only our own stylesheet and script — a second wall behind
// the escaping in html.ts, should a server-provided value ever slip through unescaped.
import { html, type Html } from './html.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';

export const STATUS_CSP = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export type Section = 'fleet' | 'matrix' | 'changes' | 'target';

const NAV: [Section, string, string][] = [
  ['fleet', '/', 'Fleet'],
  ['matrix', '/matrix', 'Matrix'],
  ['changes', '/changes', 'Changes'],
];

export function statusPage(title: string, section: Section, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ehlo-exporter</title>
<link rel="stylesheet" href="/status/style-${STATUS_CSS.hash}.css">
<script src="/status/script-${STATUS_JS.hash}.js" defer></script></head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Sections"><strong>ehlo-exporter</strong>
${NAV.map(([s, path, label]) => html`<a href="${path}"${s === section ? html` aria-current="page"` : ''}>${label}</a>`)}
<a href="/metrics">/metrics</a></nav></header>
<main id="main">
${body}
</main>
<footer><h2>Endpoints</h2><ul>
<li><a href="/metrics">/metrics</a>: every configured target, from the last scheduled probes</li>
<li><a href="/probe?target=">/probe?target=host:port</a>: probe one target now (add <code>&amp;debug=true</code> for the transcript)</li>
<li><a href="/api/v1/targets">/api/v1/targets</a>: the state of every target, JSON</li>
<li><a href="/-/healthy">/-/healthy</a> and <a href="/-/ready">/-/ready</a></li>
<li><code>POST /-/reload</code>: reload the configuration file</li>
</ul></footer>
</body>
</html>
`.text;
}
