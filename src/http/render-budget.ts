// A time budget for the status pages. A page is rendered on the main thread, the thread that also
// records every probe and answers every scrape: at 50,000 targets the fleet page costs 50–150 ms,
// so one client reloading it in a loop would hold the thread most of the time and delay both.
// Each client (an IPv4 address or an IPv6 /64), and all clients together, draw on a bucket of milliseconds that
// refills at a fixed rate: people clicking through pages never meet it, a loop gets 429 with
// Retry-After once it has spent its burst.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/** A bucket's size and how fast it fills again. */
export interface Rate {
  /** Milliseconds of rendering that may be spent at once, after a pause. */
  burstMs: number;
  /** Milliseconds earned back per second. */
  refillMsPerSecond: number;
}

export interface BudgetLimits {
  /** What one client (remote address) may spend. */
  client: Rate;
  /** What all clients together may spend. */
  total: Rate;
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

/** Clients remembered at most; a client whose bucket is full needs no entry, so those are dropped first. */
const MAX_CLIENTS = 10_000;

class Bucket {
  constructor(
    private readonly rate: Rate,
    private level: number,
    private atMs: number,
  ) {}

  /** Seconds until the bucket holds a positive amount again, 0 if it does now. */
  waitSeconds(now: number): number {
    this.level = Math.min(this.rate.burstMs, this.level + ((now - this.atMs) * this.rate.refillMsPerSecond) / 1000);
    this.atMs = now;
    return this.level > 0 ? 0 : -this.level / this.rate.refillMsPerSecond;
  }

  get full(): boolean {
    return this.level >= this.rate.burstMs;
  }

  spend(ms: number): void {
    this.level -= ms;
  }
}

export class RenderBudget {
  private readonly clients = new Map<string, Bucket>();
  private readonly total: Bucket;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.total = new Bucket(limits.total, limits.total.burstMs, clock());
  }

  /**
   * Runs `render` (synchronous: its wall time is the main thread's time) charged to the request's
   * client, or answers 429 with Retry-After when that client, or everyone, has spent the budget.
   */
  run<T>(request: FastifyRequest, reply: FastifyReply, render: () => T): T {
    const client = clientKey(request.socket.remoteAddress ?? '');
    const start = this.clock();
    const mine = this.clients.get(client) ?? new Bucket(this.limits.client, this.limits.client.burstMs, start);
    const ownWait = mine.waitSeconds(start);
    const allWait = this.total.waitSeconds(start);
    if (ownWait > 0 || allWait > 0) {
      const seconds = Math.max(1, Math.ceil(Math.max(ownWait, allWait)));
      reply.header('retry-after', String(seconds));
      const whose = ownWait > 0 ? `from ${client}` : 'by all clients together';
      throw new HttpError('ERR_RATE_LIMITED', `too much status page rendering ${whose} in a short time; retry in ${seconds} s`);
    }
    try {
      return render();
    } finally {
      const spent = this.clock() - start;
      mine.spend(spent);
      this.total.spend(spent);
      this.remember(client, mine, start);
    }
  }

  private remember(client: string, bucket: Bucket, now: number): void {
    this.clients.delete(client);
    this.clients.set(client, bucket);
    if (this.clients.size <= MAX_CLIENTS) return;
    for (const [name, b] of this.clients) {
      b.waitSeconds(now);
      if (b.full) this.clients.delete(name);
    }
    // Every remembered client is still paying off: forget the least recent rather than grow.
    for (const name of this.clients.keys()) {
      if (this.clients.size <= MAX_CLIENTS) break;
      this.clients.delete(name);
    }
  }
}
