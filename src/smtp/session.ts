// One SMTP session to one address, one attempt (RFC 5321 with RFC 3207/8314 TLS): connect, greeting,
// EHLO (or HELO), STARTTLS, EHLO again inside TLS, QUIT. Returns what it saw; never throws for the
// server's behaviour, and always releases its socket before returning.
import { SmtpConnection } from './connection.js';
import { openConnection } from './connection-open.js';
import { SessionContext, addTiming } from './session-context.js';
import { SessionError, classifySocketError } from './session-error.js';
import { readGreeting } from './session-greeting.js';
import { sayEhlo } from './session-ehlo.js';
import type { SessionOptions } from './session-options.js';
import { sayQuit } from './session-quit.js';
import { emptySessionRecord, type SessionRecord } from './session-record.js';
import { handshake, negotiateStartTls } from './session-starttls.js';
import { Transcript } from './transcript.js';
import type { FailureReason } from './failure.js';

/** After a failure caused by what the server said, the channel is still in step: say goodbye. */
const POLITE_AFTER: ReadonlySet<FailureReason> = new Set(['rejected', 'service_unavailable', 'starttls_not_offered', 'tls_verify']);

/** How long we give the server to close after QUIT before we close for it. */
const CLOSE_GRACE_MS = 500;

export async function runSession(options: SessionOptions): Promise<SessionRecord> {
  const { clock } = options;
  const startMs = clock.monotonicMs();
  const transcript = new Transcript(clock, startMs);
  const record = emptySessionRecord();
  let ctx: SessionContext | null = null;
  try {
    transcript.event(`connecting to ${options.host}:${options.port}`);
    const connectStart = clock.monotonicMs();
    let socket;
    try {
      socket = await openConnection(options.host, options.port, Math.max(0, startMs + options.timeoutMs - connectStart));
    } finally {
      addTiming(record, 'connect', clock.monotonicMs() - connectStart);
    }
    record.address = socket.remoteAddress ?? null;
    transcript.event(`connected to ${record.address ?? '?'} port ${options.port}`);
    const conn = new SmtpConnection(socket, options.limits, transcript);
    ctx = new SessionContext(options, conn, record, transcript, startMs + options.timeoutMs);
    await converse(ctx);
    await sayQuit(ctx);
  } catch (err) {
    const { failure } = err instanceof SessionError ? err : unexpected(err, ctx);
    record.failure = failure;
    transcript.event(`failed: ${failure.message}`);
    if (ctx !== null && POLITE_AFTER.has(failure.reason)) await sayQuit(ctx);
  } finally {
    if (ctx !== null) await ctx.conn.close(Math.min(CLOSE_GRACE_MS, Math.max(0, ctx.remainingMs())));
    addTiming(record, 'total', clock.monotonicMs() - startMs);
    record.transcript = transcript.entries();
  }
  return record;
}

/** The conversation proper, from the greeting to the last EHLO. */
async function converse(ctx: SessionContext): Promise<void> {
  const { record, options } = ctx;
  if (options.implicitTls) {
    await ctx.timed('tls_handshake', () => handshake(ctx, 'implicit'));
  }
  await ctx.timed('greeting', () => readGreeting(ctx));
  const first = await ctx.timed('ehlo', () => sayEhlo(ctx, 'ehlo'));
  if (options.implicitTls) {
    record.ehloAfterTls = first;
    return;
  }
  record.ehloBeforeTls = first;
  if (!(await negotiateStartTls(ctx, first))) return;
  // RFC 3207 §4.2: forget everything learnt before TLS and ask again.
  record.ehloAfterTls = await ctx.timed('ehlo_tls', () => sayEhlo(ctx, 'ehlo_tls'));
}

/** A bug or an unforeseen error must still yield a result that says what happened. */
function unexpected(err: unknown, ctx: SessionContext | null): SessionError {
  const { detail, text } = classifySocketError(err);
  return new SessionError(ctx?.phase ?? 'connect', detail, `unexpected error: ${text}`);
}
