// A target says the same thing probe after probe. Each probe parses fresh EHLO, greeting and TLS
// facts; kept as they are, every target would hold a new copy each period, and each copy would live
// long enough to be promoted to V8's old generation before it became garbage: at 10,000 targets the
// heap grew to 2.4 times its live size between major collections. Facts equal to what the target's
// state already holds are replaced by the held objects, so the fresh ones die young.
import type { ProbeResult } from '../probe/probe-result.js';
import type { Baseline } from './types.js';

/** `result` with every fact that equals one already held (by the last result or the baseline) replaced by the held object. */
export function shareUnchanged(result: ProbeResult, previous: ProbeResult | null, baseline: Baseline | null): ProbeResult {
  const before = held(result.ehlo_before_tls, previous?.ehlo_before_tls, baseline?.before_tls);
  const after = held(result.ehlo_after_tls, previous?.ehlo_after_tls, baseline?.after_tls);
  const banner = held(result.banner, previous?.banner);
  const tls = held(result.tls, previous?.tls);
  if (before === result.ehlo_before_tls && after === result.ehlo_after_tls && banner === result.banner && tls === result.tls) return result;
  // Each fact lives once, in the parsed replies: swapping those shares everything.
  return { ...result, banner, ehlo_before_tls: before, ehlo_after_tls: after, tls };
}

/** The first candidate equal to `fresh`, else `fresh` itself. */
function held<T>(fresh: T, ...candidates: Array<T | null | undefined>): T {
  if (fresh === null) return fresh;
  for (const c of candidates) if (c != null && sameJson(fresh, c)) return c;
  return fresh;
}

/** Deep equality of JSON-like values (plain objects, arrays, strings, numbers, booleans, null). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
