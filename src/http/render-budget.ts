// A time budget for the status pages. A page is rendered on the main thread, the thread that also
// records every probe and answers every scrape: at 50,000 targets the fleet page costs 50–150 ms,
// so one client reloading it in a loop would hold the thread most of the time and delay both.
// Each client (an IPv4 address or an IPv6 /64), and all clients together, draw on a bucket of
// milliseconds that refills at a fixed rate: people clicking through pages never meet it, a loop
// gets 429 with Retry-After once it has spent its burst.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenBuckets, type BucketRate } from '../rate-limit/token-buckets.js';
import { HttpError } from './errors.js';

/** Buckets of milliseconds: capacity is the burst, refillPerSecond what a second earns back. */
export interface BudgetLimits {
  /** What one client may spend. */
  client: BucketRate;
  /** What all clients together may spend. */
  total: BucketRate;
}

/**
 * Whose bucket a request draws on: its IPv4 address, or the /64 of its IPv6 address (one host or
 * site holds a whole /64 and could otherwise take a fresh bucket per request).
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const [head = '', tail] = bare.split('::');
  const before = groups(head);
  let full = before;
  if (tail !== undefined) {
    const after = groups(tail);
    // A trailing dotted IPv4 part stands for two groups.
    const width = after.length + (after.at(-1)?.includes('.') ? 1 : 0);
    full = [...before, ...Array<string>(Math.max(0, 8 - before.length - width)).fill('0'), ...after];
  }
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export class RenderBudget {
  private readonly buckets: TokenBuckets;

  constructor(
    limits: BudgetLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.buckets = new TokenBuckets({ perKey: limits.client, total: limits.total, now: clock });
  }

  /**
   * Runs `render` (synchronous: its wall time is the main thread's time) charged to the request's
   * client, or answers 429 with Retry-After while that client, or everyone, is in debt.
   */
  run<T>(request: FastifyRequest, reply: FastifyReply, render: () => T): T {
    const client = clientKey(request.socket.remoteAddress ?? '');
    const refusal = this.buckets.refusal(client, 0);
    if (refusal !== null) {
      const seconds = Math.max(1, Math.ceil(refusal.waitSeconds));
      reply.header('retry-after', String(seconds));
      const whose = refusal.by === 'key' ? `from ${client}` : 'by all clients together';
      throw new HttpError('ERR_RATE_LIMITED', `too much status page rendering ${whose} in a short time; retry in ${seconds} s`);
    }
    const start = this.clock();
    try {
      return render();
    } finally {
      this.buckets.charge(client, this.clock() - start);
    }
  }
}
