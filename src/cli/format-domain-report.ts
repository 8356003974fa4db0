// The person-readable answer of `ehlo-exporter probe DOMAIN --mx`: one line per address, and a
// mark on every value that differs from what most addresses of the domain answer — the one pool
// member restarted with an old config is what on-call is looking for.
import { addressPolicyCells, formatDomainPolicy } from './policy-report.js';
import type { DomainReport } from './probe-domain.js';
import type { ProbeJson } from './probe-json.js';

const COLUMNS = ['MX', 'ADDRESS', 'RESULT', 'SIZE', 'STARTTLS', 'TLS', 'CERTIFICATE'] as const;
/** With --policy: the verdicts of an MTA-STS and of a DANE sender. */
const POLICY_COLUMNS = ['MTA-STS', 'DANE'] as const;
/** Columns whose values are compared across addresses (MX and address differ by nature). */
const FIRST_COMPARED = 2;
const MARK = '*';

function cells(p: ProbeJson, nowSeconds: number): string[] {
  const result = p.error === null ? 'OK' : `FAILED ${p.error.stage}/${p.error.reason}`;
  const size =
    p.size === null ? 'unknown' : !p.size.advertised ? 'none' : p.size.no_fixed_limit ? 'no limit' : p.size.limit_bytes === null ? 'bare' : String(p.size.limit_bytes);
  const starttls = p.ehlo_before_tls === null ? '-' : p.starttls.offered ? 'offered' : 'not offered';
  const tls = p.tls?.version ?? '-';
  let cert = '-';
  if (p.tls?.cert) {
    const days = Math.floor((Date.parse(p.tls.cert.not_after) / 1000 - nowSeconds) / 86400);
    cert = `${p.tls.verified ? 'verified' : `not verified (${p.tls.verify_error ?? '?'})`}, ${days}d left`;
  }
  return [result, size, starttls, tls, cert];
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

export function formatDomainReport(report: DomainReport, nowSeconds: number): string {
  const out: string[] = [];
  const source = { mx: 'MX records', implicit: 'no MX records: the domain itself is the implicit MX (RFC 5321 §5.1)', null_mx: 'null MX: the domain accepts no mail (RFC 7505)' };
  out.push(`Domain      ${report.domain}`);
  if (report.error !== null) {
    out.push(`DNS         FAILED: ${report.error.reason}: ${report.error.message}`);
    return out.join('\n') + '\n';
  }
  out.push(`DNS         ${report.mx_source === null ? '?' : source[report.mx_source]}`);
  const policy = report.policy;
  if (policy !== undefined) out.push(...formatDomainPolicy(policy));
  const columns: readonly string[] = policy === undefined ? COLUMNS : [...COLUMNS, ...POLICY_COLUMNS];
  const rows: string[][] = [];
  for (const mx of report.mx) {
    const name = `${mx.preference} ${mx.host}`;
    if (mx.error !== null) out.push(`MX          ${name}: ${mx.error.reason}: ${mx.error.message}`);
    for (const a of mx.addresses) rows.push([name, a.address, ...cells(a.probe, nowSeconds), ...(policy === undefined ? [] : addressPolicyCells(a.policy))]);
  }
  if (rows.length === 0) return out.join('\n') + '\n';
  const common = columns.map((_, c) => (c >= FIRST_COMPARED ? mostCommon(rows.map((r) => r[c]!)) : null));
  const marked = rows.map((r) => r.map((v, c) => (rows.length > 1 && common[c] !== null && v !== common[c] ? `${MARK}${v}` : v)));
  const widths = columns.map((h, c) => Math.max(h.length, ...marked.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  out.push('', line(columns), ...marked.map(line));
  if (marked.some((r, i) => r.some((v, c) => v !== rows[i]![c]))) out.push('', `${MARK} differs from what most addresses of ${report.domain} answer`);
  return out.join('\n') + '\n';
}
