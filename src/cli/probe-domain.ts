// `ehlo-exporter probe DOMAIN --mx`: what a sending MTA would reach for a domain, probed by hand —
// resolve the MX set, then probe every address (a few at a time), each dialled directly with TLS
// naming its MX host. The answer keeps the resolution's shape: MX hosts in preference order, each
// with its addresses and their probe results.
import type { DnsLookup } from '../discovery/dns-lookup.js';
import { resolveDomain, type AddressFamily, type DnsFailure, type MxSource } from '../discovery/resolve-domain.js';
import type { ProbeOptions } from '../probe/probe-options.js';
import type { ProbeResult } from '../probe/probe-result.js';
import type { TargetAddress } from '../probe/target-address.js';
import type { AddressPolicyJson, DomainPolicyJson } from './policy-report.js';
import { probeJson, type ProbeJson } from './probe-json.js';

/** Sessions open at once: enough for a handful of MX hosts, few enough to stay polite to one pool. */
export const DOMAIN_PROBE_CONCURRENCY = 4;

export interface DomainReport {
  domain: string;
  mx_source: MxSource | null;
  error: DnsFailure | null;
  mx: {
    host: string;
    preference: number;
    error: DnsFailure | null;
    addresses: { address: string; family: AddressFamily; probe: ProbeJson; /** With --policy. */ policy?: AddressPolicyJson }[];
  }[];
  /** With --policy: the MTA-STS policy and each MX host's TLSA lookup. */
  policy?: DomainPolicyJson;
}

export interface ProbeDomainDeps {
  lookup: DnsLookup;
  probe: (target: TargetAddress, options: ProbeOptions) => Promise<ProbeResult>;
  /** Called after each probe finishes (done, total), for a progress line. */
  progress?: (done: number, total: number) => void;
}

export async function probeDomain(domain: string, port: number, options: ProbeOptions, deps: ProbeDomainDeps): Promise<DomainReport> {
  const resolution = await resolveDomain(deps.lookup, domain);
  const targets: TargetAddress[] = resolution.mx.flatMap((mx) =>
    mx.addresses.map((a) => ({ target: `${mx.host}:${port}[${a.address}]`, host: mx.host, port, dial: a.address })),
  );
  const results: ProbeJson[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      results[i] = probeJson(await deps.probe(targets[i]!, options));
      deps.progress?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOMAIN_PROBE_CONCURRENCY, targets.length) }, worker));
  let i = 0;
  return {
    domain: resolution.domain,
    mx_source: resolution.mx_source,
    error: resolution.error,
    mx: resolution.mx.map((mx) => ({
      host: mx.host,
      preference: mx.preference,
      error: mx.error,
      // Same order as `targets` above.
      addresses: mx.addresses.map((a) => ({ address: a.address, family: a.family, probe: results[i++]! })),
    })),
  };
}

/** 0 when every address answered (a null MX included), 1 when a lookup or a probe failed. */
export function domainExitCode(report: DomainReport): number {
  if (report.error !== null) return 1;
  const failed = report.mx.some((mx) => mx.error !== null || mx.addresses.some((a) => !a.probe.success));
  return failed ? 1 : 0;
}
