// The `--json` view of one probe. When a probe fails after the plaintext EHLO, on the way into TLS
// or inside it, the effective capabilities (those inside TLS, RFC 3207 §4.2) are unknown: they are
// printed as null rather than as an empty set the server never announced, next to what was learned
// before TLS (extensions_before_tls, size_before_tls).
import { toProbeJson, type ProbeResult, type ProbeResultJson, type SizeFacts } from '../probe/probe-result.js';

export type ProbeJson = Omit<ProbeResultJson, 'size' | 'extensions' | 'auth_mechanisms' | 'limits'> & {
  size: SizeFacts | null;
  extensions: readonly string[] | null;
  auth_mechanisms: readonly string[] | null;
  limits: Readonly<Record<string, number>> | null;
  /** SIZE of the plaintext EHLO, null when there was none. */
  size_before_tls: SizeFacts | null;
};

/** True when a failed probe got past the plaintext EHLO but never learned the set inside TLS. */
export function effectiveUnknown(result: ProbeResult): boolean {
  return !result.success && result.ehlo_before_tls !== null && result.ehlo_after_tls === null && (result.starttls.attempted || result.tls !== null);
}

export function probeJson(result: ProbeResult): ProbeJson {
  const json = toProbeJson(result);
  const size_before_tls = result.ehlo_before_tls?.size ?? null;
  if (!effectiveUnknown(result)) return { ...json, size_before_tls };
  return { ...json, size: null, extensions: null, auth_mechanisms: null, limits: null, size_before_tls };
}
