// RFC 5321 §3.1 / §4.3.2: the server speaks first; we read its whole greeting (every `220-` line
// up to the final `220 ` line) before sending a byte. Early talkers are what postscreen rejects.
import { replyFailure } from './session-error.js';
import type { SessionContext } from './session-context.js';

export async function readGreeting(ctx: SessionContext): Promise<void> {
  const reply = await ctx.read('greeting');
  ctx.record.banner = reply;
  // 421: service not available now; 554: no SMTP service here (RFC 5321 §3.1). Anything but 220 ends it.
  if (reply.code !== 220) throw replyFailure('greeting', reply);
}
