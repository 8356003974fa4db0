// A watched domain as the metrics and the API read it, built from the watcher's state. Shapes
// match metrics' DomainStatus and http's DomainSummary (the layers below cannot import each other).
import type { TargetConfig } from '../config/types.js';
import { formatTlsa } from '../discovery/policy-changes.js';
import { addressMtaStsVerdict, mtaStsTlsView } from '../discovery/policy-verdicts.js';
import type { DomainResolution } from '../discovery/resolve-domain.js';
import { isUsable } from '../smtp/dane-match.js';
import type { TargetState } from '../state/types.js';
import type { WatchedDomain } from './fleet.js';
import type { PolicyState } from './policy-checks.js';

function countAddresses(set: DomainResolution | null): { ipv4: number; ipv6: number } {
  const out = { ipv4: 0, ipv6: 0 };
  for (const mx of set?.mx ?? []) for (const a of mx.addresses) out[a.family]++;
  return out;
}

export function domainStatus({ config, state }: WatchedDomain) {
  const source = state.current?.mx_source ?? null;
  return {
    domain: config.domain,
    lookupSuccess: state.success,
    mxHosts: state.current?.mx.length ?? 0,
    addresses: countAddresses(state.current),
    nullMx: source === 'null_mx',
    implicitMx: source === 'implicit',
    failures: state.failures,
    lastLookupAt: state.lastLookupAt,
  };
}

/** `history`: the domain's change-count state (DomainHistory). */
export function domainSummary({ config, state, policy }: WatchedDomain, history: TargetState) {
  return {
    domain: config.domain,
    group: config.group,
    current: state.current,
    last_lookup: state.last,
    last_lookup_at: state.lastLookupAt,
    lookup_success: state.success,
    failure_counts: state.failures,
    change_counts: history.change_counts,
    last_change_at: history.last_change_at,
    policy:
      policy === undefined
        ? null
        : { mta_sts: policy.mtaSts, dane: [...policy.dane].map(([host, lookup]) => ({ host, ...lookup })), fetch_failure_counts: policy.fetchFailures, checked_at: policy.checkedAt },
  };
}

/** The domain-level MTA-STS view (metrics' DomainPolicyStatus); null with mta_sts off or before the first check. */
export function domainPolicyStatus({ config, policy }: WatchedDomain) {
  const s = policy?.mtaSts;
  if (!config.policy.mta_sts || s == null) return null;
  return {
    domain: config.domain,
    // A cached policy still in force counts as published: senders apply it until it ages out.
    record: s.record !== null || s.record_error !== null || s.policy !== null,
    policy: s.policy === null ? null : { mode: s.policy.mode, max_age: s.policy.max_age },
    policy_id: s.policy_id,
    fetchFailures: policy!.fetchFailures,
    tlsrpt: s.tlsrpt === null ? null : { valid: s.tlsrpt.valid },
  };
}

/**
 * One discovered target's MTA-STS and DANE view (metrics' TargetPolicyStatus), from its domain's
 * last policy check and the target's last probe; null for targets of no domain with policy on.
 */
export function targetPolicyStatus(target: TargetConfig, domain: WatchedDomain | undefined, state: TargetState | undefined) {
  const mxHost = target.discovery?.mx_host;
  if (domain === undefined || mxHost === undefined || mxHost === '') return null;
  const { policy: settings } = domain.config;
  if (!settings.mta_sts && !settings.dane) return null;
  const check: PolicyState | undefined = domain.policy;
  const result = state?.last_result ?? null;
  const tls = result === null ? null : mtaStsTlsView(result, target.probe.tls.server_name ?? target.host, mxHost);
  const verdict = settings.mta_sts ? addressMtaStsVerdict(check?.mtaSts?.policy ?? null, mxHost, tls) : null;
  const lookup = settings.dane ? check?.dane.get(mxHost) : undefined;
  const facts = result?.tls?.dane;
  return {
    target: target.name,
    group: target.group,
    mtaSts: verdict === null ? null : { covered: verdict.covered, compliant: verdict.reason === 'not_probed' ? null : verdict.compliant },
    dane:
      lookup === undefined
        ? null
        : {
            status: lookup.status,
            records: lookup.records.map(formatTlsa),
            usable: lookup.records.some(isUsable),
            // Only a probe that checked this host's records says whether they match; a set of unusable
            // records only is no DANE at all (RFC 7672 §3.1.3), not a mismatch.
            match: facts === undefined || target.dane === undefined || facts.usable_records === 0 ? null : facts.matched !== null,
            spki_sha256: facts?.leaf_spki_sha256 ?? null,
            cert_sha256: facts?.leaf_cert_sha256 ?? null,
          },
  };
}
