// The baseline: the last known capabilities of a target, taken from successful probes only.
import type { ProbeResult } from '../probe/probe-result.js';
import type { Baseline } from './types.js';

/**
 * The capabilities one successful probe observed. A failed probe says nothing about capabilities
 * (the server may simply be down), so asking for its baseline is a caller bug and throws.
 * The EHLO facts are shared with the result, not copied: neither is ever mutated after the probe.
 */
export function baselineFrom(result: ProbeResult): Baseline {
  if (!result.success) {
    throw new TypeError(`baselineFrom: the probe of ${result.target} failed; only successful probes have a baseline`);
  }
  return {
    observed_at: result.started_at,
    before_tls: result.ehlo_before_tls,
    after_tls: result.ehlo_after_tls,
    starttls_offered: result.starttls.offered,
    tls_version: result.tls?.version ?? null,
    cert_fingerprint_sha256: result.tls?.cert?.fingerprint_sha256 ?? null,
  };
}

/**
 * The baseline to keep after comparing `current` with `previous`.
 *
 * Facts the current probe could not observe are carried over from the previous baseline rather
 * than forgotten: when STARTTLS vanishes (or the plaintext EHLO fell back to HELO, or the TLS
 * session did not happen) the post-TLS EHLO, TLS version and certificate are unknown, not gone.
 * Keeping the last known values means that when the side comes back it is compared with what it
 * was before it disappeared, so a change made while it was unobservable is still reported, once.
 * Facts that were observed always replace the old ones.
 */
export function nextBaseline(previous: Baseline, current: Baseline): Baseline {
  return {
    observed_at: current.observed_at,
    before_tls: current.before_tls ?? previous.before_tls,
    after_tls: current.after_tls ?? previous.after_tls,
    starttls_offered: current.starttls_offered,
    tls_version: current.tls_version ?? previous.tls_version,
    cert_fingerprint_sha256: current.cert_fingerprint_sha256 ?? previous.cert_fingerprint_sha256,
  };
}
