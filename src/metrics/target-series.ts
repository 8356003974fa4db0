// TargetState → series: the one pure mapping behind /metrics and /probe. No I/O, no clock.
//
// Which probe each family describes:
// - success, durations, reply codes, esmtp, TLS session facts, target and banner info: the last
//   probe, whatever its outcome, so an outage is visible.
// - capabilities (SIZE, extensions, AUTH, LIMITS, STARTTLS offered): the last *successful* probe
//   (the last result when it succeeded, else the baseline). A server that is down has not lost its
//   extensions; exporting them from the failed probe would flip every `smtp_extension_advertised`
//   to 0 and fire the extension-removed alert on each outage. `smtp_probe_success` says it is down.
import type { DiscoveredFrom } from '../config/types.js';
import type { EhloFacts, Phase, Stage } from '../probe/probe-result.js';
import { failureEntries } from '../state/failure-counts.js';
import { CHANGE_KINDS, type TargetState } from '../state/types.js';
import {
  MAX_AUTH_MECHANISMS_PER_SIDE,
  MAX_EXTENSIONS_PER_SIDE,
  MAX_LIMITS_PER_SIDE,
  bannerLabel,
  isExtensionKeyword,
  isLimitName,
  isSaslMechanism,
  shortLabel,
} from './label-values.js';
import { TARGET_METRICS as M } from './metric-definitions.js';
import type { SeriesSink } from './series-writer.js';
import { sharedLabels, type SharedLabels } from './text-format.js';

export interface TargetExtras {
  /** Where a discovered target came from: smtp_target_info's domain, mx_host, mx_preference and family. */
  discovery?: DiscoveredFrom;
  /** Configured expectations already evaluated against the last result: label value → met. */
  expectations?: Record<string, boolean>;
  /** Seconds of 421 back-off left; leave out where it has no meaning (on-demand probes). */
  backoffSeconds?: number;
}

const PHASES: readonly Exclude<Phase, 'total'>[] = ['connect', 'greeting', 'ehlo', 'starttls', 'tls_handshake', 'ehlo_tls', 'quit'];
const STAGES: readonly Stage[] = ['connect', 'greeting', 'ehlo', 'helo', 'starttls', 'tls_handshake', 'ehlo_tls', 'quit'];

interface Capabilities {
  before: EhloFacts | null;
  after: EhloFacts | null;
  starttlsOffered: boolean;
}

function capabilitiesOf(state: TargetState): Capabilities | null {
  const r = state.last_result;
  if (r !== null && r.success) {
    return { before: r.ehlo_before_tls, after: r.ehlo_after_tls, starttlsOffered: r.starttls.offered };
  }
  const b = state.baseline;
  if (b !== null) return { before: b.before_tls, after: b.after_tls, starttlsOffered: b.starttls_offered };
  return null;
}

