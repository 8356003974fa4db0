// How a session failure travels inside src/smtp until the session records it: a thrown error that
// carries the failure as data (see failure.ts). It never escapes a probe.
import { probeFailure, type FailureDetail, type LinkFailure, type ProbeFailure, type ReplyCode, type Stage } from './failure.js';
import type { Reply } from './types.js';

export class SessionError extends Error {
  readonly failure: ProbeFailure;

  constructor(stage: Stage, detail: FailureDetail, text: string, replyCode: ReplyCode | null = null) {
    const failure = probeFailure(stage, detail, text, replyCode);
    super(failure.message);
    this.name = 'SessionError';
    this.failure = failure;
  }

  static at(stage: Stage, link: LinkFailure): SessionError {
    return new SessionError(stage, link.detail, link.text);
  }
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
  const detail: FailureDetail = reply.code === 421 ? 'ERR_SERVICE_UNAVAILABLE' : 'ERR_REPLY_REJECTED';
  return new SessionError(stage, detail, describeReply(reply), reply.code);
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA', 'ESERVFAIL', 'ENODATA']);

/** Maps a Node socket error to its detail code; the errno stays in the text for people. */
export function classifySocketError(err: unknown): LinkFailure {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = e instanceof Error ? e.message : String(err);
  const text = code !== '' && !message.includes(code) ? `${message} (${code})` : message;
  if (e?.syscall === 'getaddrinfo' || e?.syscall === 'queryA' || DNS_CODES.has(code)) {
    return { detail: 'ERR_DNS', text: `could not resolve host: ${text}` };
  }
  // OpenSSL's errors on an established TLS session (a forged or plaintext record, an alert, a
  // decryption failure) are TLS failures, not network ones; its `reason` reads better than its
  // message, which carries source paths and a line break.
  if (code.startsWith('ERR_SSL_')) {
    const opensslReason = (err as { reason?: unknown }).reason;
    const why = typeof opensslReason === 'string' ? opensslReason : message.split('\n')[0];
    return { detail: 'ERR_TLS_RECORD', text: `TLS error: ${why} (${code})` };
  }
  switch (code) {
    case 'ECONNREFUSED':
      return { detail: 'ERR_CONNECTION_REFUSED', text: `connection refused: ${text}` };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { detail: 'ERR_CONNECTION_RESET', text: `connection reset by peer: ${text}` };
    case 'ETIMEDOUT':
      return { detail: 'ERR_SOCKET_TIMEOUT', text };
    default:
      return { detail: 'ERR_NETWORK', text };
  }
}
