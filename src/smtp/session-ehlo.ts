// RFC 5321 §4.1.1.1 EHLO, and the §3.2 fallback to HELO when a server does not know EHLO.
import { parseEhloReply } from './ehlo-parser.js';
import { replyFailure } from './session-error.js';
import type { SessionContext } from './session-context.js';
import type { Stage } from './failure.js';
import type { EhloFacts } from './types.js';

/**
 * RFC 5321 §3.2: a server that does not support EHLO answers 500, 502, 504 or 550 (some old
 * implementations), and the client then may fall back to HELO. Other refusals are real refusals.
 */
const EHLO_UNKNOWN_CODES = new Set([500, 502, 504, 550]);

/** The parsed EHLO reply, or null when the server only speaks HELO. */
export async function sayEhlo(ctx: SessionContext, stage: Extract<Stage, 'ehlo' | 'ehlo_tls'>): Promise<EhloFacts | null> {
  const name = ctx.options.heloName;
  const reply = await ctx.command(stage, `EHLO ${name}`);
  if (reply.code === 250) {
    ctx.record.esmtp = true;
    return parseEhloReply(reply);
  }
  // After TLS the server has already shown it speaks ESMTP; a refusal there is a failure.
  if (stage !== 'ehlo' || !EHLO_UNKNOWN_CODES.has(reply.code)) throw replyFailure(stage, reply);

  ctx.transcript.event(`EHLO refused with ${reply.code}: falling back to HELO (RFC 5321 §3.2)`);
  const helo = await ctx.command('helo', `HELO ${name}`);
  if (helo.code !== 250) throw replyFailure('helo', helo);
  ctx.record.esmtp = false;
  return null;
}
