// What changed in a domain's mail TLS policy between two checks: the MTA-STS policy in force (its
// id or content) and its mode, and each MX host's DNSSEC-validated TLSA set. Pure, like
// domain-changes.ts, so a check is compared once, where it is recorded. The first check of a
// domain has nothing to compare with and yields no changes.

import type { TlsaRecord } from '../smtp/types.js';
import type { MtaStsStatus } from './mta-sts.js';

/** The policy in force and the id it was fetched under. */
type PolicyInForce = Pick<MtaStsStatus, 'policy' | 'policy_id'>;

export type PolicyChangeKind = 'mta_sts_policy_changed' | 'mta_sts_mode_changed' | 'tlsa_changed';

export interface PolicyChange {
  kind: PolicyChangeKind;
  /** The domain (MTA-STS) or the MX host (TLSA). */
  subject: string;
  old_value: string | null;
  new_value: string | null;
}

/** Longest value stored: a policy may list many mx patterns, a host many TLSA records. */
const MAX_VALUE_CHARS = 1024;

function bounded(text: string): string {
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 1)}…`;
}

/** "id=20240101 mode=enforce max_age=604800 mx=mx1.example.com,*.example.net"; null without a policy in force. */
export function describePolicy(s: PolicyInForce): string | null {
  if (s.policy === null) return null;
  const { mode, max_age, mx } = s.policy;
  return bounded(`id=${s.policy_id ?? ''} mode=${mode} max_age=${max_age} mx=${mx.join(',')}`);
}

export function mtaStsChanges(domain: string, previous: PolicyInForce, current: PolicyInForce): PolicyChange[] {
  const out: PolicyChange[] = [];
  const before = describePolicy(previous);
  const after = describePolicy(current);
  if (before !== after) out.push({ kind: 'mta_sts_policy_changed', subject: domain, old_value: before, new_value: after });
  // No policy in force reads as mode "none": a sender then applies none (RFC 8461 §5).
  const oldMode = previous.policy?.mode ?? 'none';
  const newMode = current.policy?.mode ?? 'none';
  if (oldMode !== newMode) out.push({ kind: 'mta_sts_mode_changed', subject: domain, old_value: oldMode, new_value: newMode });
  return out;
}

/** "3 1 1 ab12…": the presentation form of RFC 6698 §2.2. */
export function formatTlsa(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matching_type} ${r.data}`;
}

/** A TLSA set as one comparable, sorted text ("" for a secure empty set). */
export function describeTlsaSet(records: readonly TlsaRecord[]): string {
  return bounded(records.map(formatTlsa).sort().join(', '));
}

/**
 * `previous` and `current`: the host's secure TLSA set, or null when the lookup was not secure.
 * Only two secure answers are compared: insecure, bogus and failed lookups show in the metrics,
 * and a set is not "changed" by a resolver that could not answer for a while.
 */
export function tlsaChanges(mxHost: string, previous: readonly TlsaRecord[] | null, current: readonly TlsaRecord[] | null): PolicyChange[] {
  if (previous === null || current === null) return [];
  const before = describeTlsaSet(previous);
  const after = describeTlsaSet(current);
  return before === after ? [] : [{ kind: 'tlsa_changed', subject: mxHost, old_value: before, new_value: after }];
}
