// The person-readable answer of `ehlo-exporter probe`: what on-call needs at 3 a.m., in the order
// they ask for it — did it work, what did it say, what can it take, is TLS healthy, where did time go.
import { capabilitiesOf, type EhloFacts, type ProbeResult, type SizeFacts } from '../probe/probe-result.js';
import { effectiveUnknown } from './probe-json.js';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 'bytes';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit === 'bytes' ? `${bytes} bytes` : `${value.toFixed(1)} ${unit}`;
}

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(3)}s`;
}

function describeSize(size: SizeFacts): string {
  if (!size.advertised) return 'not advertised';
  if (size.no_fixed_limit) return 'advertised with no fixed limit (SIZE 0)';
  if (size.limit_bytes === null) return 'advertised without a limit (bare SIZE)';
  return `${size.limit_bytes} bytes (${humanBytes(size.limit_bytes)})`;
}

function keywordLine(facts: EhloFacts, keyword: string): string {
  const params = facts.keywords[keyword] ?? [];
  return params.length > 0 ? `${keyword} ${params.join(' ')}` : keyword;
}

/** Effective extensions with their parameters; `+`/`-` mark what STARTTLS added or removed. */
function extensionLines(result: ProbeResult): string[] {
  const before = result.ehlo_before_tls;
  const after = result.ehlo_after_tls;
  if (!before) return ['  (none: no EHLO reply)'];
  if (!after) return before.extensions.map((k) => `  ${keywordLine(before, k)}`);
  const names = [...new Set([...before.extensions, ...after.extensions])].sort();
  return names.map((k) => {
    if (!after.keywords[k]) return `- ${keywordLine(before, k)}   (before TLS only)`;
    if (!before.keywords[k]) return `+ ${keywordLine(after, k)}   (after TLS only)`;
    return `  ${keywordLine(after, k)}`;
  });
}

function tlsLines(result: ProbeResult, now: number): string[] {
  const { tls, starttls } = result;
  const lines: string[] = [];
  if (!tls) {
    const why = starttls.offered ? (starttls.mode === 'never' ? 'offered, not used (--starttls never)' : 'offered, not negotiated') : 'not offered';
    lines.push(`STARTTLS    ${why}`);
    return lines;
  }
  lines.push(`TLS         ${tls.version ?? '?'} ${tls.cipher ?? '?'} (${tls.mode === 'implicit' ? 'implicit TLS' : 'after STARTTLS'})`);
  if (tls.cert) {
    const days = Math.floor((Date.parse(tls.cert.not_after) / 1000 - now) / 86400);
    lines.push(`Certificate ${tls.cert.subject}`);
    if (tls.cert.sans.length > 0) lines.push(`  names     ${tls.cert.sans.join(', ')}`);
    lines.push(`  issuer    ${tls.cert.issuer}`);
    lines.push(`  valid     ${tls.cert.not_before} to ${tls.cert.not_after} (${days < 0 ? `EXPIRED ${-days} days ago` : `${days} days left`})`);
    if (tls.chain_earliest_not_after && tls.chain_earliest_not_after !== tls.cert.not_after) {
      lines.push(`  chain     earliest expiry ${tls.chain_earliest_not_after}`);
    }
    lines.push(`  sha256    ${tls.cert.fingerprint_sha256}`);
  }
  lines.push(`  verified  ${tls.verified ? 'yes' : `NO (${tls.verify_error ?? 'unknown reason'})`}`);
  return lines;
}

export function formatProbeResult(result: ProbeResult, options: { transcript: boolean; nowSeconds: number }): string {
  const out: string[] = [];
  const where = result.address && result.address !== result.host ? ` (${result.address})` : '';
  out.push(`Target      ${result.target}${where}`);
  const total = seconds(result.timings_seconds.total);
  if (result.error) {
    const { stage, reason, detail, code, message } = result.error;
    out.push(`Result      FAILED at ${stage}: ${reason}${code !== null ? ` (${code})` : ''} after ${total}`);
    out.push(`            ${message}${detail !== null ? ` [${detail}]` : ''}`);
  } else {
    out.push(`Result      OK in ${total}`);
  }
  if (result.banner) out.push(`Greeting    ${result.banner.code} ${result.banner.lines.join(' / ')}`);
  if (result.esmtp !== null) out.push(`ESMTP       ${result.esmtp ? 'yes (EHLO accepted)' : 'no (EHLO refused, HELO used)'}`);
  if (result.ehlo_before_tls && effectiveUnknown(result)) {
    // The set inside TLS was never seen: say so, and show what the plaintext EHLO announced.
    out.push(`SIZE        unknown inside TLS; before TLS: ${describeSize(result.ehlo_before_tls.size)}`);
    out.push('Extensions (before TLS; the set inside TLS is unknown)');
    out.push(...result.ehlo_before_tls.extensions.map((k) => `  ${keywordLine(result.ehlo_before_tls!, k)}`));
  } else if (result.ehlo_before_tls) {
    const { size, auth_mechanisms: mechanisms, limits: advertised } = capabilitiesOf(result);
    out.push(`SIZE        ${describeSize(size)}`);
    out.push(`AUTH        ${mechanisms.length > 0 ? mechanisms.join(' ') : 'not offered'}`);
    const limits = Object.entries(advertised);
    if (limits.length > 0) out.push(`LIMITS      ${limits.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    out.push(`Extensions${result.ehlo_after_tls ? ' (after TLS; +/- what STARTTLS changed)' : ''}`);
    out.push(...extensionLines(result));
    const malformed = [...(result.ehlo_before_tls.malformed ?? []), ...(result.ehlo_after_tls?.malformed ?? [])];
    if (malformed.length > 0) out.push(`Malformed   ${malformed.map((l) => JSON.stringify(l)).join(', ')}`);
  }
  if (result.ehlo_before_tls || result.tls) out.push(...tlsLines(result, options.nowSeconds));
  const phases = Object.entries(result.timings_seconds).filter(([p]) => p !== 'total');
  out.push(`Timings     ${phases.map(([p, s]) => `${p} ${seconds(s)}`).join(', ')}; total ${total}`);
  if (options.transcript) {
    out.push('Transcript');
    for (const e of result.transcript) out.push(`  ${e.t.toFixed(3).padStart(8)} ${e.dir} ${e.line}`);
  }
  return out.join('\n') + '\n';
}
