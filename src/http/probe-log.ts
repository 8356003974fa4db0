// The text /probe?debug=true returns, as blackbox_exporter does: the probe's log (the transcript
// with times), a summary of the result, then the metrics a normal /probe would have returned.
// Server bytes are escaped so a hostile banner cannot drive the terminal of whoever reads this.
import type { EhloFacts, ProbeResult } from '../probe/probe-result.js';

function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const list = (xs: readonly string[]) => (xs.length === 0 ? '(none)' : xs.map(printable).join(' '));

function sizeText(facts: EhloFacts | null): string {
  if (facts === null) return 'no EHLO';
  if (facts.size.no_fixed_limit) return 'no fixed limit (SIZE 0)';
  if (facts.size.limit_bytes !== null) return `${facts.size.limit_bytes} bytes`;
  return facts.size.advertised ? 'SIZE without a number' : 'not advertised';
}

function ehloLines(label: string, facts: EhloFacts | null): string[] {
  if (facts === null) return [`  ${label}: no EHLO`];
  const limits = Object.entries(facts.limits).map(([k, v]) => `${k}=${v}`);
  return [
    `  ${label}:`,
    `    extensions: ${list(facts.extensions)}`,
    `    size: ${sizeText(facts)}`,
    `    auth mechanisms: ${list(facts.auth_mechanisms)}`,
    ...(limits.length > 0 ? [`    limits: ${list(limits)}`] : []),
  ];
}

export function probeLog(result: ProbeResult, group: string | undefined, metrics: string): string {
  const out: string[] = [`Probe of ${printable(result.target)}${group ? ` (group ${printable(group)})` : ''}`, '', 'Transcript (seconds since the probe started):'];
  for (const e of result.transcript) out.push(`  ${e.t.toFixed(3).padStart(8)} ${e.dir} ${printable(e.line)}`);
  if (result.transcript.length === 0) out.push('  (empty)');

  const r = result;
  const timings = Object.entries(r.timings_seconds).map(([k, v]) => `${k}=${v}`).join(' ');
  out.push('', 'Result:');
  out.push(`  success: ${r.success}`);
  if (r.error !== null) {
    out.push(`  failure: stage=${r.error.stage} reason=${r.error.reason} code=${r.error.code ?? '-'}`);
    out.push(`  message: ${printable(r.error.message)}`);
  }
  out.push(`  host: ${printable(r.host)} port: ${r.port} address: ${r.address ?? '-'}`);
  out.push(`  started at: ${new Date(r.started_at * 1000).toISOString()}`);
  out.push(`  timings (s): ${timings || '-'}`);
  out.push(`  banner: ${r.banner === null ? '-' : `${r.banner.code} ${printable(r.banner.lines[0] ?? '')}`}`);
  out.push(`  esmtp: ${r.esmtp === null ? '-' : r.esmtp}`);
  out.push(`  starttls: mode=${r.starttls.mode} offered=${r.starttls.offered} attempted=${r.starttls.attempted} reply=${r.starttls.reply_code ?? '-'}`);
  out.push(...ehloLines('plaintext EHLO', r.ehlo_before_tls), ...ehloLines('EHLO inside TLS', r.ehlo_after_tls));
  if (r.tls !== null) {
    const t = r.tls;
    out.push(`  tls: ${t.mode} ${t.version ?? '-'} ${t.cipher ?? '-'} verified=${t.verified}${t.verify_error ? ` (${printable(t.verify_error)})` : ''}`);
    if (t.cert !== null) {
      out.push(`  certificate: subject=${printable(t.cert.subject)} issuer=${printable(t.cert.issuer)} not after=${t.cert.not_after}`);
      out.push(`  certificate sha256: ${t.cert.fingerprint_sha256}`);
    }
  }
  out.push('', 'Metrics that would have been returned:', metrics);
  return out.join('\n');
}
