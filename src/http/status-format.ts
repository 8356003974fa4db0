// How the status pages say numbers and times: SIZE in human units, ages, certificate days, and
// <time> elements whose text the page script turns into the viewer's time zone (UTC on hover).
import { html, type Html } from './html.js';
import type { SizeFacts } from '../probe/probe-result.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 10240000 → "9.8 MiB"; exact bytes stay available in the title. */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

export function sizeCell(size: SizeFacts | null): Html {
  if (size === null) return html`<span class="muted">—</span>`;
  if (size.no_fixed_limit) return html`<span title="SIZE 0">no limit</span>`;
  if (size.limit_bytes !== null) return html`<span title="${size.limit_bytes} bytes">${humanBytes(size.limit_bytes)}</span>`;
  return html`<span class="muted">${size.advertised ? 'no number' : 'none'}</span>`;
}

/** "42s", "7m", "3h", "5d": coarse on purpose, the exact time is on hover. */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function utcText(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** An absolute time: UTC in the HTML, the viewer's zone once the page script has run; UTC on hover. */
export function timeTag(unixSeconds: number | null): Html {
  if (unixSeconds === null) return html`<span class="muted">—</span>`;
  const iso = new Date(unixSeconds * 1000).toISOString();
  return html`<time datetime="${iso}" title="${utcText(unixSeconds)}" data-local="">${utcText(unixSeconds)}</time>`;
}

/** A time shown as its age ("7m ago"); the absolute time, local and UTC, on hover. */
export function ageTag(unixSeconds: number | null, nowSeconds: number): Html {
  if (unixSeconds === null) return html`<span class="muted">never</span>`;
  const iso = new Date(unixSeconds * 1000).toISOString();
  return html`<time datetime="${iso}" title="${utcText(unixSeconds)}" data-age="">${age(nowSeconds - unixSeconds)} ago</time>`;
}
