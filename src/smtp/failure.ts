// The one vocabulary of probe failures: where (stage), why (reason) and the precise cause (detail,
// a stable code). Each cause is named by its detail code where it is known (socket, reply framing,
// TLS, deadline); its reason follows from the table below, so every reason is decided here once.
// People read `message`; programs, metrics and tests read the fields.

export type Stage = 'connect' | 'greeting' | 'ehlo' | 'helo' | 'starttls' | 'tls_handshake' | 'ehlo_tls' | 'quit';

export type FailureReason =
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'closed'
  | 'dns'
  | 'rejected' // a 4xx/5xx reply other than 421
  | 'service_unavailable' // 421: the server is shutting the channel, often rate limiting; kept distinct
  | 'starttls_not_offered' // starttls: required, and the server did not advertise it
  | 'protocol_error' // bytes that are not SMTP, or a reply exceeding our bounds
  | 'tls_error' // handshake failed, or TLS broke afterwards
  | 'tls_verify' // handshake succeeded but the certificate did not verify and the probe was told to care
  | 'network_error';

/** Each detail code and the reason it belongs to. */
const REASON_OF = {
  ERR_CONNECT_TIMEOUT: 'timeout',
  ERR_REPLY_TIMEOUT: 'timeout',
  ERR_REPLY_INCOMPLETE: 'timeout',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'timeout',
  ERR_SOCKET_TIMEOUT: 'timeout',
  ERR_DEADLINE: 'timeout',
  ERR_CONNECTION_REFUSED: 'refused',
  ERR_CONNECTION_RESET: 'reset',
  ERR_SERVER_CLOSED: 'closed',
  ERR_SERVER_CLOSED_MID_REPLY: 'closed',
  ERR_CONNECTION_CLOSED: 'closed',
  ERR_DNS: 'dns',
  ERR_REPLY_REJECTED: 'rejected',
  ERR_SERVICE_UNAVAILABLE: 'service_unavailable',
  ERR_STARTTLS_NOT_ADVERTISED: 'starttls_not_offered',
  ERR_STARTTLS_NO_ESMTP: 'starttls_not_offered',
  // Reply framing (smtp/errors.ts raises these while reading).
  ERR_LINE_TOO_LONG: 'protocol_error',
  ERR_REPLY_TOO_MANY_LINES: 'protocol_error',
  ERR_REPLY_TOO_LARGE: 'protocol_error',
  ERR_MALFORMED_REPLY: 'protocol_error',
  ERR_REPLY_CODE_CHANGED: 'protocol_error',
  ERR_UNEXPECTED_DATA: 'protocol_error',
  ERR_DATA_BEFORE_COMMAND: 'protocol_error',
  ERR_TLS_HANDSHAKE: 'tls_error',
  ERR_TLS_CLOSED_IN_HANDSHAKE: 'tls_error',
  /** OpenSSL refused a record on an established session (forged, plaintext, alert). */
  ERR_TLS_RECORD: 'tls_error',
  /** The probe's own TLS options (a CA bundle that does not parse) made the session impossible. */
  ERR_TLS_OPTIONS: 'tls_error',
  ERR_CERT_NOT_VERIFIED: 'tls_verify',
  /** Any other socket error (its errno is in the message), or an error nobody foresaw. */
  ERR_NETWORK: 'network_error',
  /**
   * The probe worker thread running the session died or stopped answering before the probe ended
   * (src/probe/probe-pool.ts); what the server did is unknown, so it is not blamed on the server.
   */
  ERR_PROBE_WORKER_LOST: 'network_error',
} as const satisfies Record<string, FailureReason>;

export type FailureDetail = keyof typeof REASON_OF;

export const FAILURE_DETAILS = Object.keys(REASON_OF) as readonly FailureDetail[];

export function reasonOf(detail: FailureDetail): FailureReason {
  return REASON_OF[detail];
}

/** An SMTP reply code (RFC 5321 §4.2), e.g. 421. */
export type ReplyCode = number;

/** A probe's failure as data. The field names are the `probe --json` contract. */
export interface ProbeFailure {
  stage: Stage;
  reason: FailureReason;
  /**
   * The precise cause, stable across versions. null only in results stored by a version that did
   * not record it.
   */
  detail: FailureDetail | null;
  /** The SMTP reply code of the reply that ended the session at that stage; null when none did. */
  code: ReplyCode | null;
  /** A sentence for a person, including the server's reply text where there was one. */
  message: string;
}

/** A failure of the transport, before a stage is attached to it. */
export interface LinkFailure {
  detail: FailureDetail;
  /** For people: what happened, with the errno or OpenSSL code when there was one. */
  text: string;
}

/** Builds the failure; the reason is the detail's, so no caller chooses one. */
export function probeFailure(stage: Stage, detail: FailureDetail, text: string, replyCode: ReplyCode | null = null): ProbeFailure {
  return { stage, reason: reasonOf(detail), detail, code: replyCode, message: `${stage}: ${text}` };
}

/** The typed identity of a failure kind, as counted per target and exported as labels. */
export interface FailureKey {
  readonly stage: Stage;
  readonly reason: FailureReason;
}