function isoToSeconds(iso: string | null | undefined): number | null {
  if (iso == null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export function addTargetSeries(buf: SeriesSink, state: TargetState, extras: TargetExtras = {}): void {
  const target = state.target;
  const group = state.group;
  // Rendered once for all of this target's series.
  const base = sharedLabels({ target, group });
  const r = state.last_result;

  if (r !== null) {
    buf.add(M.probeSuccess, base, r.success ? 1 : 0);
    const total = r.timings_seconds.total;
    if (total !== undefined) buf.add(M.probeDuration, base, total);
    for (const phase of PHASES) {
      const s = r.timings_seconds[phase];
      if (s !== undefined) buf.add(M.phaseDuration, base, s, phase);
    }
    buf.add(M.lastProbe, base, r.started_at);
    for (const stage of STAGES) {
      const code = r.reply_codes[stage];
      if (code !== undefined) buf.add(M.replyCode, base, code, stage);
    }
    if (r.esmtp !== null) buf.add(M.esmtp, base, r.esmtp ? 1 : 0);
    const tls = r.tls;
    if (tls !== null) {
      buf.add(M.tlsInfo, base, 1, shortLabel(tls.version), shortLabel(tls.cipher));
      const notAfter = isoToSeconds(tls.chain_earliest_not_after ?? tls.cert?.not_after);
      if (notAfter !== null) buf.add(M.certNotAfter, base, notAfter);
      buf.add(M.certVerified, base, tls.verified ? 1 : 0);
    }
    const d = extras.discovery;
    buf.add(M.targetInfo, base, 1, r.host, String(r.port), r.address ?? '', d?.domain ?? '', d?.mx_host ?? '', d?.mx_preference?.toString() ?? '', d?.family ?? '');
    const firstLine = r.banner?.lines[0];
    if (firstLine !== undefined) buf.add(M.bannerInfo, base, 1, bannerLabel(firstLine));
  }

  const lastSuccess = r !== null && r.success ? r.started_at : state.baseline?.observed_at;
  if (lastSuccess !== undefined) buf.add(M.lastSuccess, base, lastSuccess);

  for (const [{ stage, reason }, n] of failureEntries(state.failure_counts)) buf.add(M.failures, base, n, stage, reason);

  const caps = capabilitiesOf(state);
  if (caps !== null) {
    if (caps.before !== null) buf.add(M.starttlsAdvertised, base, caps.starttlsOffered ? 1 : 0);
    addSide(buf, base, 'false', caps.before, state.known_extensions.plain);
    addSide(buf, base, 'true', caps.after, state.known_extensions.tls);
  }

  for (const change of CHANGE_KINDS) {
    const n = state.change_counts[change];
    if (n !== undefined) buf.add(M.changes, base, n, change);
  }
  if (state.last_change_at !== null) buf.add(M.lastChange, base, state.last_change_at);

  if (extras.expectations !== undefined) {
    for (const expectation in extras.expectations) {
      buf.add(M.expectation, base, extras.expectations[expectation] ? 1 : 0, expectation);
    }
  }
  if (extras.backoffSeconds !== undefined) buf.add(M.backoff, base, extras.backoffSeconds);
}

/** The capabilities of one EHLO (tls "false": plaintext, "true": inside TLS). */
function addSide(
  buf: SeriesSink,
  base: SharedLabels,
  tls: 'false' | 'true',
  facts: EhloFacts | null,
  known: Record<string, number>,
): void {
  // A side that was not seen at all (STARTTLS gone, EHLO refused) exports nothing rather than 0
  // for every remembered keyword: one fault is one alert (starttls_lost / esmtp), not twenty.
  if (facts === null) return;
  if (facts.size.no_fixed_limit) buf.add(M.sizeLimit, base, Infinity, tls);
  else if (facts.size.limit_bytes !== null) buf.add(M.sizeLimit, base, facts.size.limit_bytes, tls);

  // Advertised keywords take the cap first; then the remembered ones no longer advertised get 0.
  // Only advertised keywords that could not be labelled are counted: remembered ones went through
  // the same grammar when first seen, and the store forgets them after retention.
  const labelled = new Set<string>();
  let unlabelled = 0;
  for (const extension of facts.extensions) {
    if (labelled.has(extension)) continue;
    if (labelled.size >= MAX_EXTENSIONS_PER_SIDE || !isExtensionKeyword(extension)) {
      unlabelled++;
      continue;
    }
    labelled.add(extension);
    buf.add(M.extension, base, 1, extension, tls);
  }
  const gone = Object.keys(known).filter((k) => !labelled.has(k) && isExtensionKeyword(k)).sort();
  for (const extension of gone) {
    if (labelled.size >= MAX_EXTENSIONS_PER_SIDE) break;
    labelled.add(extension);
    buf.add(M.extension, base, 0, extension, tls);
  }
  buf.add(M.extensionsUnlabelled, base, unlabelled, tls);

  let mechanisms = 0;
  for (const mechanism of facts.auth_mechanisms) {
    if (mechanisms >= MAX_AUTH_MECHANISMS_PER_SIDE) break;
    if (!isSaslMechanism(mechanism)) continue;
    mechanisms++;
    buf.add(M.authMechanism, base, 1, mechanism, tls);
  }
  let limits = 0;
  for (const limit in facts.limits) {
    const value = facts.limits[limit];
    if (limits >= MAX_LIMITS_PER_SIDE) break;
    if (value === undefined || !Number.isFinite(value) || !isLimitName(limit)) continue;
    limits++;
    buf.add(M.limit, base, value, limit, tls);
  }
}
