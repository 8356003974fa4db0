// The one answer a probe gives for one target and one attempt. Its field names are the
// `ehlo-exporter probe --json` contract, so the same object is printed, stored and served.
import type { ProbeFailure, Stage } from '../smtp/failure.js';
import type { EhloFacts, Phase, Reply, SizeFacts, TlsFacts, TranscriptEntry, StartTlsMode } from '../smtp/types.js';

// The types a result is made of, for the layers that read results (state, metrics, http): they
// take them from here and never reach into smtp/.
export type { FailureDetail, FailureKey, FailureReason, ProbeFailure, ReplyCode, Stage } from '../smtp/failure.js';
export type { CertificateFacts, EhloFacts, Phase, Reply, SizeFacts, StartTlsMode, TlsFacts, TranscriptEntry } from '../smtp/types.js';

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
  /** Effective SIZE facts (after TLS when TLS was negotiated). */
  size: SizeFacts;
  /** Effective extension keywords (after TLS when negotiated), upper-case, sorted. */
  extensions: readonly string[];
  extensions_before_tls: readonly string[];
  /** Effective AUTH mechanisms, upper-case, sorted. */
  auth_mechanisms: readonly string[];
  /** Effective RFC 9422 LIMITS. */
  limits: Readonly<Record<string, number>>;
  /** Full parsed EHLO replies, null where that EHLO did not happen or was refused. */
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
