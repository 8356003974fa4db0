// Token buckets per key and in total, driven by a fake clock: the limits of on-demand probes (a
// cost known beforehand) and of status page rendering (a cost charged afterwards, debt waited out).
import { describe, expect, it } from 'vitest';
import { TokenBuckets, type BucketRates } from '../../src/rate-limit/token-buckets.js';

function clock() {
  const c = { ms: 1_000_000, now: () => c.ms };
  return c;
}

/** A minute's allowance per bucket, refilled over the minute: the on-demand probe limits. */
const perMinute = (perKey: number, total: number): BucketRates => ({
  perKey: { capacity: perKey, refillPerSecond: perKey / 60 },
  total: { capacity: total, refillPerSecond: total / 60 },
});

/** Whether each of n takes was allowed. */
const takeN = (b: TokenBuckets, key: string, n: number) => Array.from({ length: n }, () => b.take(key) === null);
const took = (b: TokenBuckets, key: string) => b.take(key) === null;

describe('TokenBuckets', () => {
  it('allows a minute of burst per key, then refills continuously', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(3, 100), now: c.now });
    expect(takeN(b, 'a', 4)).toEqual([true, true, true, false]);
    expect(took(b, 'b')).toBe(true);
    c.ms += 19_999;
    expect(took(b, 'a')).toBe(false);
    c.ms += 1;
    expect(took(b, 'a')).toBe(true);
    expect(took(b, 'a')).toBe(false);
  });

  it('limits all keys together', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(10, 5), now: c.now });
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => took(b, k))).toEqual([true, true, true, true, true]);
    expect(b.take('f')).toEqual({ by: 'total', waitSeconds: 12 });
    c.ms += 12_000;
    expect(took(b, 'f')).toBe(true);
    expect(took(b, 'g')).toBe(false);
  });

  it('does not spend the total when a key is refused', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(1, 2), now: c.now });
    expect(takeN(b, 'a', 5)).toEqual([true, false, false, false, false]);
    expect(took(b, 'b')).toBe(true);
  });

  it('refuses everything at a rate of zero, and says the wait is endless', () => {
    const b = new TokenBuckets({ ...perMinute(0, 10), now: clock().now });
    expect(b.take('a')).toEqual({ by: 'key', waitSeconds: Infinity });
  });

  it('charges a cost known afterwards into debt, and names the bucket to wait for and how long', () => {
    const c = clock();
    const b = new TokenBuckets({ perKey: { capacity: 100, refillPerSecond: 10 }, total: { capacity: 1000, refillPerSecond: 100 }, now: c.now });
    expect(b.refusal('a', 0)).toBeNull();
    b.charge('a', 130);
    expect(b.refusal('a', 0)).toEqual({ by: 'key', waitSeconds: 3 });
    expect(b.refusal('b', 0)).toBeNull();
    b.charge('b', 900); // total: 1000 - 1030 = -30 ms, 0.3 s to wait; a still waits 3 s
    expect(b.refusal('a', 0)).toEqual({ by: 'key', waitSeconds: 3 });
    expect(b.refusal('c', 0)).toEqual({ by: 'total', waitSeconds: 0.3 });
    c.ms += 300;
    expect(b.refusal('c', 0)).toBeNull();
    expect(b.refusal('a', 0)).toEqual({ by: 'key', waitSeconds: 2.7 });
  });

  it('keeps a bounded number of keys, forgetting the least recently charged', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(1, 1_000_000), now: c.now, maxKeys: 3 });
    for (let i = 0; i < 1000; i++) took(b, `k${i}`);
    expect(b.size).toBe(3);
    expect(took(b, 'k999')).toBe(false); // still remembered: its token is spent
    expect(took(b, 'k0')).toBe(true); // forgotten long ago: starts full
  });

  it('keeps what was spent across new rates, and caps what is left at a smaller capacity', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(2, 100), now: c.now });
    expect(takeN(b, 'a', 2)).toEqual([true, true]);
    b.setRates(perMinute(5, 100));
    expect(took(b, 'a')).toBe(false);
    expect(takeN(b, 'b', 5)).toEqual([true, true, true, true, true]);
    b.setRates(perMinute(1, 100));
    expect(takeN(b, 'c', 2)).toEqual([true, false]);
  });

  it('survives a clock that steps backwards without minting tokens', () => {
    const c = clock();
    const b = new TokenBuckets({ ...perMinute(1, 10), now: c.now });
    expect(took(b, 'a')).toBe(true);
    c.ms -= 3_600_000;
    expect(took(b, 'a')).toBe(false);
    c.ms += 3_600_000 + 59_999;
    expect(took(b, 'a')).toBe(false);
    c.ms += 1;
    expect(took(b, 'a')).toBe(true);
  });

  it('rejects nonsensical rates', () => {
    const now = clock().now;
    expect(() => new TokenBuckets({ ...perMinute(-1, 1), now })).toThrow(RangeError);
    expect(() => new TokenBuckets({ ...perMinute(1, NaN), now })).toThrow(RangeError);
    expect(() => new TokenBuckets({ ...perMinute(1, 1), now, maxKeys: 0 })).toThrow(RangeError);
  });
});
