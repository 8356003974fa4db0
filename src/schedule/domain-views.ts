// A watched domain as the metrics and the API read it, built from the watcher's state. Shapes
// match metrics' DomainStatus and http's DomainSummary (the layers below cannot import each other).
import type { DomainResolution } from '../discovery/resolve-domain.js';
import type { TargetState } from '../state/types.js';
import type { WatchedDomain } from './fleet.js';

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
export function domainSummary({ config, state }: WatchedDomain, history: TargetState) {
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
  };
}
