import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['10s', 10],
    ['1m30s', 90],
    ['1h', 3600],
    ['30d', 30 * 86400],
    ['1w', 7 * 86400],
    ['1y', 365 * 86400],
    ['1s500ms', 1.5],
    ['250ms', 0.25],
    ['1d2h3m4s', 86400 + 7200 + 180 + 4],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '10', '1.5s', '-1s', '10 s', '1h1d', '1s1s', '1S', 's', '1m30', '99999999999999999999y'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [90, '1m30s'],
    [3600, '1h'],
    [30 * 86400, '30d'],
    [0.5 * 86400, '12h'],
    [1.25, '1s250ms'],
  ])('%d seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration for any whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 * 1000 }), (ms) => {
        expect(parseDuration(formatDuration(ms / 1000))).toBe(ms / 1000);
      }),
      { numRuns: 500 },
    );
  });
});
