// DomainStatus → the smtp_domain_* series: what DNS says about each watched domain, rebuilt at
// every scrape (a handful of series per domain; its change counts are rendered with the targets').
import type { DomainStatus } from './exporter-status.js';
import { DOMAIN_METRICS as D } from './metric-definitions.js';
import type { SeriesSink } from './series-writer.js';

export function addDomainSeries(buf: SeriesSink, domains: readonly DomainStatus[]): void {
  for (const d of domains) {
    // No success series before the first lookup: 0 would read as a failure that did not happen.
    if (d.lookupSuccess !== null) buf.add(D.lookupSuccess, null, d.lookupSuccess ? 1 : 0, d.domain);
    buf.add(D.mxHosts, null, d.mxHosts, d.domain);
    buf.add(D.addresses, null, d.addresses.ipv4, d.domain, 'ipv4');
    buf.add(D.addresses, null, d.addresses.ipv6, d.domain, 'ipv6');
    buf.add(D.nullMx, null, d.nullMx ? 1 : 0, d.domain);
    buf.add(D.implicitMx, null, d.implicitMx ? 1 : 0, d.domain);
    for (const reason of Object.keys(d.failures).sort()) buf.add(D.lookupFailures, null, d.failures[reason] ?? 0, d.domain, reason);
    if (d.lastLookupAt !== null) buf.add(D.lastLookup, null, d.lastLookupAt, d.domain);
  }
}
