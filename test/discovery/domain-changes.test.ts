import { expect, it } from 'vitest';
import { domainChanges } from '../../src/discovery/domain-changes.js';
import type { ResolvedMxHost } from '../../src/discovery/resolve-domain.js';

const mx = (host: string, preference: number, ...addresses: string[]): ResolvedMxHost => ({
  host,
  preference,
  error: null,
  addresses: addresses.map((address) => ({ address, family: address.includes(':') ? 'ipv6' : 'ipv4' })),
});

it('reports nothing for the same set in another order', () => {
  expect(domainChanges({ mx: [mx('a', 10, '192.0.2.1', '::1'), mx('b', 20, '192.0.2.2')] }, { mx: [mx('b', 20, '192.0.2.2'), mx('a', 10, '::1', '192.0.2.1')] })).toEqual([]);
});

it('reports MX hosts added, removed and re-preferenced, and addresses of a host kept', () => {
  const before = { mx: [mx('a', 10, '192.0.2.1', '192.0.2.9'), mx('gone', 20, '192.0.2.3')] };
  const after = { mx: [mx('a', 5, '192.0.2.1', '::1'), mx('new', 30, '192.0.2.4')] };
  expect(domainChanges(before, after)).toEqual([
    { kind: 'mx_removed', subject: 'gone', old_value: '20', new_value: null },
    { kind: 'mx_preference_changed', subject: 'a', old_value: '10', new_value: '5' },
    { kind: 'address_removed', subject: 'a', old_value: '192.0.2.9', new_value: null },
    { kind: 'address_added', subject: 'a', old_value: null, new_value: '::1' },
    { kind: 'mx_added', subject: 'new', old_value: null, new_value: '30' },
  ]);
});
