// What the exporter remembers about each target, and the change events it derives.
import type { EhloFacts } from '../smtp/types.js';
import type { ProbeResult } from '../probe/probe-result.js';
import type { FailureCounts } from './failure-counts.js';

export type ChangeKind =
  | 'size_increased'
  | 'size_decreased'
  | 'extension_added'
  | 'extension_removed'
  | 'auth_mechanism_added'
  | 'auth_mechanism_removed'
  | 'starttls_lost'
  | 'starttls_gained'
  | 'limits_changed'
  | 'tls_version_changed'
  | 'certificate_changed'
  // A domain's MX and address set (issue 10), recorded under the domain's name.
  | 'mx_added'
  | 'mx_removed'
  | 'mx_preference_changed'
  | 'address_added'
  | 'address_removed'
  // A domain's mail TLS policy (issue 11), also under the domain's name: its MTA-STS policy in
  // force, that policy's mode, and an MX host's DNSSEC-validated TLSA set.
  | 'mta_sts_policy_changed'
  | 'mta_sts_mode_changed'
  | 'tlsa_changed';

/** The kinds recorded under a watched domain's name: its MX and address set, and its mail TLS policy. */
export const DOMAIN_CHANGE_KINDS = [
  'mx_added',
  'mx_removed',
  'mx_preference_changed',
  'address_added',
  'address_removed',
  'mta_sts_policy_changed',
  'mta_sts_mode_changed',
  'tlsa_changed',
] as const satisfies readonly ChangeKind[];

export const CHANGE_KINDS: readonly ChangeKind[] = [
  'size_increased',
  'size_decreased',
  'extension_added',
  'extension_removed',
  'auth_mechanism_added',
  'auth_mechanism_removed',
  'starttls_lost',
  'starttls_gained',
  'limits_changed',
  'tls_version_changed',
  'certificate_changed',
  ...DOMAIN_CHANGE_KINDS,
];

export interface ChangeEvent {
  target: string;
  /** Unix seconds. */
  at: number;
  kind: ChangeKind;
  /** Which EHLO the change was seen in: false plaintext, true inside TLS, null for session-wide facts and DNS. */
  tls: boolean | null;
  /** The extension, mechanism or limit concerned, when there is one. */
  subject: string | null;
  old_value: string | null;
  new_value: string | null;
}

/** The last known capabilities, from the last successful probe. */
export interface Baseline {
  /** Unix seconds of the probe it came from. */
  observed_at: number;
  before_tls: EhloFacts | null;
  after_tls: EhloFacts | null;
  starttls_offered: boolean;
  tls_version: string | null;
  cert_fingerprint_sha256: string | null;
}

/** RFC 5321 §3.8 politeness: consecutive 421 answers, and until when the target is left alone. */
export interface BackoffState {
  strikes: number;
  /** Unix milliseconds (wall clock), so it means the same after a restart. */
  until_ms: number;
}

/** Everything remembered of one target; this survives restarts. */
export interface TargetState {
  target: string;
  group: string;
  last_result: ProbeResult | null;
  baseline: Baseline | null;
  /**
   * Extensions seen at some time, by TLS flag, with when they were last seen (unix seconds):
   * keeps `smtp_extension_advertised 0` for one that vanished, until it is forgotten after retention.
   */
  known_extensions: { plain: Record<string, number>; tls: Record<string, number> };
  /** Change events counted since the store was created, per kind. */
  change_counts: Partial<Record<ChangeKind, number>>;
  /** Unix seconds of the latest change event, null if none. */
  last_change_at: number | null;
  /** Probe failures counted per stage and reason. */
  failure_counts: FailureCounts;
  /** The 421 back-off under way after the last probe, kept so that a restart does not cut it short. */
  backoff: BackoffState | null;
}

/** One stored transcript of a successful probe (transcript-history.ts). */
export interface StoredTranscript {
  target: string;
  /** Unix seconds when the probe started. */
  started_at: number;
  timings_seconds: ProbeResult['timings_seconds'];
  entries: ProbeResult['transcript'];
}
