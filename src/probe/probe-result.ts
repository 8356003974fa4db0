// The one answer a probe gives for one target and one attempt. Its field names are the
// `ehlo-exporter probe --json` contract. In memory (and in the store) each fact is held once, in the
// parsed EHLO replies; toProbeJson() adds the effective capability fields the contract also names.
import type { ProbeFailure, Stage } from '../smtp/failure.js';
import type { EhloFacts, Phase, Reply, SizeFacts, TlsFacts, TranscriptEntry, StartTlsMode } from '../smtp/types.js';

// The types a result is made of, for the layers that read results (state, metrics, http): they
// take them from here and never reach into smtp/.
export type { FailureDetail, FailureKey, FailureReason, ProbeFailure, ReplyCode, Stage } from '../smtp/failure.js';
export type { CertificateFacts, DaneCheck, DaneFacts, EhloFacts, Phase, Reply, SizeFacts, StartTlsMode, TlsaRecord, TlsFacts, TranscriptEntry } from '../smtp/types.js';

export interface ProbeResult {
  /** As given: host:port, [v6]:port. */
  target: string;
  host: string;
  port: number;
  /** The IP address actually connected to, or null when the connection never started. */
  address: string | null;
  success: boolean;
  error: ProbeFailure | null;
  /** Unix time in seconds (wall clock) when the probe started. */
  started_at: number;
  /** The final 220 greeting, or the rejecting greeting. Null when none arrived. */
  banner: Reply | null;
  /** true: EHLO accepted; false: fell back to HELO; null: never got that far. */
  esmtp: boolean | null;
  /**
   * Full parsed EHLO replies, null where that EHLO did not happen or was refused. Each fact is held
   * here once; the effective SIZE, extensions, AUTH and LIMITS are read through capabilitiesOf().
   */
  ehlo_before_tls: EhloFacts | null;
  ehlo_after_tls: EhloFacts | null;
  starttls: {
    mode: StartTlsMode;
    /** STARTTLS appeared in the plaintext EHLO. */
    offered: boolean;
    /** The client sent STARTTLS. */
    attempted: boolean;
    /** The server's reply to STARTTLS, null when not sent or not answered. */
    reply_code: number | null;
  };
  tls: TlsFacts | null;
  /** The last reply code seen at each stage. */
  reply_codes: Partial<Record<Stage, number>>;
  /** Seconds per phase that ran; `total` always present. */
  timings_seconds: Partial<Record<Phase, number>>;
  transcript: TranscriptEntry[];
}

/** What the contract names at the top level: the effective EHLO's facts, and the plaintext keywords. */
export interface Capabilities {
  /** Effective SIZE facts (after TLS when TLS was negotiated). */
  size: SizeFacts;
  /** Effective extension keywords (after TLS when negotiated), upper-case, sorted. */
  extensions: readonly string[];
  extensions_before_tls: readonly string[];
  /** Effective AUTH mechanisms, upper-case, sorted. */
  auth_mechanisms: readonly string[];
  /** Effective RFC 9422 LIMITS. */
  limits: Readonly<Record<string, number>>;
}

export type ProbeResultJson = ProbeResult & Capabilities;

const NO_SIZE: SizeFacts = Object.freeze({ advertised: false, limit_bytes: null, no_fixed_limit: false });
const NONE: readonly string[] = Object.freeze([]);
const NO_LIMITS: Readonly<Record<string, number>> = Object.freeze({});

/** The EHLO whose facts count: inside TLS when TLS was negotiated (RFC 3207 §4.2: pre-TLS facts are void). */
type WithReplies = Pick<ProbeResult, 'ehlo_before_tls' | 'ehlo_after_tls' | 'tls'>;

export function effectiveEhlo(result: WithReplies): EhloFacts | null {
  return result.ehlo_after_tls ?? (result.tls === null ? result.ehlo_before_tls : null);
}

/** The effective capabilities, as views of the parsed replies (nothing is copied). */
export function capabilitiesOf(result: WithReplies): Capabilities {
  const effective = effectiveEhlo(result);
  return {
    size: effective?.size ?? NO_SIZE,
    extensions: effective?.extensions ?? NONE,
    extensions_before_tls: result.ehlo_before_tls?.extensions ?? NONE,
    auth_mechanisms: effective?.auth_mechanisms ?? NONE,
    limits: effective?.limits ?? NO_LIMITS,
  };
}

/** The `probe --json` (and /api) form, fields in the documented order. */
export function toProbeJson<R extends Omit<ProbeResult, 'transcript'>>(result: R): R & Capabilities {
  const { target, host, port, address, success, error, started_at, banner, esmtp, ...rest } = result;
  return { target, host, port, address, success, error, started_at, banner, esmtp, ...capabilitiesOf(result), ...rest } as R & Capabilities;
}
