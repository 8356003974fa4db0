// Politeness after 421 (RFC 5321 §3.8: the server is closing the channel, often because it is
// busy or rate-limiting us): each consecutive 421 doubles the pause, up to a cap; any other
// outcome ends it.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export interface BackoffEntry {
  readonly strikes: number;
  /** Wall-clock ms, so a stored entry means the same after a restart. */
  readonly untilMs: number;
}

export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(private readonly policy: BackoffPolicy) {}

  /** Record the outcome of a probe of `key` that finished at `nowMs`. */
  record(key: string, serviceUnavailable: boolean, nowMs: number): void {
    if (!serviceUnavailable) {
      this.entries.delete(key);
      return;
    }
    const strikes = (this.entries.get(key)?.strikes ?? 0) + 1;
    const pause = Math.min(this.policy.initialMs * 2 ** (strikes - 1), this.policy.maxMs);
    this.entries.set(key, { strikes, untilMs: nowMs + pause });
  }

  /** The pause under way for `key`, or null: what the state store keeps across restarts. */
  entry(key: string): BackoffEntry | null {
    return this.entries.get(key) ?? null;
  }

  /** A pause read back from the store at start-up; one already over is not restored. */
  restore(key: string, entry: BackoffEntry, nowMs: number): void {
    if (entry.untilMs > nowMs && entry.strikes >= 1) this.entries.set(key, entry);
  }

  /** Milliseconds `key` must still be left alone; 0 when it may be probed. */
  remainingMs(key: string, nowMs: number): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.untilMs - nowMs) : 0;
  }

  /** The pauses under way at `nowMs`: milliseconds left per key, none that are over. */
  underWay(nowMs: number): Map<string, number> {
    const left = new Map<string, number>();
    for (const [key, entry] of this.entries) if (entry.untilMs > nowMs) left.set(key, entry.untilMs - nowMs);
    return left;
  }

  /** The same pauses under a new policy (a reload); pauses under way keep their end time. */
  withPolicy(policy: BackoffPolicy): Backoff {
    const next = new Backoff(policy);
    for (const [key, entry] of this.entries) next.entries.set(key, entry);
    return next;
  }

  /** Forget keys no longer configured. */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!keep.has(key)) this.entries.delete(key);
  }
}
