// The watcher's decisions, pure: what set is probed after a lookup, what counts as a change, and
// when the next lookup is due. (Against a real DNS server: test/e2e/exporter-domains.test.ts.)
import { describe, expect, it } from 'vitest';
import type { DnsSettings } from '../../src/config/types.js';
import type { DomainResolution } from '../../src/discovery/resolve-domain.js';
import { emptyWatchState, nextWatchState, refreshDelaySeconds } from '../../src/schedule/domain-watcher.js';

const DNS: DnsSettings = { servers: [], timeout_seconds: 5, refresh_seconds: 300, min_refresh_seconds: 30, keep_last_good_seconds: 3600 };

const good = (ttl: number | null, ...addresses: string[]): DomainResolution => ({
  domain: 'example.test',
  mx_source: 'mx',
  error: null,
  mx: [{ host: 'mx1.example.test', preference: 10, error: null, addresses: addresses.map((address) => ({ address, family: 'ipv4' as const })) }],
  min_ttl_seconds: ttl,
});
const servfail: DomainResolution = { domain: 'example.test', mx_source: null, error: { stage: 'dns', reason: 'servfail', message: 'x' }, mx: [], min_ttl_seconds: null };

describe('nextWatchState', () => {
  it('takes the first good set as the baseline, without change events', () => {
    const { state, changes } = nextWatchState(emptyWatchState('k'), good(60, '192.0.2.1'), 1000, 3600);
    expect(changes).toEqual([]);
    expect(state).toMatchObject({ success: true, goodAt: 1000, lastLookupAt: 1000, failures: {} });
    expect(state.current?.mx[0]?.addresses).toHaveLength(1);
  });

  it('keeps the last good set while failures last less than keep_last_good, and shows each failure at once', () => {
    let { state } = nextWatchState(emptyWatchState('k'), good(60, '192.0.2.1'), 1000, 3600);
    const kept = state.current;
    ({ state } = nextWatchState(state, servfail, 1030, 3600));
    expect(state).toMatchObject({ success: false, failures: { servfail: 1 }, lastLookupAt: 1030, goodAt: 1000 });
    expect(state.current).toBe(kept);
    const expired = nextWatchState(state, servfail, 1000 + 3600, 3600);
    expect(expired.state.current).toBeNull();
    expect(expired.state.failures).toEqual({ servfail: 2 });
    // The set really is gone now: that is reported like any other change.
    expect(expired.changes).toEqual([{ kind: 'mx_removed', subject: 'mx1.example.test', old_value: '10', new_value: null }]);
  });

  it('accepts an MX host without addresses as an answer but not as a success', () => {
    const noAddress: DomainResolution = { ...good(60), mx: [{ host: 'mx1.example.test', preference: 10, error: { stage: 'dns', reason: 'no_address', message: 'x' }, addresses: [] }] };
    const first = nextWatchState(emptyWatchState('k'), good(60, '192.0.2.1'), 1000, 3600);
    const { state, changes } = nextWatchState(first.state, noAddress, 1060, 3600);
    expect(state.success).toBe(false);
    expect(state.failures).toEqual({ no_address: 1 });
    expect(state.current).toBe(noAddress);
    expect(changes).toEqual([{ kind: 'address_removed', subject: 'mx1.example.test', old_value: '192.0.2.1', new_value: null }]);
  });
});

describe('refreshDelaySeconds', () => {
  it.each([
    [good(3, '192.0.2.1'), 30],
    [good(120, '192.0.2.1'), 120],
    [good(86_400, '192.0.2.1'), 300],
    [good(null), 300],
    [servfail, 30],
  ])('%#: the TTL within [min_refresh, refresh], min_refresh after a failure', (outcome, seconds) => {
    expect(refreshDelaySeconds(outcome, DNS)).toBe(seconds);
  });
});
