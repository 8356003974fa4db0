// How a session failure is expressed inside src/smtp: where (stage), why (stable reason), and the
// server's last word. The session turns it into a ProbeFailure; it never escapes a probe.
import type { FailureReason, ProbeFailure, Reply, Stage } from './types.js';

export class SessionError extends Error {
  readonly stage: Stage;
  readonly reason: FailureReason;
  readonly replyCode: number | null;

  constructor(stage: Stage, reason: FailureReason, replyCode: number | null, detail: string) {
    super(`${stage}: ${detail}`);
    this.name = 'SessionError';
    this.stage = stage;
    this.reason = reason;
    this.replyCode = replyCode;
  }

  toFailure(): ProbeFailure {
    return { stage: this.stage, reason: this.reason, code: this.replyCode, message: this.message };
  }
}

/** A failure of the transport, before a stage is attached to it. */
export interface LinkFailure {
  reason: FailureReason;
  detail: string;
}

const MAX_QUOTED_TEXT = 300;

/** `server replied 421 "4.7.0 mx.example.com Error: too many connections"` */
export function describeReply(reply: Reply): string {
  const text = reply.lines.join(' ').trim();
  const quoted = text.length > MAX_QUOTED_TEXT ? `${text.slice(0, MAX_QUOTED_TEXT)}…` : text;
  return `server replied ${reply.code} ${JSON.stringify(quoted)}`;
}

/** A 4xx/5xx reply that ends the session; 421 is kept apart because it means "come back later". */
export function replyFailure(stage: Stage, reply: Reply): SessionError {
  const reason: FailureReason = reply.code === 421 ? 'service_unavailable' : 'rejected';
  return new SessionError(stage, reason, reply.code, describeReply(reply));
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ESERVFAIL', 'ENODATA']);

/** Maps a Node socket error to a stable reason; the errno code stays in the detail for people. */
export function classifySocketError(err: unknown): LinkFailure {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e instanceof Error ? e.message : String(err);
  const detail = code !== '' && !message.includes(code) ? `${message} (${code})` : message;
  if (e?.syscall === 'getaddrinfo' || e?.syscall === 'queryA' || DNS_CODES.has(code)) {
    return { reason: 'dns', detail: `could not resolve host: ${detail}` };
  }
  // OpenSSL's errors on an established TLS session (a forged or plaintext record, an alert, a
  // decryption failure) are TLS failures, not network ones; its `reason` reads better than its
  // message, which carries source paths and a line break.
  if (code.startsWith('ERR_SSL_')) {
    const opensslReason = (err as { reason?: unknown }).reason;
    const why = typeof opensslReason === 'string' ? opensslReason : message.split('\n')[0];
    return { reason: 'tls_error', detail: `TLS error: ${why} (${code})` };
  }
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', detail: `connection refused: ${detail}` };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { reason: 'reset', detail: `connection reset by peer: ${detail}` };
    case 'ETIMEDOUT':
      return { reason: 'timeout', detail };
    default:
      return { reason: 'network_error', detail };
  }
}
