// The status pages' only static assets, compiled into dist/ with the code (no build step copies
// files, no CDN, nothing fetched at run time). Served with an ETag and a long cache: the URL
// carries the content hash, so a new version is a new URL.
import { createHash } from 'node:crypto';

const CSS = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fff; --muted: #595959; --bad: #a4000f; --good: #0a6b2a; --warn: #fff4d6; --fail: #fde8ea; --line: #d0d0d0; --link: #0b4fa8; --badge: #eef1f5; }
@media (prefers-color-scheme: dark) { :root { --fg: #ececec; --bg: #141414; --muted: #b0b0b0; --bad: #ff8a8a; --good: #7ddc98; --warn: #3b3216; --fail: #46191e; --line: #444; --link: #8cb8ff; --badge: #2a2f36; } }
body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
a { color: var(--link); }
header, main, footer { padding: 0 12px; }
header nav { display: flex; flex-wrap: wrap; gap: 12px; align-items: baseline; border-bottom: 1px solid var(--line); padding: 8px 0; }
header nav a[aria-current="page"] { font-weight: bold; text-decoration: none; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
:focus-visible { outline: 3px solid var(--link); outline-offset: 1px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th[scope="row"] { font-weight: normal; }
thead th { position: sticky; top: 0; background: var(--bg); }
.scroll { overflow-x: auto; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); } .bad { color: var(--bad); font-weight: bold; } .good { color: var(--good); }
.row-failing { background: var(--fail); } .row-expect, .row-changed { background: var(--warn); }
.badge { display: inline-block; background: var(--badge); border-radius: 3px; padding: 0 4px; font-size: 12px; margin: 1px 0; }
.status-down, .status-backoff { color: var(--bad); font-weight: bold; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 12px; }
.odd { background: var(--fail); font-weight: bold; }
pre, code, .mono { font-family: ui-monospace, monospace; font-size: 13px; }
pre { white-space: pre-wrap; word-break: break-all; }
.diff td { font-family: ui-monospace, monospace; font-size: 13px; white-space: pre-wrap; word-break: break-all; }
.diff .del { background: var(--fail); } .diff .ins { background: var(--warn); }
.timeline li { margin-bottom: 4px; }
.pair { display: flex; flex-wrap: wrap; gap: 24px; }
@media (max-width: 600px) { body { font-size: 13px; } th, td { padding: 2px 3px; } }
`;

// Progressive enhancement only: local times, and "probe now" without leaving the page. Server
// text is only ever assigned to textContent.
const JS = `
'use strict';
for (const el of document.querySelectorAll('time[datetime]')) {
  const d = new Date(el.getAttribute('datetime'));
  if (Number.isNaN(d.getTime())) continue;
  const local = d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  if (el.hasAttribute('data-local')) el.textContent = local;
  el.title = local + ' (' + el.title + ')';
}
const button = document.getElementById('probe-now');
if (button) {
  const out = document.getElementById('probe-output');
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.textContent = 'Probing ' + button.dataset.target + ' …';
    try {
      const res = await fetch('/probe?debug=true&target=' + encodeURIComponent(button.dataset.target), { credentials: 'same-origin' });
      const text = await res.text();
      out.textContent = res.ok ? text : 'HTTP ' + res.status + ': ' + text;
    } catch (err) {
      out.textContent = 'The probe request failed: ' + err;
    } finally {
      button.disabled = false;
    }
  });
}
`;

function asset(body: string, type: string) {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { body, type, hash, etag: `"${hash}"` };
}

export const STATUS_CSS = asset(CSS, 'text/css; charset=utf-8');
export const STATUS_JS = asset(JS, 'text/javascript; charset=utf-8');
