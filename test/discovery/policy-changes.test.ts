import { describe, expect, it } from 'vitest';
import { describePolicy, mtaStsChanges, tlsaChanges } from '../../src/discovery/policy-changes.js';

const enforce = { policy: { version: 'STSv1' as const, mode: 'enforce' as 'enforce' | 'testing', mx: ['mx1.example.com', '*.example.net'], max_age: 86400 }, policy_id: '20260101' };
const ee = { usage: 3, selector: 1, matching_type: 1, data: 'aa'.repeat(32) };
const ta = { usage: 2, selector: 0, matching_type: 1, data: 'bb'.repeat(32) };

describe('mtaStsChanges', () => {
  it('reports nothing for the same policy', () => {
    expect(mtaStsChanges('example.com', enforce, { ...enforce, policy: { ...enforce.policy } })).toEqual([]);
  });

  it('reports a new id and a mode downgrade with old and new values', () => {
    const testing = { policy: { ...enforce.policy, mode: 'testing' as const }, policy_id: '20260202' };
    expect(mtaStsChanges('example.com', enforce, testing)).toEqual([
      {
        kind: 'mta_sts_policy_changed',
        subject: 'example.com',
        old_value: 'id=20260101 mode=enforce max_age=86400 mx=mx1.example.com,*.example.net',
        new_value: 'id=20260202 mode=testing max_age=86400 mx=mx1.example.com,*.example.net',
      },
      { kind: 'mta_sts_mode_changed', subject: 'example.com', old_value: 'enforce', new_value: 'testing' },
    ]);
  });

  it('reads a policy that is gone as mode none', () => {
    expect(mtaStsChanges('example.com', enforce, { policy: null, policy_id: null })).toEqual([
      { kind: 'mta_sts_policy_changed', subject: 'example.com', old_value: describePolicy(enforce), new_value: null },
      { kind: 'mta_sts_mode_changed', subject: 'example.com', old_value: 'enforce', new_value: 'none' },
    ]);
  });

  it('bounds the stored value for a policy with very many mx patterns', () => {
    const long = { ...enforce, policy: { ...enforce.policy, mx: Array.from({ length: 500 }, (_, i) => `mx${i}.example.com`) } };
    expect(describePolicy(long)!.length).toBe(1024);
  });
});

describe('tlsaChanges', () => {
  it('compares sets regardless of order', () => {
    expect(tlsaChanges('mx1.example.com', [ee, ta], [ta, ee])).toEqual([]);
  });

  it('reports a rotated record with both sets in presentation form', () => {
    const rotated = { ...ee, data: 'cc'.repeat(32) };
    expect(tlsaChanges('mx1.example.com', [ee], [rotated])).toEqual([
      { kind: 'tlsa_changed', subject: 'mx1.example.com', old_value: `3 1 1 ${'aa'.repeat(32)}`, new_value: `3 1 1 ${'cc'.repeat(32)}` },
    ]);
  });

  it('reports records removed from a signed zone as an empty set', () => {
    expect(tlsaChanges('mx1.example.com', [ee], [])).toEqual([{ kind: 'tlsa_changed', subject: 'mx1.example.com', old_value: `3 1 1 ${'aa'.repeat(32)}`, new_value: '' }]);
  });

  it('ignores lookups that were not secure', () => {
    expect(tlsaChanges('mx1.example.com', [ee], null)).toEqual([]);
    expect(tlsaChanges('mx1.example.com', null, [ee])).toEqual([]);
  });
});
