// The last few transcripts of each target's successful probes, kept so the status page can show
// what a server said before and now, line by line. Most probes of a healthy server repeat the
// previous transcript word for word (only the times move), so a transcript is written only when
// its lines differ from the target's last stored one: the store then holds the sessions either side
// of each change, TRANSCRIPTS_KEPT per target at most, and a steady fleet writes nothing at all.
import { createHash } from 'node:crypto';
import type { ProbeResult } from '../probe/probe-result.js';
import { stableBanner } from './stable-banner.js';
import type { SqliteStateStore } from './sqlite-store.js';
import type { StoredTranscript } from './types.js';

/** Per target: the two either side of the latest change, and one more for context. */
export const TRANSCRIPTS_KEPT = 3;

const isGreeting = (e: StoredTranscript['entries'][number]) => e.dir === 'S' && e.line.startsWith('220');

/**
 * What the two sides said, times aside: equal keys mean nothing worth a row changed. The client's
 * own notes ('*' lines) are left out: whether a TLS 1.3 session ticket arrived before we moved on
 * varies from probe to probe and would store a "new" transcript for nothing. 220 lines are keyed
 * without their dates, times and session ids, or a greeting that prints the time (Exim, Exchange,
 * Sendmail) would write a row on every probe; other lines as they are (a SIZE is a number to keep).
 */
export function transcriptKey(entries: StoredTranscript['entries']): string {
  const hash = createHash('sha256');
  for (const e of entries) if (e.dir !== '*') hash.update(`${e.dir} ${isGreeting(e) ? stableBanner(e.line) : e.line}\n`);
  return hash.digest('base64');
}

export class TranscriptHistory {
  /** Target → key of its last stored transcript; filled from the store at a target's first probe. */
  private readonly lastKey = new Map<string, string | null>();

  constructor(private readonly store: SqliteStateStore) {}

  /** Stores the result's transcript when it is a success that says something new; a store failure is returned. */
  record(target: string, result: ProbeResult): Error | null {
    if (!result.success || result.transcript.length === 0) return null;
    const next: StoredTranscript = { target, started_at: result.started_at, timings_seconds: result.timings_seconds, entries: result.transcript };
    const key = transcriptKey(next.entries);
    try {
      if (!this.lastKey.has(target)) {
        const [stored] = this.store.transcripts(target, 1);
        this.lastKey.set(target, stored === undefined ? null : transcriptKey(stored.entries));
      }
      if (this.lastKey.get(target) === key) return null;
      this.store.saveTranscript(next, TRANSCRIPTS_KEPT);
      this.lastKey.set(target, key);
      return null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** The target's stored transcripts, newest first. */
  list(target: string): StoredTranscript[] {
    return this.store.transcripts(target, TRANSCRIPTS_KEPT);
  }
}
