// Would an RFC 8461 sender deliver to this MX? §4.1: the MX host must match an `mx` pattern
// (case-insensitively; `*.example.com` stands for exactly one more left-most label, so neither
// example.com nor a.b.example.com); §4.2: it must offer STARTTLS and present, over TLS 1.2 or
// later, a certificate valid for the MX host name. The verdict ignores the mode: whether a
// failure refuses mail (enforce) or is only reported (testing) is the caller's to say.
import type { MtaStsPolicy } from './mta-sts-policy.js';

const canonical = (name: string) => name.toLowerCase().replace(/\.$/, '');

export function mxCoveredBy(policy: MtaStsPolicy, mxHost: string): boolean {
  const host = canonical(mxHost);
  return policy.mx.some((raw) => {
    const pattern = canonical(raw);
    if (!pattern.startsWith('*.')) return pattern === host;
    const dot = host.indexOf('.');
    return dot > 0 && host.slice(dot + 1) === pattern.slice(2);
  });
}

export interface MtaStsTlsView {
  starttls_offered: boolean;
  /** As node:tls names it ("TLSv1.3"); null without a TLS session. */
  tls_version: string | null;
  /** The certificate chains to a trusted root and is valid for the MX host name (RFC 6125). */
  verified_for_mx_host: boolean;
}

export interface MtaStsVerdict {
  covered: boolean;
  compliant: boolean;
  reason: 'ok' | 'not_covered' | 'no_starttls' | 'tls_version' | 'certificate' | 'not_probed';
}

/** RFC 8461 §4.2 (via RFC 7525): TLS 1.2 or later. */
const SUPPORTED_TLS = new Set(['TLSv1.2', 'TLSv1.3']);

/** Would an RFC 8461 sender deliver to this MX address under this policy? (tls null: no probe result yet.) */
export function mtaStsVerdict(policy: MtaStsPolicy, mxHost: string, tls: MtaStsTlsView | null): MtaStsVerdict {
  const covered = mxCoveredBy(policy, mxHost);
  const reason: MtaStsVerdict['reason'] = !covered
    ? 'not_covered'
    : tls === null
      ? 'not_probed'
      : !tls.starttls_offered
        ? 'no_starttls'
        : tls.tls_version === null || !SUPPORTED_TLS.has(tls.tls_version)
          ? 'tls_version'
          : !tls.verified_for_mx_host
            ? 'certificate'
            : 'ok';
  return { covered, compliant: reason === 'ok', reason };
}
