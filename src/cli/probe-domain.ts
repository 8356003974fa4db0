// `ehlo-exporter probe DOMAIN --mx`: what a sending MTA would reach for a domain, probed by hand —
// resolve the MX set, then probe every address (a few at a time), each dialled directly with TLS
// naming its MX host. The answer keeps the resolution's shape: MX hosts in preference order, each
// with its addresses and their probe results.
import type { DaneLookup } from '../discovery/dane-lookup.js';
import type { DnsLookup } from '../discovery/dns-lookup.js';
import type { MtaStsDeps, MtaStsStatus } from '../discovery/mta-sts.js';
import { addressMtaStsVerdict, mtaStsTlsView } from '../discovery/policy-verdicts.js';
import type { SecureDnsClient } from '../discovery/secure-dns.js';
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
  /** --policy: the MTA-STS and DANE lookups, run once before the probes. */
  policy?: {
    refreshMtaSts: (domain: string, prev: MtaStsStatus | null, deps: MtaStsDeps) => Promise<MtaStsStatus>;
    lookupDane: (client: SecureDnsClient, mxHost: string, port: number) => Promise<DaneLookup>;
    secureDns: SecureDnsClient;
    /** Extra trusted CA for the policy fetch (--ca-file). */
    ca: string | null;
    timeoutMs: number;
    nowSeconds: number;
  };
}

/** The policy lookups of --policy, as the exporter runs them for a watched domain. */
async function lookupPolicy(domain: string, hosts: readonly string[], port: number, lookup: DnsLookup, p: NonNullable<ProbeDomainDeps['policy']>): Promise<DomainPolicyJson> {
  const [mtaSts, lookups] = await Promise.all([
    p.refreshMtaSts(domain, null, { lookup, ca: p.ca, timeoutMs: p.timeoutMs, nowSeconds: p.nowSeconds }),
    Promise.all(hosts.map(async (host) => ({ host, ...(await p.lookupDane(p.secureDns, host, port)) }))),
  ]);
  return { mta_sts: mtaSts, dane: { lookups } };
}

export async function probeDomain(domain: string, port: number, options: ProbeOptions, deps: ProbeDomainDeps): Promise<DomainReport> {
  const resolution = await resolveDomain(deps.lookup, domain);
  const policy = deps.policy === undefined ? undefined : await lookupPolicy(resolution.domain, resolution.mx.map((mx) => mx.host), port, deps.lookup, deps.policy);
  const targets: TargetAddress[] = resolution.mx.flatMap((mx) =>
    mx.addresses.map((a) => ({ target: `${mx.host}:${port}[${a.address}]`, host: mx.host, port, dial: a.address })),
  );
  /** Each address is probed with its MX host's secure TLSA set, as the exporter probes it (names: the MX host). */
  const optionsFor = (host: string): ProbeOptions => {
    const lookup = policy?.dane?.lookups.find((l) => l.host === host);
    if (lookup === undefined || lookup.status !== 'secure' || lookup.records.length === 0) return options;
    return { ...options, tls: { ...options.tls, dane: { records: [...lookup.records], names: [host] } } };
  };
  const raw: ProbeResult[] = [];
  const results: ProbeJson[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      raw[i] = await deps.probe(targets[i]!, optionsFor(targets[i]!.host));
      results[i] = probeJson(raw[i]!);
      deps.progress?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOMAIN_PROBE_CONCURRENCY, targets.length) }, worker));
  let i = 0;
  const addressPolicy = (host: string, result: ProbeResult): AddressPolicyJson => {
    const tls = mtaStsTlsView(result, options.tls.serverName ?? host, host);
    const verdict = addressMtaStsVerdict(policy?.mta_sts?.policy ?? null, host, tls);
    return { mta_sts: verdict, dane: result.tls?.dane ?? null };
  };
  const report: DomainReport = {
    domain: resolution.domain,
    mx_source: resolution.mx_source,
    error: resolution.error,
    mx: resolution.mx.map((mx) => ({
      host: mx.host,
      preference: mx.preference,
      error: mx.error,
      // Same order as `targets` above.
      addresses: mx.addresses.map((a) => {
        const n = i++;
        const probe = results[n]!;
        return policy === undefined ? { address: a.address, family: a.family, probe } : { address: a.address, family: a.family, probe, policy: addressPolicy(mx.host, raw[n]!) };
      }),
    })),
  };
  return policy === undefined ? report : { ...report, policy };
}

/** With --policy, what a policy-enforcing sender would refuse: an enforced MTA-STS verdict that fails, a DANE mismatch, a bogus TLSA lookup. */
function policyFailed(report: DomainReport): boolean {
  const enforced = report.policy?.mta_sts?.policy?.mode === 'enforce';
  const refused = report.mx.some((mx) => mx.addresses.some((a) => (enforced && a.policy?.mta_sts?.compliant === false) || (a.policy?.dane != null && a.policy.dane.usable_records > 0 && a.policy.dane.matched === null)));
  return refused || (report.policy?.dane?.lookups.some((l) => l.status === 'bogus') ?? false);
}

/** 0 when every address answered (a null MX included), 1 when a lookup or a probe failed, or (--policy) a policy-enforcing sender would refuse an address. */
export function domainExitCode(report: DomainReport): number {
  if (report.error !== null) return 1;
  const failed = report.mx.some((mx) => mx.error !== null || mx.addresses.some((a) => !a.probe.success));
  return failed || policyFailed(report) ? 1 : 0;
}
