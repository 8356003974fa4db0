// Everything one SMTP session observed, as plain data; src/probe turns it into a ProbeResult.
import type { ProbeFailure, Stage } from './failure.js';
import type { EhloFacts, Phase, Reply, TlsFacts, TranscriptEntry } from './types.js';

export interface SessionRecord {
  /** The IP address connected to; null when no connection was made. */
  address: string | null;
  banner: Reply | null;
  /** true: EHLO accepted; false: HELO fallback; null: never got that far. */
  esmtp: boolean | null;
  /** The plaintext EHLO (null with implicit TLS, HELO fallback, or failure before it). */
  ehloBeforeTls: EhloFacts | null;
  /** The EHLO inside TLS, after STARTTLS or implicit TLS. */
  ehloAfterTls: EhloFacts | null;
  starttls: {
    offered: boolean;
    attempted: boolean;
    replyCode: number | null;
    /** Bytes the server sent after its STARTTLS 220 and before TLS; dropped (RFC 3207 §4.2). */
    discardedBytes: number;
  };
  tls: TlsFacts | null;
  replyCodes: Partial<Record<Stage, number>>;
  /** Seconds per phase that ran, `total` always set. */
  timings: Partial<Record<Phase, number>>;
  failure: ProbeFailure | null;
  transcript: TranscriptEntry[];
}

export function emptySessionRecord(): SessionRecord {
  return {
    address: null,
    banner: null,
    esmtp: null,
    ehloBeforeTls: null,
    ehloAfterTls: null,
    starttls: { offered: false, attempted: false, replyCode: null, discardedBytes: 0 },
    tls: null,
    replyCodes: {},
    timings: {},
    failure: null,
    transcript: [],
  };
}
