import { describe, expect, it } from 'vitest';
import type { Expectations } from '../../src/config/types.js';
import { evaluateExpectations } from '../../src/state/expectations.js';
import { failure, success } from './probe-result-builder.js';

const PLAIN = ['PIPELINING', 'SIZE 10000000', 'STARTTLS', '8BITMIME'];
const TLS = ['PIPELINING', 'SIZE 10000000', 'AUTH PLAIN LOGIN', '8BITMIME'];

describe('evaluateExpectations', () => {
  it('returns {} for a failed probe: unknown, not failed', () => {
    const all: Expectations = { starttls: 'required', min_size_bytes: 1, required_extensions: ['PIPELINING'], forbidden_extensions: ['X'], auth_requires_tls: true };
    expect(evaluateExpectations(all, failure('connect', 'timeout'))).toEqual({});
  });

  it('returns {} when nothing is expected', () => {
    expect(evaluateExpectations({}, success())).toEqual({});
  });

  it('uses one label value per configured check, the keyword in the value', () => {
    const got = evaluateExpectations(
      { starttls: 'required', min_size_bytes: 5_000_000, required_extensions: ['pipelining', 'SMTPUTF8'], forbidden_extensions: ['VRFY'], auth_requires_tls: true },
      success(),
    );
    expect(got).toEqual({
      starttls_required: true,
      min_size_bytes: true,
      'required_extension:PIPELINING': true,
      'required_extension:SMTPUTF8': false,
      'forbidden_extension:VRFY': true,
      auth_requires_tls: true,
    });
  });

  const cases: Array<{ name: string; expect: Expectations; result: ReturnType<typeof success>; want: Record<string, boolean> }> = [
    { name: 'STARTTLS gone fails starttls_required', expect: { starttls: 'required' }, result: success({ before: ['PIPELINING'], after: null }), want: { starttls_required: false } },
    { name: 'implicit TLS meets starttls_required', expect: { starttls: 'required' }, result: success({ before: null, implicitTls: true }), want: { starttls_required: true } },
    { name: 'STARTTLS offered but not attempted (mode never) meets it', expect: { starttls: 'required' }, result: success({ after: null, attempted: false }), want: { starttls_required: true } },
    { name: 'SIZE below the minimum', expect: { min_size_bytes: 20_000_000 }, result: success(), want: { min_size_bytes: false } },
    { name: 'SIZE exactly the minimum', expect: { min_size_bytes: 10_000_000 }, result: success(), want: { min_size_bytes: true } },
    { name: 'SIZE 0 (no fixed limit) meets any minimum', expect: { min_size_bytes: 1e12 }, result: success({ after: ['SIZE 0'] }), want: { min_size_bytes: true } },
    { name: 'bare SIZE cannot prove the minimum', expect: { min_size_bytes: 1 }, result: success({ after: ['SIZE'] }), want: { min_size_bytes: false } },
    { name: 'the effective (post-TLS) SIZE counts', expect: { min_size_bytes: 15_000_000 }, result: success({ before: [...PLAIN], after: ['SIZE 20000000'] }), want: { min_size_bytes: true } },
    { name: 'required extension only before TLS is not met', expect: { required_extensions: ['8BITMIME'] }, result: success({ after: ['PIPELINING'] }), want: { 'required_extension:8BITMIME': false } },
    { name: 'forbidden extension seen before TLS only is still not met', expect: { forbidden_extensions: ['8BITMIME'] }, result: success({ after: ['PIPELINING'] }), want: { 'forbidden_extension:8BITMIME': false } },
    { name: 'AUTH in the plaintext EHLO fails auth_requires_tls', expect: { auth_requires_tls: true }, result: success({ before: [...PLAIN, 'AUTH PLAIN'] }), want: { auth_requires_tls: false } },
    { name: 'AUTH only inside TLS meets auth_requires_tls', expect: { auth_requires_tls: true }, result: success({ before: PLAIN, after: TLS }), want: { auth_requires_tls: true } },
    { name: 'auth_requires_tls: false expects nothing', expect: { auth_requires_tls: false }, result: success({ before: [...PLAIN, 'AUTH PLAIN'] }), want: {} },
  ];
  it.each(cases)('$name', ({ expect: e, result, want }) => {
    expect(evaluateExpectations(e, result)).toEqual(want);
  });
});
