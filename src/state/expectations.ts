// Configured expectations checked against one probe result: a regression fires an alert even
// when there is no history to compare with.
//
// Label scheme (the `expectation` label of smtp_expectation_met), one series per configured check:
//   starttls_required, min_size_bytes, auth_requires_tls,
//   required_extension:<KEYWORD>, forbidden_extension:<KEYWORD>
// The keyword sits in the label value, not in the metric or label name, so the series count is
// bounded by the config file (each listed keyword is one series) and never by what a server sends.
import type { Expectations } from '../config/types.js';
import { capabilitiesOf, type ProbeResult } from '../probe/probe-result.js';

/**
 * expectation → met. A failed probe gives {}: the capabilities are unknown, not wrong, and the
 * probe-failing alert already covers it; reporting "not met" would fire a second alert per outage.
 */
export function evaluateExpectations(expect: Expectations, result: ProbeResult): Record<string, boolean> {
  const met: Record<string, boolean> = {};
  if (!result.success) return met;

  if (expect.starttls === 'required') {
    // Met when TLS was established (by STARTTLS, or implicitly on a TLS port). When the probe was
    // configured not to send STARTTLS, the plaintext offer is the best evidence there is.
    met.starttls_required = result.tls !== null || (result.starttls.offered && !result.starttls.attempted);
  }

  const caps = capabilitiesOf(result);
  if (expect.min_size_bytes !== undefined) {
    // Effective SIZE (inside TLS when negotiated). No number (absent or bare SIZE) cannot prove
    // that the server accepts the expected size, so it does not meet the expectation.
    const size = caps.size;
    met.min_size_bytes = size.no_fixed_limit || (size.limit_bytes !== null && size.limit_bytes >= expect.min_size_bytes);
  }

  // Required: in the effective EHLO, the one clients send mail after.
  const effective = new Set(caps.extensions.map((k) => k.toUpperCase()));
  for (const kw of expect.required_extensions ?? []) {
    met[`required_extension:${kw.toUpperCase()}`] = effective.has(kw.toUpperCase());
  }
  // Forbidden: anywhere the server advertises it, before or after TLS.
  const anywhere = new Set([...caps.extensions, ...caps.extensions_before_tls].map((k) => k.toUpperCase()));
  for (const kw of expect.forbidden_extensions ?? []) {
    met[`forbidden_extension:${kw.toUpperCase()}`] = !anywhere.has(kw.toUpperCase());
  }

  if (expect.auth_requires_tls === true) {
    // AUTH in the plaintext EHLO invites clients to send credentials in the clear. With implicit
    // TLS there is no plaintext EHLO, so the expectation holds.
    const plain = result.ehlo_before_tls;
    const plainAuth =
      caps.extensions_before_tls.some((k) => k.toUpperCase() === 'AUTH') ||
      (plain !== null && (plain.auth_mechanisms.length > 0 || 'AUTH' in plain.keywords));
    met.auth_requires_tls = !plainAuth;
  }
  return met;
}
