// The targets a resolved set becomes: one per address of each MX host (or of an `all_addresses`
// host), named `mx1.example.com:25[192.0.2.10]` / `mx1.example.com:25[2001:db8::1]`: unique, stable
// while DNS is, and readable as "this address of this host". The session dials the address; SNI
// and the certificate check name the host (target-probe-options.ts), as a sending MTA does.
import type { DomainConfig, TargetConfig } from '../config/types.js';
import type { DomainResolution } from '../discovery/resolve-domain.js';
import type { DaneCheck } from '../smtp/types.js';

export function discoveredTargetName(host: string, port: number, address: string): string {
  return `${host}:${port}[${address}]`;
}

type Template = Pick<TargetConfig, 'port' | 'group' | 'schedule' | 'probe' | 'expectations'>;

/** A host's TLSA records to check (issue 11), or null: no DANE for its targets. */
type DaneFor = (mxHost: string) => DaneCheck | null;

function addressTargets(from: Template, set: DomainResolution, domain: string | null, daneFor: DaneFor): TargetConfig[] {
  return set.mx.flatMap((mx) => {
    const dane = daneFor(mx.host);
    return mx.addresses.map((a) => ({
      name: discoveredTargetName(mx.host, from.port, a.address),
      host: mx.host,
      port: from.port,
      group: from.group,
      schedule: from.schedule,
      probe: from.probe,
      expectations: from.expectations,
      discovery: {
        domain: domain ?? '',
        mx_host: domain === null ? '' : mx.host,
        mx_preference: domain === null ? null : mx.preference,
        family: a.family,
        address: a.address,
      },
      ...(dane === null ? {} : { dane }),
    }));
  });
}

/** `daneFor`: the secure TLSA set of each MX host, when the domain checks DANE. */
export function domainTargets(domain: DomainConfig, set: DomainResolution, daneFor: DaneFor = () => null): TargetConfig[] {
  return addressTargets(domain, set, domain.domain, daneFor);
}

/** An `all_addresses` host target's addresses (its `domain`, `mx_host` and `mx_preference` stay empty; no DANE). */
export function hostTargets(target: TargetConfig, set: DomainResolution): TargetConfig[] {
  return addressTargets(target, set, null, () => null);
}
