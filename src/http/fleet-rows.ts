// One row per target for the status pages, derived from its state alone: what it says now (the
// capabilities of its last successful probe), whether it is up, and what stands out.
import type { Expectations } from '../config/types.js';
import type { EhloFacts } from '../probe/probe-result.js';
import { evaluateExpectations } from '../state/expectations.js';
import type { TargetState } from '../state/types.js';

/** Extensions that say most about a mail server at a glance, shown as badges in this order. */
export const KEY_EXTENSIONS = ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'CHUNKING', 'DSN', 'ENHANCEDSTATUSCODES', 'REQUIRETLS', 'LIMITS'] as const;

/** A change this recent makes its row stand out. */
export const RECENT_CHANGE_SECONDS = 86_400;

export type StatusKind = 'down' | 'backoff' | 'up' | 'unprobed';

export interface FleetRow {
  target: string;
  group: string;
  status: StatusKind;
  /** "stage/reason" words for a person, for down and backoff. */
  failure: string | null;
  /** The EHLO that counts (inside TLS when negotiated) of the last successful probe. */
  facts: EhloFacts | null;
  starttls: boolean | null;
  tlsVersion: string | null;
  certDaysLeft: number | null;
  /** AUTH offered in the plaintext EHLO (credentials invited in the clear); null without one. */
  authBeforeTls: boolean | null;
  badges: string[];
  failedExpectations: string[];
  lastProbeAt: number | null;
  lastChangeAt: number | null;
  recentlyChanged: boolean;
}

export interface FleetReaders {
  expectations(target: string): Expectations | undefined;
  /** Seconds the target still backs off after a 421, 0 when not; undefined for a target no longer probed. */
  backoffSeconds(target: string): number | undefined;
}

export interface Capabilities {
  /** Unix seconds of the probe they come from. */
  observedAt: number;
  before: EhloFacts | null;
  after: EhloFacts | null;
  starttlsOffered: boolean;
  tlsVersion: string | null;
}

/** What the target says: its last result when that succeeded, else the baseline (the last success). */
export function capabilitiesOf(state: TargetState): Capabilities | null {
  const last = state.last_result;
  if (last?.success) {
    return { observedAt: last.started_at, before: last.ehlo_before_tls, after: last.ehlo_after_tls, starttlsOffered: last.starttls.offered, tlsVersion: last.tls?.version ?? null };
  }
  const b = state.baseline;
  return b === null ? null : { observedAt: b.observed_at, before: b.before_tls, after: b.after_tls, starttlsOffered: b.starttls_offered, tlsVersion: b.tls_version };
}

/** What a row says that depends on the state object alone, kept per object: a state is replaced,
 *  never changed, on each probe, so a page of 10,000 targets recomputes only the probed ones. */
interface Fixed {
  expect: Expectations | undefined;
  row: Omit<FleetRow, 'status' | 'certDaysLeft' | 'recentlyChanged'>;
  probedStatus: StatusKind;
  /** Unix seconds of the earliest certificate expiry, null without a certificate. */
  certExpiry: number | null;
}

const fixedRows = new WeakMap<TargetState, Fixed>();

function fixedRow(state: TargetState, expect: Expectations | undefined): Fixed {
  const cached = fixedRows.get(state);
  if (cached !== undefined && cached.expect === expect) return cached;
  const last = state.last_result;
  const caps = capabilitiesOf(state);
  const facts = caps === null ? null : (caps.after ?? caps.before);
  const plain = caps?.before ?? null;
  const verdicts = expect === undefined || last === null ? {} : evaluateExpectations(expect, last);
  const extensions = new Set(facts?.extensions ?? []);
  const expiry = last?.tls?.chain_earliest_not_after ?? last?.tls?.cert?.not_after ?? null;
  const ms = expiry === null ? NaN : Date.parse(expiry);
  const fixed: Fixed = {
    expect,
    probedStatus: last === null ? 'unprobed' : last.success ? 'up' : 'down',
    certExpiry: Number.isNaN(ms) ? null : ms / 1000,
    row: {
      target: state.target,
      group: state.group,
      failure: last?.error ? `${last.error.stage}: ${last.error.reason}${last.error.code === null ? '' : ` (${last.error.code})`}` : null,
      facts,
      starttls: caps === null ? null : caps.starttlsOffered || caps.tlsVersion !== null,
      tlsVersion: caps?.tlsVersion ?? null,
      authBeforeTls: plain === null ? null : plain.auth_mechanisms.length > 0 || 'AUTH' in plain.keywords,
      badges: KEY_EXTENSIONS.filter((k) => extensions.has(k)),
      failedExpectations: Object.entries(verdicts).flatMap(([name, met]) => (met ? [] : [name])),
      lastProbeAt: last?.started_at ?? null,
      lastChangeAt: state.last_change_at,
    },
  };
  fixedRows.set(state, fixed);
  return fixed;
}

export function fleetRow(state: TargetState, readers: FleetReaders, nowSeconds: number): FleetRow {
  const { row, probedStatus, certExpiry } = fixedRow(state, readers.expectations(state.target));
  const status = (readers.backoffSeconds(state.target) ?? 0) > 0 ? 'backoff' : probedStatus;
  // Spelled out rather than spread: this runs for every target on every fleet page.
  return {
    target: row.target,
    group: row.group,
    status,
    failure: status === 'up' ? null : row.failure,
    facts: row.facts,
    starttls: row.starttls,
    tlsVersion: row.tlsVersion,
    certDaysLeft: certExpiry === null ? null : Math.floor((certExpiry - nowSeconds) / 86_400),
    authBeforeTls: row.authBeforeTls,
    badges: row.badges,
    failedExpectations: row.failedExpectations,
    lastProbeAt: row.lastProbeAt,
    lastChangeAt: row.lastChangeAt,
    recentlyChanged: state.last_change_at !== null && nowSeconds - state.last_change_at < RECENT_CHANGE_SECONDS,
  };
}
