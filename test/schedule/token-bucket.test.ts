// Rate limits of on-demand probes (per target and in total), driven by a fake clock.
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/schedule/token-bucket.js';

function clock() {
  const c = { ms: 1_000_000, now: () => c.ms };
  return c;
}

const takeN = (b: TokenBuckets, key: string, n: number) => Array.from({ length: n }, () => b.take(key));

describe('TokenBuckets', () => {
  it('allows a minute of burst per key, then refills continuously', () => {
    const c = clock();
    const b = new TokenBuckets({ perKeyPerMinute: 3, totalPerMinute: 100, now: c.now });
    expect(takeN(b, 'a', 4)).toEqual([true, true, true, false]);
    expect(b.take('b')).toBe(true);
    c.ms += 19_999;
    expect(b.take('a')).toBe(false);
    c.ms += 1;
    expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
  });

  it('limits all keys together', () => {
    const c = clock();
    const b = new TokenBuckets({ perKeyPerMinute: 10, totalPerMinute: 5, now: c.now });
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => b.take(k))).toEqual([true, true, true, true, true, false]);
    c.ms += 12_000;
    expect(b.take('f')).toBe(true);
    expect(b.take('g')).toBe(false);
  });

  it('does not spend the total when a key is refused', () => {
    const c = clock();
    const b = new TokenBuckets({ perKeyPerMinute: 1, totalPerMinute: 2, now: c.now });
    expect(takeN(b, 'a', 5)).toEqual([true, false, false, false, false]);
    expect(b.take('b')).toBe(true);
  });

  it('refuses everything at a rate of zero', () => {
    const b = new TokenBuckets({ perKeyPerMinute: 0, totalPerMinute: 10, now: clock().now });
    expect(b.take('a')).toBe(false);
  });

  it('keeps a bounded number of keys, forgetting the least recently used', () => {
    const c = clock();
    const b = new TokenBuckets({ perKeyPerMinute: 1, totalPerMinute: 1_000_000, now: c.now, maxKeys: 3 });
    for (let i = 0; i < 1000; i++) b.take(`k${i}`);
    expect(b.size).toBe(3);
    expect(b.take('k999')).toBe(false); // still remembered: its token is spent
    expect(b.take('k0')).toBe(true); // forgotten long ago: starts full
  });

  it('survives a clock that steps backwards without minting tokens', () => {
    const c = clock();
    const b = new TokenBuckets({ perKeyPerMinute: 1, totalPerMinute: 10, now: c.now });
    expect(b.take('a')).toBe(true);
    c.ms -= 3_600_000;
    expect(b.take('a')).toBe(false);
    c.ms += 3_600_000 + 59_999;
    expect(b.take('a')).toBe(false);
    c.ms += 1;
    expect(b.take('a')).toBe(true);
  });

  it('rejects nonsensical options', () => {
    const now = clock().now;
    expect(() => new TokenBuckets({ perKeyPerMinute: -1, totalPerMinute: 1, now })).toThrow(RangeError);
    expect(() => new TokenBuckets({ perKeyPerMinute: 1, totalPerMinute: NaN, now })).toThrow(RangeError);
    expect(() => new TokenBuckets({ perKeyPerMinute: 1, totalPerMinute: 1, now, maxKeys: 0 })).toThrow(RangeError);
  });
});
