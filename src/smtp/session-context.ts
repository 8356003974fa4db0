// The state one session's steps share: the connection, what has been recorded, and the deadline.
import type { SmtpConnection } from './connection.js';
import { seconds } from './connection-open.js';
import { SessionError } from './session-error.js';
import type { SessionOptions } from './session-options.js';
import type { SessionRecord } from './session-record.js';
import type { Transcript } from './transcript.js';
import type { Stage } from './failure.js';
import type { Phase, Reply } from './types.js';

export class SessionContext {
  /** The phase running now (set by timed()): where an unforeseen error is reported. */
  phase: Exclude<Phase, 'total'> = 'connect';

  constructor(
    readonly options: SessionOptions,
    readonly conn: SmtpConnection,
    readonly record: SessionRecord,
    readonly transcript: Transcript,
    /** Monotonic ms by which the whole session must be over. */
    readonly deadlineMs: number,
  ) {}

  remainingMs(): number {
    return this.deadlineMs - this.options.clock.monotonicMs();
  }

  /**
   * The time a step at `stage` may wait: what is left of the overall deadline, capped by the
   * step's own limit. RFC 5321 §4.5.3.2 suggests minutes per command; a probe cannot wait that
   * long, and one slow phase must not push the session past the deadline the caller set.
   */
  budgetMs(stage: Stage, capMs = Number.POSITIVE_INFINITY): number {
    const remaining = this.remainingMs();
    if (remaining <= 0) {
      throw new SessionError(stage, 'ERR_DEADLINE', `overall deadline of ${seconds(this.options.timeoutMs)} s reached`);
    }
    return Math.min(remaining, capMs);
  }

  /** Waits for the next complete reply and remembers its code as the stage's last. */
  async read(stage: Stage, capMs?: number, hold = false): Promise<Reply> {
    const reply = await this.conn.readReply(stage, this.budgetMs(stage, capMs), hold);
    this.record.replyCodes[stage] = reply.code;
    return reply;
  }

  /** One command, then its complete reply: we never pipeline. `hold`: see SmtpConnection.readReply. */
  command(stage: Stage, line: string, capMs?: number, hold = false): Promise<Reply> {
    const budget = this.budgetMs(stage, capMs);
    this.conn.send(stage, line);
    return this.read(stage, budget, hold);
  }

  /** Runs fn and adds its duration to the phase, whether it succeeds or fails. */
  async timed<T>(phase: Exclude<Phase, 'total'>, fn: () => Promise<T>): Promise<T> {
    const clock = this.options.clock;
    const start = clock.monotonicMs();
    this.phase = phase;
    try {
      return await fn();
    } finally {
      addTiming(this.record, phase, clock.monotonicMs() - start);
    }
  }
}

export function addTiming(record: SessionRecord, phase: Phase, ms: number): void {
  const total = (record.timings[phase] ?? 0) + Math.max(0, ms) / 1000;
  record.timings[phase] = Math.round(total * 1e6) / 1e6;
}
