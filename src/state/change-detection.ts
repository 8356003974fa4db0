// Change detection: the differences between two baselines, as change events. Pure, no clock.
//
// Rules (each one keeps a single fault from becoming many pages):
// - Each EHLO is compared with the same EHLO: plaintext with plaintext, post-TLS with post-TLS.
// - A side that was not observed this time (STARTTLS gone, EHLO refused, no TLS session) is not
//   compared at all. If STARTTLS vanished that is one `starttls_lost`; reporting every post-TLS
//   extension as removed as well would page on-call twenty times for one fault. The caller keeps
//   the unobserved side in the baseline (see nextBaseline), so it is compared when it comes back.
// - The STARTTLS keyword itself is reported only as starttls_lost/gained, never also as an
//   extension of the plaintext side.
// - Extension parameters are compared through the facts derived from them, and only when the
//   extension is present on both probes: SIZE → size_*, AUTH → auth_mechanism_*, LIMITS →
//   limits_changed. When the keyword itself appears or vanishes, extension_added/removed is the
//   one event; its mechanisms or limits are not listed again.
// - SIZE that is absent, bare or unparseable is "unknown", and a change to or from unknown is not
//   a size change: unknown says nothing about whether the accepted size went up or down, and the
//   keyword appearing or vanishing is already an extension event. SIZE 0 ("no fixed limit") is
//   +Infinity, so no-limit → a number is a decrease.
// - TLS version and certificate are compared only when both probes negotiated TLS.
import type { EhloFacts } from '../smtp/types.js';
import type { Baseline, ChangeEvent, ChangeKind } from './types.js';

type Side = { tls: boolean; previous: EhloFacts; current: EhloFacts };

/**
 * Per-EHLO events (extensions, SIZE, AUTH, LIMITS) kept from one comparison. A server that invents
 * hundreds of keywords every probe would otherwise write ~1,000 events, log lines and store rows a
 * probe; a real change is a handful. Session-wide events (STARTTLS, TLS version, certificate) are
 * always kept; the rest are kept in order (SIZE first, then sorted keywords) up to this cap.
 */
export const MAX_EHLO_EVENTS_PER_PROBE = 64;

export function detectChanges(target: string, previous: Baseline, current: Baseline, at: number): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  const emit = (
    kind: ChangeKind,
    tls: boolean | null,
    subject: string | null,
    oldValue: string | null,
    newValue: string | null,
  ): void => {
    events.push({ target, at, kind, tls, subject, old_value: oldValue, new_value: newValue });
  };

  if (previous.starttls_offered !== current.starttls_offered) {
    const kind = current.starttls_offered ? 'starttls_gained' : 'starttls_lost';
    emit(kind, false, 'STARTTLS', String(previous.starttls_offered), String(current.starttls_offered));
  }

  const sides: Side[] = [];
  if (previous.before_tls !== null && current.before_tls !== null) {
    sides.push({ tls: false, previous: previous.before_tls, current: current.before_tls });
  }
  if (previous.after_tls !== null && current.after_tls !== null) {
    sides.push({ tls: true, previous: previous.after_tls, current: current.after_tls });
  }
  let ehloEvents = 0;
  const emitCapped: Emit = (...args) => {
    if (ehloEvents++ < MAX_EHLO_EVENTS_PER_PROBE) emit(...args);
  };
  for (const side of sides) compareSide(side, emitCapped);

  if (previous.tls_version !== null && current.tls_version !== null && previous.tls_version !== current.tls_version) {
    emit('tls_version_changed', null, null, previous.tls_version, current.tls_version);
  }
  const oldCert = previous.cert_fingerprint_sha256;
  const newCert = current.cert_fingerprint_sha256;
  if (oldCert !== null && newCert !== null && oldCert.toUpperCase() !== newCert.toUpperCase()) {
    emit('certificate_changed', null, null, oldCert, newCert);
  }
  return events;
}

type Emit = (kind: ChangeKind, tls: boolean | null, subject: string | null, o: string | null, n: string | null) => void;

function compareSide({ tls, previous, current }: Side, emit: Emit): void {
  const oldSize = sizeValue(previous);
  const newSize = sizeValue(current);
  if (oldSize !== null && newSize !== null && oldSize !== newSize) {
    emit(newSize > oldSize ? 'size_increased' : 'size_decreased', tls, 'SIZE', formatSize(oldSize), formatSize(newSize));
  }

  const oldKeywords = keywordSet(previous);
  const newKeywords = keywordSet(current);
  if (!tls) {
    // STARTTLS on the plaintext side is reported as starttls_lost/gained.
    oldKeywords.delete('STARTTLS');
    newKeywords.delete('STARTTLS');
  }
  for (const kw of sorted(oldKeywords)) if (!newKeywords.has(kw)) emit('extension_removed', tls, kw, kw, null);
  for (const kw of sorted(newKeywords)) if (!oldKeywords.has(kw)) emit('extension_added', tls, kw, null, kw);

  if (hasAuth(previous) && hasAuth(current)) {
    const oldMechs = new Set(previous.auth_mechanisms);
    const newMechs = new Set(current.auth_mechanisms);
    for (const m of sorted(oldMechs)) if (!newMechs.has(m)) emit('auth_mechanism_removed', tls, m, m, null);
    for (const m of sorted(newMechs)) if (!oldMechs.has(m)) emit('auth_mechanism_added', tls, m, null, m);
  }

  if (hasLimits(previous) && hasLimits(current)) {
    const names = new Set([...Object.keys(previous.limits), ...Object.keys(current.limits)]);
    for (const name of sorted(names)) {
      const o = previous.limits[name];
      const n = current.limits[name];
      if (o !== n) emit('limits_changed', tls, name, o === undefined ? null : String(o), n === undefined ? null : String(n));
    }
  }
}

/** Bytes, +Infinity for "no fixed limit", null for unknown (absent, bare or unparseable SIZE). */
export function sizeValue(facts: EhloFacts): number | null {
  if (!facts.size.advertised) return null;
  if (facts.size.no_fixed_limit) return Number.POSITIVE_INFINITY;
  return facts.size.limit_bytes;
}

function formatSize(bytes: number): string {
  // Prometheus' spelling, the same as smtp_size_limit_bytes shows for "no fixed limit".
  return bytes === Number.POSITIVE_INFINITY ? '+Inf' : String(bytes);
}

function keywordSet(facts: EhloFacts): Set<string> {
  return new Set([...facts.extensions, ...Object.keys(facts.keywords)].map((k) => k.toUpperCase()));
}

function hasAuth(facts: EhloFacts): boolean {
  return 'AUTH' in facts.keywords || facts.extensions.includes('AUTH') || facts.auth_mechanisms.length > 0;
}

function hasLimits(facts: EhloFacts): boolean {
  return 'LIMITS' in facts.keywords || facts.extensions.includes('LIMITS') || Object.keys(facts.limits).length > 0;
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}
