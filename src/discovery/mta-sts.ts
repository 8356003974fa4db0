// A domain's MTA-STS state as a sender would hold it (RFC 8461 §5.1): the TXT record read on every
// call, the policy fetched only when the record's id differs from the cached policy's or that
// policy's max_age ran out, and the cached policy kept, while it lasts, when a fetch fails or the
// record is gone or broken ("if no 'live' policy can be discovered via DNS or fetched via HTTPS, but
// a valid (non-expired) policy exists in the sender's cache, the sender MUST apply that cached
// policy"). So `record: null` with a `policy` means: the domain stopped publishing, senders still
// enforce the cached policy until fetched_at + max_age. The TLS-RPT record (RFC 8460) rides along.
import type { DnsLookup } from './dns-lookup.js';
import { fetchMtaStsPolicy, type MtaStsFetchFailure } from './mta-sts-fetch.js';
import type { MtaStsPolicy } from './mta-sts-policy.js';
import { lookupMtaStsRecord } from './mta-sts-record.js';
import { lookupTlsRpt, type TlsRptStatus } from './tls-rpt.js';

export type { MtaStsFetchFailure } from './mta-sts-fetch.js';
export type { MtaStsPolicy } from './mta-sts-policy.js';

export interface MtaStsStatus {
  domain: string;
  /** The _mta-sts TXT record: null when there is none (the domain has no MTA-STS). */
  record: { id: string } | null;
  /** The TXT lookup failed, or records were invalid/multiple (RFC 8461 §3.1). */
  record_error: string | null;
  /** The policy in force for a sender: the last valid fetch, kept while its max_age lasts (RFC 8461 §5.1). */
  policy: MtaStsPolicy | null;
  /** The record id the policy in force was fetched under. */
  policy_id: string | null;
  /** Unix seconds of the fetch that produced `policy`. */
  fetched_at: number | null;
  /** The latest fetch attempt's failure, null when it succeeded or none was needed. */
  fetch_error: { reason: MtaStsFetchFailure; message: string } | null;
  /** The _smtp._tls record (RFC 8460): null when there is none. */
  tlsrpt: TlsRptStatus | null;
}

export interface MtaStsDeps {
  /** TXT records and the policy host's A/AAAA: the configured resolver, never the system one. */
  lookup: DnsLookup;
  /** Extra trusted CA (PEM) for the HTTPS fetch, on top of Node's WebPKI roots. */
  ca: string | null;
  timeoutMs: number;
  nowSeconds: number;
}

type Cached = Pick<MtaStsStatus, 'policy' | 'policy_id' | 'fetched_at'>;

const NO_POLICY: Cached = { policy: null, policy_id: null, fetched_at: null };

/** The previous answer's policy while fetched_at + max_age is still ahead; nothing once it aged out. */
function stillCached(prev: MtaStsStatus | null, nowSeconds: number): Cached {
  if (prev?.policy == null || prev.fetched_at === null || nowSeconds >= prev.fetched_at + prev.policy.max_age) return NO_POLICY;
  return { policy: prev.policy, policy_id: prev.policy_id, fetched_at: prev.fetched_at };
}

/** Re-fetches only when the record id changed or the cached policy aged out (prev = last call's answer). Never rejects. */
export async function refreshMtaSts(domain: string, prev: MtaStsStatus | null, deps: MtaStsDeps): Promise<MtaStsStatus> {
  const [read, tlsrpt] = await Promise.all([lookupMtaStsRecord(deps.lookup, domain), lookupTlsRpt(deps.lookup, domain)]);
  const cached = stillCached(prev, deps.nowSeconds);
  const base = { domain, record: read.record, record_error: read.error, tlsrpt };
  if (read.record === null || (cached.policy !== null && cached.policy_id === read.record.id)) return { ...base, ...cached, fetch_error: null };
  const fetched = await fetchMtaStsPolicy(domain, deps);
  if (fetched.failure !== null) return { ...base, ...cached, fetch_error: fetched.failure };
  return { ...base, policy: fetched.policy, policy_id: read.record.id, fetched_at: deps.nowSeconds, fetch_error: null };
}
