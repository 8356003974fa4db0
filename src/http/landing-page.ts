// The HTML page at /: links to every endpoint and the configured targets. Every interpolated
// value goes through escapeHtml (text) or encodeURIComponent + escapeHtml (URLs).
import type { TargetState } from '../state/types.js';

const SHOWN_TARGETS = 200;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function landingPage(targets: readonly TargetState[]): string {
  const rows = targets.slice(0, SHOWN_TARGETS).map((t) => {
    const changes = `/api/v1/targets/${encodeURIComponent(t.target)}/changes`;
    const probe = `/probe?target=${encodeURIComponent(t.target)}&debug=true`;
    const success = t.last_result === null ? 'not probed yet' : t.last_result.success ? 'up' : 'down';
    return (
      `<tr><td>${escapeHtml(t.target)}</td><td>${escapeHtml(t.group)}</td><td>${success}</td>` +
      `<td><a href="${escapeHtml(changes)}">changes</a> <a href="${escapeHtml(probe)}">probe now (debug)</a></td></tr>`
    );
  });
  const more = targets.length > SHOWN_TARGETS ? `<p>…and ${targets.length - SHOWN_TARGETS} more in <a href="/api/v1/targets">/api/v1/targets</a>.</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>ehlo-exporter</title></head>
<body>
<h1>ehlo-exporter</h1>
<p>Probes mail servers' EHLO capabilities and serves them to Prometheus.</p>
<ul>
<li><a href="/metrics">/metrics</a>: every configured target, from the last scheduled probes</li>
<li><a href="/probe?target=">/probe?target=host:port</a>: probe one target now (add <code>&amp;debug=true</code> for the transcript)</li>
<li><a href="/api/v1/targets">/api/v1/targets</a>: the state of every target, JSON</li>
<li><a href="/-/healthy">/-/healthy</a> and <a href="/-/ready">/-/ready</a></li>
<li><code>POST /-/reload</code>: reload the configuration file</li>
</ul>
<h2>Targets (${targets.length})</h2>
<table>
<tr><th>target</th><th>group</th><th>last probe</th><th></th></tr>
${rows.join('\n')}
</table>
${more}
</body>
</html>
`;
}
