// RFC 5321 §4.1.1.10 QUIT: ask for 221 and close. Best effort: a session that got its facts does
// not fail because the goodbye went wrong.
import type { SessionContext } from './session-context.js';

/** How long we wait for 221: the facts are in hand, a slow goodbye only costs the probe time. */
export const QUIT_TIMEOUT_MS = 2000;

export async function sayQuit(ctx: SessionContext): Promise<void> {
  if (!ctx.conn.usable || ctx.remainingMs() <= 0) return;
  await ctx.timed('quit', async () => {
    try {
      const reply = await ctx.command('quit', 'QUIT', QUIT_TIMEOUT_MS);
      if (reply.code !== 221) ctx.transcript.event(`QUIT answered with ${reply.code} instead of 221`);
    } catch {
      // Recorded in the transcript by the connection; the session's outcome stands.
    }
  });
}
