// RFC 3207 STARTTLS and RFC 8314 implicit TLS: the handshake, its facts, and the clean slate after it.
import { readTlsFacts } from './tls-facts.js';
import { SessionError, describeReply, replyFailure } from './session-error.js';
import type { SessionContext } from './session-context.js';
import type { EhloFacts, TlsFacts } from './types.js';

/** True when the session should continue inside TLS (the handshake is then already done). */
export async function negotiateStartTls(ctx: SessionContext, ehlo: EhloFacts | null): Promise<boolean> {
  const { record, options } = ctx;
  const offered = ehlo !== null && Object.hasOwn(ehlo.keywords, 'STARTTLS');
  record.starttls.offered = offered;
  if (options.starttls === 'never') return false;
  if (!offered) {
    if (options.starttls === 'auto') return false;
    throw ehlo === null
      ? new SessionError('starttls', 'ERR_STARTTLS_NO_ESMTP', 'STARTTLS is required, but the server refused EHLO (no ESMTP, so no STARTTLS)')
      : new SessionError('starttls', 'ERR_STARTTLS_NOT_ADVERTISED', 'STARTTLS is required, but the server did not advertise it');
  }

  record.starttls.attempted = true;
  const reply = await ctx.timed('starttls', () => ctx.command('starttls', 'STARTTLS', undefined, true));
  record.starttls.replyCode = reply.code;
  if (reply.code !== 220) {
    ctx.conn.release();
    // Opportunistic (auto) mode behaves as a sending MTA would: carry on in plaintext. 421 still
    // ends the session, because the server is closing the channel.
    if (options.starttls === 'required' || reply.code === 421) throw replyFailure('starttls', reply);
    ctx.transcript.event(`STARTTLS refused (${describeReply(reply)}); continuing without TLS`);
    return false;
  }
  // Anything after the 220 was sent before TLS protects the channel: a man in the middle may have
  // put it there (CVE-2011-0411 class). It must not be read as a reply to what we send inside TLS.
  record.starttls.discardedBytes = ctx.conn.discardBuffered();
  await ctx.timed('tls_handshake', () => handshake(ctx, 'starttls'));
  return true;
}

/** How long a TLS 1.3 session ticket may take after the handshake, as multiples of a round trip, and bounds. */
const TICKET_WAIT_ROUND_TRIPS = 2;
const TICKET_WAIT_MIN_MS = 2;
const TICKET_WAIT_MAX_MS = 250;

/** The TLS handshake on the session's socket; facts are recorded before verification is judged. */
export async function handshake(ctx: SessionContext, mode: TlsFacts['mode']): Promise<void> {
  const { serverName, secureContext, failOnVerifyError, dane = null } = ctx.options.tls;
  // The ticket leaves the server when our Finished arrives: about one round trip after the
  // handshake ends here. STARTTLS's own reply (or, for implicit TLS, the TCP connect) measured one.
  const roundTripMs = 1000 * (ctx.record.timings.starttls ?? ctx.record.timings.connect ?? 0);
  const ticketWaitMs = Math.min(TICKET_WAIT_MAX_MS, Math.max(TICKET_WAIT_MIN_MS, TICKET_WAIT_ROUND_TRIPS * roundTripMs));
  const socket = await ctx.conn.startTls(
    'tls_handshake',
    { serverName, secureContext, ticketWaitMs: Math.min(ticketWaitMs, Math.max(0, ctx.remainingMs())) },
    ctx.budgetMs('tls_handshake'),
  );
  const facts = readTlsFacts(socket, serverName, mode, dane);
  ctx.record.tls = facts;
  const verdict = facts.verified ? `certificate verified for ${serverName}` : `certificate NOT verified for ${serverName}: ${facts.verify_error ?? 'unknown'}`;
  const daneVerdict = facts.dane === undefined ? '' : facts.dane.matched !== null ? '; DANE: a TLSA record matches' : `; DANE: ${facts.dane.failure ?? 'no_match'}`;
  ctx.transcript.event(`TLS established (${mode}): ${facts.version ?? '?'} ${facts.cipher ?? '?'}; ${verdict}${daneVerdict}`);
  // With DANE asked, the TLSA records decide (RFC 7672 §3): a WebPKI failure is recorded, not fatal.
  if (!facts.verified && failOnVerifyError && dane === null) {
    throw new SessionError('tls_handshake', 'ERR_CERT_NOT_VERIFIED', `the certificate did not verify for ${serverName}: ${facts.verify_error ?? 'unknown reason'}`);
  }
}
