// The pure step of a domain's policy checks: failures counted by reason, changes against the last
// check (MTA-STS) and the last secure TLSA set of each MX host, and the DANE check targets get.
import { describe, expect, it } from 'vitest';
import type { DaneLookup } from '../../src/discovery/dane-lookup.js';
import type { MtaStsStatus } from '../../src/discovery/mta-sts.js';
import { daneCheckFor, EMPTY_POLICY_STATE, nextPolicyState } from '../../src/schedule/policy-checks.js';

const EE = { usage: 3, selector: 1, matching_type: 1, data: 'ab'.repeat(32) };
const ROTATED = { ...EE, data: 'cd'.repeat(32) };

function sts(mode: 'enforce' | 'testing' | null, id: string, fetchError: MtaStsStatus['fetch_error'] = null): MtaStsStatus {
  return {
    domain: 'example.com',
    record: { id },
    record_error: null,
    policy: mode === null ? null : { version: 'STSv1', mode, mx: ['mx1.example.com'], max_age: 86400 },
    policy_id: mode === null ? null : id,
    fetched_at: mode === null ? null : 1000,
    fetch_error: fetchError,
    tlsrpt: null,
  };
}

function tlsa(status: DaneLookup['status'], records: DaneLookup['records'] = []): DaneLookup {
  return { status, name: '_25._tcp.mx1.example.com', records, message: null, ttl_seconds: status === 'secure' ? 300 : null };
}

describe('nextPolicyState', () => {
  it('records nothing on the first check, then the mode change and the new policy', () => {
    const first = nextPolicyState('example.com', EMPTY_POLICY_STATE, { mtaSts: sts('enforce', '1'), dane: new Map([['mx1.example.com', tlsa('secure', [EE])]]) }, 100);
    expect(first.changes).toEqual([]);
    expect(first.state.checkedAt).toBe(100);
    const second = nextPolicyState('example.com', first.state, { mtaSts: sts('testing', '2'), dane: first.state.dane }, 200);
    expect(second.changes.map((c) => [c.kind, c.old_value, c.new_value])).toEqual([
      ['mta_sts_policy_changed', 'id=1 mode=enforce max_age=86400 mx=mx1.example.com', 'id=2 mode=testing max_age=86400 mx=mx1.example.com'],
      ['mta_sts_mode_changed', 'enforce', 'testing'],
    ]);
  });

  it('counts fetch failures by reason', () => {
    const failed = { reason: 'content_type' as const, message: 'text/html' };
    let state = EMPTY_POLICY_STATE;
    for (let i = 0; i < 2; i++) state = nextPolicyState('example.com', state, { mtaSts: sts(null, '1', failed), dane: new Map() }, i).state;
    state = nextPolicyState('example.com', state, { mtaSts: sts(null, '1', { reason: 'timeout', message: 'slow' }), dane: new Map() }, 3).state;
    expect(state.fetchFailures).toEqual({ content_type: 2, timeout: 1 });
  });

  it('measures a TLSA change against the last secure set, across a failed lookup', () => {
    const secure = nextPolicyState('example.com', EMPTY_POLICY_STATE, { mtaSts: null, dane: new Map([['mx1.example.com', tlsa('secure', [EE])]]) }, 1).state;
    const failed = nextPolicyState('example.com', secure, { mtaSts: null, dane: new Map([['mx1.example.com', tlsa('error')]]) }, 2);
    expect(failed.changes).toEqual([]);
    const rotated = nextPolicyState('example.com', failed.state, { mtaSts: null, dane: new Map([['mx1.example.com', tlsa('secure', [ROTATED])]]) }, 3);
    expect(rotated.changes).toEqual([{ kind: 'tlsa_changed', subject: 'mx1.example.com', old_value: `3 1 1 ${EE.data}`, new_value: `3 1 1 ${ROTATED.data}` }]);
  });
});

describe('daneCheckFor', () => {
  it('gives the secure, non-empty TLSA set with the MX host as the reference name, else null', () => {
    const state = nextPolicyState('example.com', EMPTY_POLICY_STATE, {
      mtaSts: null,
      dane: new Map([
        ['mx1.example.com', tlsa('secure', [EE])],
        ['mx2.example.com', tlsa('secure')],
        ['mx3.example.com', tlsa('bogus')],
        ['mx4.example.com', tlsa('insecure')],
      ]),
    }, 1).state;
    expect(daneCheckFor(state, 'mx1.example.com')).toEqual({ records: [EE], names: ['mx1.example.com'] });
    for (const host of ['mx2.example.com', 'mx3.example.com', 'mx4.example.com', 'unknown.example.com']) expect(daneCheckFor(state, host)).toBeNull();
    expect(daneCheckFor(undefined, 'mx1.example.com')).toBeNull();
  });
});
