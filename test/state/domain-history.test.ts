// A domain's MX/address set changes in the same store as capability changes: counted from 0,
// listed newest first, and kept across a restart on the same file.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DomainHistory } from '../../src/state/domain-history.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { useTempDir } from './temp-dir.js';

const tempDir = useTempDir();

it('counts every kind from 0, persists the events with their counts, and finds them again after a restart', () => {
  const path = join(tempDir(), 'state.db');
  let store = SqliteStateStore.open(path);
  let history = new DomainHistory(store);
  expect(history.get('example.com', 'inbound').change_counts).toEqual({ mx_added: 0, mx_removed: 0, mx_preference_changed: 0, address_added: 0, address_removed: 0, mta_sts_policy_changed: 0, mta_sts_mode_changed: 0, tlsa_changed: 0 });
  expect(
    history.record('example.com', 'inbound', 1000, [
      { kind: 'mx_removed', subject: 'mx2.example.com', old_value: '20', new_value: null },
      { kind: 'address_added', subject: 'mx1.example.com', old_value: null, new_value: '2001:db8::1' },
    ]),
  ).toBeNull();
  expect(history.record('example.com', 'inbound', 2000, [{ kind: 'address_added', subject: 'mx1.example.com', old_value: null, new_value: '192.0.2.2' }])).toBeNull();
  store.close();

  store = SqliteStateStore.open(path);
  history = new DomainHistory(store);
  const state = history.get('example.com', 'inbound');
  expect(state.change_counts).toEqual({ mx_added: 0, mx_removed: 1, mx_preference_changed: 0, address_added: 2, address_removed: 0, mta_sts_policy_changed: 0, mta_sts_mode_changed: 0, tlsa_changed: 0 });
  expect(state.last_change_at).toBe(2000);
  expect(history.changes('example.com', 10).map((e) => [e.at, e.kind, e.subject, e.new_value, e.tls])).toEqual([
    [2000, 'address_added', 'mx1.example.com', '192.0.2.2', null],
    [1000, 'address_added', 'mx1.example.com', '2001:db8::1', null],
    [1000, 'mx_removed', 'mx2.example.com', null, null],
  ]);
  // A reload that moves the domain to another group carries its counts along.
  expect(history.get('example.com', 'outbound')).toMatchObject({ group: 'outbound', change_counts: { address_added: 2 } });
  store.close();
});
