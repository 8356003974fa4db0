// The `_smtp._tls.<domain>` TXT record (RFC 8460 §3): where senders send TLS failure reports.
//   tlsrpt-record = %s"v=TLSRPTv1" 1*(field-delim tlsrpt-field) [field-delim]
//   tlsrpt-rua    = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)     ; required, once
//   tlsrpt-uri    = URI, "mailto:" or "https:" (commas and semicolons in it percent-encoded)
import type { DnsLookup, TxtRecord } from './dns-lookup.js';
import { badExtension, lookupTagListRecord, onlyField, selectTagListRecord, type TagListRecord } from './tag-list-record.js';

export const TLSRPT_VERSION = 'v=TLSRPTv1';

export interface TlsRptStatus {
  valid: boolean;
  /** The rua URIs as published (also when one of them is invalid); [] without a rua field. */
  rua: string[];
  error: string | null;
}

function uriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // An https: URI whose host no URL parser accepts (an `xn--` label that is not Punycode, a space)
    // is still a URI by RFC 3986's grammar, but no report can be sent to it.
    return /^https:\/\//i.test(uri) ? `rua ${JSON.stringify(uri)} names no usable host` : `rua ${JSON.stringify(uri)} is not a URI`;
  }
  if (url.protocol === 'mailto:') return /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(url.pathname)) ? null : `rua ${JSON.stringify(uri)} names no mail address`;
  if (url.protocol === 'https:') return url.hostname !== '' ? null : `rua ${JSON.stringify(uri)} names no host`;
  return `rua ${JSON.stringify(uri)} must be a mailto: or https: URI`;
}

function readSelected(owner: string, selected: TagListRecord): TlsRptStatus | null {
  if (selected.fields === null) return selected.error === null ? null : { valid: false, rua: [], error: selected.error };
  const rua = onlyField(selected.fields, 'rua');
  const uris = rua.value === null ? [] : rua.value.split(/[ \t]*,[ \t]*/);
  const problem = rua.error ?? uris.map(uriProblem).find((p) => p !== null) ?? badExtension(selected.fields, ['rua']);
  return { valid: problem === null, rua: uris, error: problem === null ? null : `${owner}: ${problem}` };
}

export function tlsRptOwner(domain: string): string {
  return `_smtp._tls.${domain}`;
}

/** null: the domain publishes no TLS-RPT record. A lookup failure or an invalid record is `valid: false`. */
export function readTlsRptRecord(domain: string, answers: readonly TxtRecord[]): TlsRptStatus | null {
  const owner = tlsRptOwner(domain);
  return readSelected(owner, selectTagListRecord(owner, answers, TLSRPT_VERSION));
}

export async function lookupTlsRpt(lookup: DnsLookup, domain: string): Promise<TlsRptStatus | null> {
  const owner = tlsRptOwner(domain);
  return readSelected(owner, await lookupTagListRecord(lookup, owner, TLSRPT_VERSION));
}
