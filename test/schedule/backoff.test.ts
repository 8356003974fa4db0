import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/schedule/backoff.js';

describe('Backoff', () => {
  it('doubles the pause on each 421 up to the cap, and any other outcome ends it', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 3000 });
    b.record('mx', true, 0);
    expect(b.remainingMs('mx', 0)).toBe(1000);
    b.record('mx', true, 0);
    expect(b.remainingMs('mx', 0)).toBe(2000);
    b.record('mx', true, 0);
    expect(b.remainingMs('mx', 500)).toBe(2500);
    b.record('mx', false, 600);
    expect(b.remainingMs('mx', 600)).toBe(0);
  });

  it('lists the pauses under way with the time left, leaving out those that are over', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 60_000 });
    b.record('short', true, 0);
    b.record('long', true, 0);
    b.record('long', true, 0);
    expect(b.underWay(500)).toEqual(new Map([['short', 500], ['long', 1500]]));
    expect(b.underWay(1000)).toEqual(new Map([['long', 1000]]));
    expect(b.underWay(2000)).toEqual(new Map());
  });
});
