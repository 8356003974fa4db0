// Which extensions each side of a target has advertised, and when each was last seen: what keeps
// `smtp_extension_advertised 0` alive for an extension that vanished, until retention forgets it.
import type { ProbeResult } from '../probe/probe-result.js';
import type { TargetState } from './types.js';

/**
 * Remembered keywords per side. Above the metric's own label cap, so the metrics layer decides what
 * to export; it bounds memory and row size against a server that invents new keywords each probe.
 */
export const MAX_KNOWN_EXTENSIONS_PER_SIDE = 200;

/**
 * A keyword's last-seen time is brought up to date at most this often. Retention counts in days,
 * and a side with nothing to update is the same object from one probe to the next instead of a
 * copy per probe (see share-unchanged.ts for why copies cost memory).
 */
export const KNOWN_EXTENSION_REFRESH_SECONDS = 3600;

type Known = TargetState['known_extensions'];

/**
 * Marks what a successful probe saw on each side as seen `now`, drops what was last seen more than
 * `retentionSeconds` ago, and keeps the most recently seen entries within the cap. A side the probe
 * did not observe (no TLS session this time) keeps its entries untouched apart from expiry.
 */
export function updateKnownExtensions(known: Known, result: ProbeResult | null, now: number, retentionSeconds: number): Known {
  const plainSeen = result?.success ? (result.ehlo_before_tls?.extensions ?? []) : [];
  const tlsSeen = result?.success ? (result.ehlo_after_tls?.extensions ?? []) : [];
  const plain = updateSide(known.plain, plainSeen, now, retentionSeconds);
  const tls = updateSide(known.tls, tlsSeen, now, retentionSeconds);
  return plain === known.plain && tls === known.tls ? known : { plain, tls };
}

function updateSide(side: Record<string, number>, seen: readonly string[], now: number, retentionSeconds: number): Record<string, number> {
  if (isCurrent(side, seen, now, retentionSeconds)) return side;
  const entries = new Map<string, number>();
  for (const [kw, at] of Object.entries(side)) {
    if (typeof at === 'number' && now - at <= retentionSeconds) entries.set(kw, at);
  }
  for (const kw of seen) entries.set(kw.toUpperCase(), now);
  let kept = [...entries];
  if (kept.length > MAX_KNOWN_EXTENSIONS_PER_SIDE) {
    // Newest first, then by name, so the choice is stable from one probe to the next.
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    kept = kept.slice(0, MAX_KNOWN_EXTENSIONS_PER_SIDE);
  }
  return Object.fromEntries(kept);
}

/** Nothing to add, refresh or forget: every seen keyword was seen recently and none has expired. */
function isCurrent(side: Record<string, number>, seen: readonly string[], now: number, retentionSeconds: number): boolean {
  for (const kw of seen) {
    const at = side[kw.toUpperCase()];
    if (at === undefined || now - at >= KNOWN_EXTENSION_REFRESH_SECONDS) return false;
  }
  for (const kw in side) {
    const at = side[kw];
    if (typeof at !== 'number' || now - at > retentionSeconds) return false;
  }
  return true;
}
