// DomainPolicyStatus and TargetPolicyStatus → the MTA-STS, TLS-RPT and DANE series, rebuilt at every
// scrape like the domain series (a few series per domain and per discovered target; they change
// with DNS and policy checks, not with each probe's result alone, so they stay out of the
// per-target fragment cache). Series exist only where they mean something:
// - no MTA-STS series for a domain without an _mta-sts record (only its failure counts, if any);
//   info and max_age only while a policy is in force;
// - covered/compliant only for targets of a domain whose policy in force is enforce or testing
//   (mode none asks nothing of an MX), compliant only once the target was probed;
// - DANE series only for targets of a domain with DANE on, once its MX host was looked up; the
//   record count, usable and the record info only for a secure answer, match only after a DANE
//   check of the presented chain.
import type { DomainPolicyStatus, TargetPolicyStatus } from './exporter-status.js';
import { POLICY_METRICS as P } from './metric-definitions.js';
import type { SeriesSink } from './series-writer.js';
import { sharedLabels } from './text-format.js';

/** Bounds the record info series per target: a host publishes one or two records in practice. */
export const MAX_TLSA_RECORD_SERIES = 8;

const bit = (b: boolean): number => (b ? 1 : 0);

export function addDomainPolicySeries(buf: SeriesSink, domains: readonly DomainPolicyStatus[]): void {
  for (const d of domains) {
    if (d.record) {
      buf.add(P.mtaStsValid, null, bit(d.policy !== null), d.domain);
      if (d.policy !== null) {
        buf.add(P.mtaStsInfo, null, 1, d.domain, d.policy.mode, d.policy_id ?? '');
        buf.add(P.mtaStsMaxAge, null, d.policy.max_age, d.domain);
      }
    }
    for (const reason of Object.keys(d.fetchFailures).sort()) buf.add(P.mtaStsFetchFailures, null, d.fetchFailures[reason] ?? 0, d.domain, reason);
    if (d.tlsrpt !== null) buf.add(P.tlsrptValid, null, bit(d.tlsrpt.valid), d.domain);
  }
}

export function addTargetPolicySeries(buf: SeriesSink, targets: readonly TargetPolicyStatus[]): void {
  for (const t of targets) {
    const shared = sharedLabels({ target: t.target, group: t.group });
    if (t.mtaSts !== null) {
      buf.add(P.mxCovered, shared, bit(t.mtaSts.covered));
      if (t.mtaSts.compliant !== null) buf.add(P.compliant, shared, bit(t.mtaSts.compliant));
    }
    const dane = t.dane;
    if (dane === null) continue;
    buf.add(P.daneLookup, shared, 1, dane.status);
    buf.add(P.dnssecSecure, shared, bit(dane.status === 'secure'));
    if (dane.status !== 'secure') continue;
    buf.add(P.tlsaRecords, shared, dane.records.length);
    if (dane.records.length === 0) continue;
    buf.add(P.daneUsable, shared, bit(dane.usable));
    for (const record of dane.records.slice(0, MAX_TLSA_RECORD_SERIES)) buf.add(P.tlsaRecord, shared, 1, record);
    if (dane.match !== null) buf.add(P.tlsaMatch, shared, bit(dane.match));
    if (dane.spki_sha256 !== null) buf.add(P.presented, shared, 1, dane.spki_sha256, dane.cert_sha256 ?? '');
  }
}
