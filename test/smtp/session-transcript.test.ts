import { describe, expect, test } from 'vitest';
import { Transcript } from '../../src/smtp/transcript.js';
import type { Clock } from '../../src/smtp/session-options.js';

function manualClock(): Clock & { now: number } {
  return { now: 1000, monotonicMs() { return this.now; }, wallMs: () => 0 };
}

describe('Transcript', () => {
  test('times are seconds since the start, directions kept', () => {
    const clock = manualClock();
    const t = new Transcript(clock, 1000);
    t.server('220 hi');
    clock.now = 1250;
    t.client('EHLO x');
    t.event('TLS established');
    expect(t.entries()).toEqual([
      { t: 0, dir: 'S', line: '220 hi' },
      { t: 0.25, dir: 'C', line: 'EHLO x' },
      { t: 0.25, dir: '*', line: 'TLS established' },
    ]);
  });

  test('keeps the first and the last entries with a marker between, and truncates long lines', () => {
    const t = new Transcript(manualClock(), 1000, { head: 3, tail: 2, maxLineChars: 10 });
    for (let i = 0; i < 10; i++) t.server(`250-line ${i}`);
    t.client('x'.repeat(50));
    const lines = t.entries().map((e) => e.line);
    expect(lines).toEqual(['250-line 0', '250-line 1', '250-line 2', 'transcript truncated: 6 entries omitted', '250-line 9', 'xxxxxxxxxx… (50 chars)']);
  });

  test('without a tail, the marker still says what was dropped', () => {
    const t = new Transcript(manualClock(), 1000, { head: 1, tail: 0, maxLineChars: 100 });
    t.client('a');
    t.client('b');
    expect(t.entries().map((e) => e.line)).toEqual(['a', 'transcript truncated: 1 entries omitted']);
  });
});
