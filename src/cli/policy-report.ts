// `ehlo-exporter probe DOMAIN --mx --policy`: the domain's MTA-STS policy and each MX host's TLSA
// lookup (domain level), and per address the verdict an RFC 8461 sender and an RFC 7672 sender would
// reach on what that address presented. The JSON shapes are discovery's and smtp's own (the
// contract of issue 11), so `--json` shows exactly what the exporter's metrics are built from.

import type { DaneLookup } from '../discovery/dane-lookup.js';
import type { MtaStsStatus } from '../discovery/mta-sts.js';
import type { MtaStsVerdict } from '../discovery/mta-sts-match.js';
import type { DaneFacts, TlsaRecord } from '../smtp/types.js';

/** `policy` at domain level: null halves were not asked for (config off) — the CLI asks for both. */
export interface DomainPolicyJson {
  mta_sts: MtaStsStatus | null;
  /** Each MX host's TLSA lookup, with the host it was made for. */
  dane: { lookups: (DaneLookup & { host: string })[] } | null;
}

/** `policy` at address level. */
export interface AddressPolicyJson {
  /** null when no policy in enforce or testing mode is in force. */
  mta_sts: MtaStsVerdict | null;
  /** The probe's DANE check; null when none ran (no secure, non-empty TLSA set). */
  dane: DaneFacts | null;
}

/** A digest cut for a terminal line; --json has it whole. */
function short(hex: string): string {
  return hex.length <= 16 ? hex : `${hex.slice(0, 16)}…`;
}

function shortRecord(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matching_type} ${short(r.data)}`;
}

function mtaStsLines(s: MtaStsStatus): string[] {
  const out: string[] = [];
  if (s.record === null && s.record_error === null) out.push('MTA-STS     no _mta-sts record: the domain publishes no policy');
  else if (s.record_error !== null) out.push(`MTA-STS     record invalid: ${s.record_error}`);
  if (s.policy !== null) {
    out.push(`MTA-STS     ${s.policy.mode} (id ${s.policy_id ?? '?'}), max_age ${s.policy.max_age}s, mx: ${s.policy.mx.join(', ')}`);
  }
  if (s.fetch_error !== null) out.push(`MTA-STS     fetch FAILED: ${s.fetch_error.reason}: ${s.fetch_error.message}`);
  else if (s.record !== null && s.policy === null) out.push('MTA-STS     no valid policy in force');
  if (s.tlsrpt === null) out.push('TLS-RPT     no _smtp._tls record');
  else out.push(`TLS-RPT     ${s.tlsrpt.valid ? `valid, rua ${s.tlsrpt.rua.join(', ')}` : `invalid: ${s.tlsrpt.error ?? '?'}`}`);
  return out;
}

const DANE_STATUS: Readonly<Record<DaneLookup['status'], string>> = {
  secure: 'secure',
  insecure: 'insecure (unsigned zone: no DANE)',
  bogus: 'BOGUS (DNSSEC validation failed: DANE senders will not deliver)',
  error: 'lookup FAILED',
};

function daneLines(lookups: readonly (DaneLookup & { host: string })[]): string[] {
  return lookups.map((l) => {
    let text = `${l.host}: ${DANE_STATUS[l.status]}`;
    if (l.status === 'secure') text += l.records.length === 0 ? ', no TLSA records (no DANE)' : `, ${l.records.map(shortRecord).join('; ')}`;
    if (l.message !== null && l.status !== 'secure') text += `: ${l.message}`;
    return `DANE        ${text}`;
  });
}

/** The domain-level lines, printed under the DNS line. */
export function formatDomainPolicy(policy: DomainPolicyJson): string[] {
  return [...(policy.mta_sts === null ? [] : mtaStsLines(policy.mta_sts)), ...(policy.dane === null ? [] : daneLines(policy.dane.lookups))];
}

/** The MTA-STS and DANE cells of one address's row. */
export function addressPolicyCells(p: AddressPolicyJson | undefined): [string, string] {
  const sts = p?.mta_sts == null ? '-' : p.mta_sts.compliant ? 'compliant' : `NOT compliant (${p.mta_sts.reason})`;
  const d = p?.dane;
  let dane = '-';
  if (d != null) {
    if (d.matched !== null) dane = `match (${shortRecord(d.matched)})`;
    else dane = `NO match (${d.failure ?? '?'}${d.leaf_spki_sha256 === null ? '' : `, presented SPKI ${short(d.leaf_spki_sha256)}`})`;
  }
  return [sts, dane];
}
