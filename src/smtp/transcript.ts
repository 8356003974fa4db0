// A bounded record of what each side said during one session, with times relative to its start.
import type { Clock } from './session-options.js';
import type { TranscriptEntry } from './types.js';

export interface TranscriptLimits {
  /** Entries kept from the start of the session. */
  head: number;
  /** Entries kept from the end: when a session goes wrong, its last words matter most. */
  tail: number;
  /** Characters kept of one line (RFC 5321 §4.5.3.1.5 lines are 512 octets at most). */
  maxLineChars: number;
}

export const DEFAULT_TRANSCRIPT_LIMITS: TranscriptLimits = Object.freeze({
  head: 150,
  tail: 50,
  maxLineChars: 512,
});

export class Transcript {
  readonly #clock: Clock;
  readonly #startMs: number;
  readonly #limits: TranscriptLimits;
  readonly #head: TranscriptEntry[] = [];
  /** Ring buffer of the most recent entries once the head is full. */
  readonly #tail: TranscriptEntry[] = [];
  #tailNext = 0;
  #dropped = 0;

  constructor(clock: Clock, startMs: number, limits: TranscriptLimits = DEFAULT_TRANSCRIPT_LIMITS) {
    this.#clock = clock;
    this.#startMs = startMs;
    this.#limits = limits;
  }

  client(line: string): void {
    this.add('C', line);
  }

  server(line: string): void {
    this.add('S', line);
  }

  event(line: string): void {
    this.add('*', line);
  }

  add(dir: TranscriptEntry['dir'], line: string): void {
    const max = this.#limits.maxLineChars;
    const text = line.length > max ? `${line.slice(0, max)}… (${line.length} chars)` : line;
    const t = Math.max(0, Math.round(this.#clock.monotonicMs() - this.#startMs)) / 1000;
    const entry: TranscriptEntry = { t, dir, line: text };
    if (this.#head.length < this.#limits.head) {
      this.#head.push(entry);
      return;
    }
    if (this.#limits.tail === 0) {
      this.#dropped++;
      return;
    }
    if (this.#tail.length < this.#limits.tail) {
      this.#tail.push(entry);
    } else {
      this.#tail[this.#tailNext] = entry;
      this.#tailNext = (this.#tailNext + 1) % this.#limits.tail;
      this.#dropped++;
    }
  }

  /** The entries in order, with one marker entry where entries were dropped. */
  entries(): TranscriptEntry[] {
    const tail = [...this.#tail.slice(this.#tailNext), ...this.#tail.slice(0, this.#tailNext)];
    if (this.#dropped === 0) return [...this.#head, ...tail];
    const marker: TranscriptEntry = {
      t: tail[0]?.t ?? this.#head[this.#head.length - 1]?.t ?? 0,
      dir: '*',
      line: `transcript truncated: ${this.#dropped} entries omitted`,
    };
    return [...this.#head, marker, ...tail];
  }
}
