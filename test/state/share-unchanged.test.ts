// Facts a probe shares with the state it is recorded into: the same values, the held objects.
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../src/probe/probe-result.js';
import { baselineFrom } from '../../src/state/baseline.js';
import { updateKnownExtensions, KNOWN_EXTENSION_REFRESH_SECONDS } from '../../src/state/known-extensions.js';
import { sameJson, shareUnchanged } from '../../src/state/share-unchanged.js';
import { failure, success } from './probe-result-builder.js';

describe('shareUnchanged', () => {
  it('replaces facts equal to the last result\'s by the held objects; the capabilities read through them', () => {
    const previous = success();
    const fresh = success({ startedAt: previous.started_at + 60 });
    expect(fresh.ehlo_after_tls).not.toBe(previous.ehlo_after_tls);
    const shared = shareUnchanged(fresh, previous, null);
    expect(shared).toEqual(fresh);
    expect(shared.ehlo_before_tls).toBe(previous.ehlo_before_tls);
    expect(shared.ehlo_after_tls).toBe(previous.ehlo_after_tls);
    expect(shared.banner).toBe(previous.banner);
    expect(shared.tls).toBe(previous.tls);
    const caps = capabilitiesOf(shared);
    expect(caps.extensions).toBe(previous.ehlo_after_tls!.extensions);
    expect(caps.extensions_before_tls).toBe(previous.ehlo_before_tls!.extensions);
    expect(caps.auth_mechanisms).toBe(previous.ehlo_after_tls!.auth_mechanisms);
    expect(caps.size).toBe(previous.ehlo_after_tls!.size);
    expect(caps.limits).toBe(previous.ehlo_after_tls!.limits);
    expect(shared.timings_seconds).toBe(fresh.timings_seconds);
  });

  it('keeps what changed fresh and shares the rest, also from the baseline after a failure', () => {
    const previous = success();
    const baseline = baselineFrom(previous);
    const bigger = success({ after: ['PIPELINING', 'SIZE 20000000', 'AUTH PLAIN LOGIN', '8BITMIME'], tlsVersion: 'TLSv1.2' });
    const shared = shareUnchanged(bigger, failure('connect', 'refused'), baseline);
    expect(shared).toEqual(bigger);
    expect(shared.ehlo_before_tls).toBe(baseline.before_tls);
    expect(shared.ehlo_after_tls).toBe(bigger.ehlo_after_tls);
    expect(capabilitiesOf(shared).size.limit_bytes).toBe(20_000_000);
    expect(shared.tls).toBe(bigger.tls);
  });

  it('returns the result itself when nothing is held', () => {
    const fresh = success();
    expect(shareUnchanged(fresh, null, null)).toBe(fresh);
    const down = failure('greeting', 'timeout');
    expect(shareUnchanged(down, success(), null)).toBe(down);
  });
});

describe('sameJson', () => {
  it.each([
    [{ a: [1, 'x', null], b: { c: true } }, { b: { c: true }, a: [1, 'x', null] }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [[1, 2], [2, 1], false],
    [{ length: 0 }, [], false],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    [null, {}, false],
    ['1', 1, false],
  ])('%j and %j: %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
    expect(sameJson(b, a)).toBe(same);
  });
});

describe('updateKnownExtensions', () => {
  const known = { plain: {}, tls: {} };
  it('keeps each side the same object until a keyword is new, due for a refresh, or expired', () => {
    const t0 = 1_700_000_000;
    const first = updateKnownExtensions(known, success(), t0, 30 * 86_400);
    const soon = updateKnownExtensions(first, success(), t0 + KNOWN_EXTENSION_REFRESH_SECONDS - 1, 30 * 86_400);
    expect(soon).toEqual(first);
    expect(soon.plain).toBe(first.plain);
    expect(soon.tls).toBe(first.tls);
    const refreshed = updateKnownExtensions(first, success(), t0 + KNOWN_EXTENSION_REFRESH_SECONDS, 30 * 86_400);
    expect(refreshed.tls).not.toBe(first.tls);
    expect(Object.values(refreshed.tls)).toEqual(Object.values(first.tls).map(() => t0 + KNOWN_EXTENSION_REFRESH_SECONDS));
    const added = updateKnownExtensions(first, success({ after: ['PIPELINING', 'SMTPUTF8'] }), t0 + 1, 30 * 86_400);
    expect(Object.keys(added.tls)).toContain('SMTPUTF8');
    const expired = updateKnownExtensions(first, null, t0 + 30 * 86_400 + 1, 30 * 86_400);
    expect(expired.tls).toEqual({});
  });
});
