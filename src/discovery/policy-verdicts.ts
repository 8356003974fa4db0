// The per-address verdicts of issue 11 from what one probe saw, shared by the exporter's metrics
// (schedule/domain-views.ts) and `probe DOMAIN --mx --policy`, so both judge an address alike.
import { mtaStsVerdict, type MtaStsTlsView, type MtaStsVerdict } from './mta-sts-match.js';
import type { MtaStsPolicy } from './mta-sts-policy.js';

/** The fields of a probe result read here (probe's ProbeResult, which discovery may not import). */
export interface ProbedTls {
  starttls: { offered: boolean };
  tls: { mode: 'starttls' | 'implicit'; version: string | null; verified: boolean } | null;
}

/**
 * What an RFC 8461 sender would see. The certificate counts only when the probe verified it for the
 * MX host name itself: a target whose tls.server_name names something else proves nothing for it.
 */
export function mtaStsTlsView(result: ProbedTls, verifiedName: string, mxHost: string): MtaStsTlsView {
  const sameName = verifiedName.toLowerCase().replace(/\.$/, '') === mxHost.toLowerCase().replace(/\.$/, '');
  return {
    starttls_offered: result.starttls.offered || result.tls?.mode === 'implicit',
    tls_version: result.tls?.version ?? null,
    verified_for_mx_host: sameName && result.tls?.verified === true,
  };
}

/** The verdict for an address under a policy that asks something of it (enforce or testing); null otherwise. */
export function addressMtaStsVerdict(policy: MtaStsPolicy | null, mxHost: string, tls: MtaStsTlsView | null): MtaStsVerdict | null {
  if (policy === null || policy.mode === 'none') return null;
  return mtaStsVerdict(policy, mxHost, tls);
}
